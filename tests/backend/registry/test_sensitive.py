"""Sensitive fields: encrypted with a key derived from LINLI_FIELD_KEY (else
the secret key), unreadable under another key, looked up by a keyed blind
index, and masked to their first and last characters."""

import logging

import pytest

from backend.registry import sensitive

ID_NUMBER = "11010119400101123X"


def test_encrypt_then_decrypt_gives_the_value_back(ctx):
    token = sensitive.encrypt(ID_NUMBER)
    assert ID_NUMBER not in token and "123X" not in token
    assert sensitive.decrypt(token) == ID_NUMBER
    assert sensitive.decrypt(sensitive.encrypt("张伟 13800000001")) == "张伟 13800000001"


def test_each_encryption_differs(ctx):
    """Fernet carries a random IV: equal values do not give equal ciphertexts."""
    assert sensitive.encrypt("13800000001") != sensitive.encrypt("13800000001")


@pytest.mark.parametrize("empty", [None, ""])
def test_nothing_is_stored_for_no_value(ctx, empty):
    assert sensitive.encrypt(empty) is None
    assert sensitive.decrypt(empty) is None
    assert sensitive.blind_index(empty) is None
    assert sensitive.mask(empty) == ""


def test_the_field_key_wins_over_the_secret_key(app, ctx, monkeypatch):
    monkeypatch.setitem(app.config, "FIELD_KEY", "")
    under_secret = sensitive.encrypt(ID_NUMBER)
    index_under_secret = sensitive.blind_index(ID_NUMBER)
    monkeypatch.setitem(app.config, "FIELD_KEY", "a-field-key")
    assert sensitive.blind_index(ID_NUMBER) != index_under_secret
    under_field_key = sensitive.encrypt(ID_NUMBER)
    assert sensitive.decrypt(under_field_key) == ID_NUMBER
    # The secret key changing no longer matters once a field key is set.
    monkeypatch.setitem(app.config, "SECRET_KEY", "another-secret")
    assert sensitive.decrypt(under_field_key) == ID_NUMBER
    assert sensitive.decrypt(under_secret) is None


def test_a_value_under_another_key_is_none_and_logged(app, ctx, monkeypatch, caplog):
    monkeypatch.setitem(app.config, "FIELD_KEY", "the-old-key")
    token = sensitive.encrypt(ID_NUMBER)
    monkeypatch.setitem(app.config, "FIELD_KEY", "the-new-key")
    with caplog.at_level(logging.ERROR):
        assert sensitive.decrypt(token) is None
        assert sensitive.decrypt("not a fernet token") is None
    assert sum("could not be decrypted" in r.getMessage() for r in caplog.records) == 2


def test_the_blind_index_is_stable_keyed_and_ignores_case(app, ctx, monkeypatch):
    index = sensitive.blind_index(ID_NUMBER)
    assert len(index) == 64 and ID_NUMBER not in index
    assert sensitive.blind_index(ID_NUMBER) == index
    assert sensitive.blind_index(ID_NUMBER.lower()) == index  # a typed "x" finds the stored "X"
    assert sensitive.blind_index("110101194001011231") != index
    monkeypatch.setitem(app.config, "FIELD_KEY", "another-key")
    assert sensitive.blind_index(ID_NUMBER) != index


@pytest.mark.parametrize(("value", "masked"), [
    ("1", "*"),
    ("1234", "****"),
    ("12345", "***45"),  # five to seven: too short to show both ends, the last two only
    ("1234567", "*****67"),
    ("12345678", "123*5678"),  # up to eleven: three kept in front
    ("13800000001", "138****0001"),
    ("010-12345678", "010-****5678"),  # twelve and more: four kept in front
    (ID_NUMBER, "1101**********123X"),
])
def test_mask_keeps_the_ends(value, masked):
    assert sensitive.mask(value) == masked
    assert len(sensitive.mask(value)) == len(value)
