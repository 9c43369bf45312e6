"""The keyring: every ciphertext names its key, keys come from LINLI_FIELD_KEYS
(never from SECRET_KEY), the blind index has its own key, and a value that
does not open fails loudly instead of reading as empty."""

import base64
import hashlib

import pytest
from cryptography.fernet import Fernet, InvalidToken

from backend import create_app
from backend.sensitive import keys
from backend.sensitive.keys import FieldKeyError, KeyConfigError

ID_NUMBER = "11010119400101123X"


def test_every_ciphertext_starts_with_its_key_id(ctx):
    token = keys.encrypt(ID_NUMBER)
    assert token.startswith("k1:") and ID_NUMBER not in token and "123X" not in token
    assert keys.decrypt(token) == ID_NUMBER
    assert keys.encrypt(ID_NUMBER) != token  # a random IV: equal values, different ciphertexts


@pytest.mark.parametrize("empty", [None, ""])
def test_nothing_is_stored_for_no_value(ctx, empty):
    assert keys.encrypt(empty) is None and keys.decrypt(empty) is None and keys.blind_index(empty) is None


def test_the_first_key_seals_and_the_older_ones_still_open(app, ctx, monkeypatch):
    old = keys.encrypt(ID_NUMBER)
    monkeypatch.setitem(app.config, "FIELD_KEYS", "k2:a-brand-new-field-key,k1:test-field-key-0001")
    new = keys.encrypt(ID_NUMBER)
    assert new.startswith("k2:") and keys.decrypt(new) == keys.decrypt(old) == ID_NUMBER
    assert keys.keyring().reseal(old).startswith("k2:") and keys.keyring().reseal(new) == new


def test_an_unknown_key_id_fails_loudly(app, ctx, monkeypatch):
    token = keys.encrypt(ID_NUMBER)
    monkeypatch.setitem(app.config, "FIELD_KEYS", "k2:a-brand-new-field-key")
    with pytest.raises(FieldKeyError, match="'k1'"):
        keys.decrypt(token)


def test_a_wrong_key_under_the_same_id_fails_loudly(app, ctx, monkeypatch):
    token = keys.encrypt(ID_NUMBER)
    monkeypatch.setitem(app.config, "FIELD_KEYS", "k1:not-the-key-that-sealed-it")
    with pytest.raises(FieldKeyError, match="wrong key"):
        keys.decrypt(token)
    with pytest.raises(FieldKeyError):
        keys.decrypt("k1:not a fernet token")


def test_the_secret_key_is_not_the_field_key(app, ctx, monkeypatch):
    token = keys.encrypt(ID_NUMBER)
    monkeypatch.setitem(app.config, "SECRET_KEY", "another-secret-altogether")
    assert keys.decrypt(token) == ID_NUMBER
    old_way = Fernet(base64.urlsafe_b64encode(hashlib.sha256(b"linli-field-encryption:test-secret").digest()))
    with pytest.raises(InvalidToken):  # nothing derived from SECRET_KEY opens it
        old_way.decrypt(token.partition(":")[2].encode())


def _legacy_token(secret: str, value: str) -> str:
    """What Linli stored before key ids: Fernet under sha256 of the field key or SECRET_KEY."""
    digest = hashlib.sha256(b"linli-field-encryption:" + secret.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest)).encrypt(value.encode()).decode()


def test_a_ciphertext_without_key_id_is_read_with_the_legacy_key(app, ctx, monkeypatch):
    assert keys.decrypt(_legacy_token("test-secret", ID_NUMBER)) == ID_NUMBER  # SECRET_KEY, as before
    monkeypatch.setitem(app.config, "LEGACY_FIELD_KEY", "the-old-linli-field-key")
    assert keys.decrypt(_legacy_token("the-old-linli-field-key", ID_NUMBER)) == ID_NUMBER
    with pytest.raises(FieldKeyError):
        keys.decrypt(_legacy_token("test-secret", ID_NUMBER))


def test_the_blind_index_has_its_own_key(app, ctx, monkeypatch):
    index = keys.blind_index(ID_NUMBER)
    assert len(index) == 64 and ID_NUMBER not in index
    assert keys.blind_index(ID_NUMBER.lower()) == keys.blind_index(f" {ID_NUMBER} ") == index
    monkeypatch.setitem(app.config, "FIELD_KEYS", "k2:a-brand-new-field-key")
    assert keys.blind_index(ID_NUMBER) == index  # rotating the field key leaves look-ups alone
    monkeypatch.setitem(app.config, "INDEX_KEY", "another-index-key-0002")
    assert keys.blind_index(ID_NUMBER) != index


@pytest.mark.parametrize(("field_keys", "index_key", "message"), [
    ("", "an-index-key-long-enough", "no field key"),
    ("k1", "an-index-key-long-enough", "LINLI_FIELD_KEYS must read"),
    ("k1:short", "an-index-key-long-enough", "LINLI_FIELD_KEYS must read"),
    ("k 1:a-long-enough-secret", "an-index-key-long-enough", "LINLI_FIELD_KEYS must read"),
    ("k1:a-long-enough-secret,k1:another-long-secret", "an-index-key-long-enough", "twice"),
    ("k1:a-long-enough-secret", "short", "LINLI_INDEX_KEY"),
    ("k1:a-long-enough-secret", "a-long-enough-secret", "differ"),
])
def test_malformed_keys_are_refused(field_keys, index_key, message):
    with pytest.raises(KeyConfigError, match=message):
        keys.build(field_keys, index_key, None)


def test_a_malformed_key_stops_the_app_at_start(database_url):
    with pytest.raises(KeyConfigError):
        create_app({"TESTING": True, "SECRET_KEY": "s", "SQLALCHEMY_DATABASE_URI": database_url,
                    "FIELD_KEYS": "k1", "INDEX_KEY": "an-index-key-long-enough"})


def test_without_keys_a_demo_generates_its_own_files_never_the_secret_key(tmp_path):
    from flask import Flask

    app = Flask("demo", instance_path=str(tmp_path / "instance"))
    app.config.update(SECRET_KEY="the-secret", FIELD_KEYS="", INDEX_KEY="")
    keys.init_app(app)
    field_key = (tmp_path / "instance" / "field_key").read_text().strip()
    index_key = (tmp_path / "instance" / "index_key").read_text().strip()
    assert app.config["FIELD_KEYS"] == f"k1:{field_key}" and app.config["INDEX_KEY"] == index_key
    assert len({field_key, index_key, "the-secret"}) == 3 and len(field_key) >= 32
    assert oct((tmp_path / "instance" / "field_key").stat().st_mode & 0o777) == "0o600"
    again = Flask("demo", instance_path=str(tmp_path / "instance"))
    again.config.update(SECRET_KEY="the-secret", FIELD_KEYS="", INDEX_KEY="")
    keys.init_app(again)
    assert again.config["FIELD_KEYS"] == app.config["FIELD_KEYS"]  # kept: data sealed yesterday still opens
