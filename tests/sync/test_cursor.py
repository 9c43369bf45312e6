"""The pull cursor: signed positions of one user; anything else (forged,
someone else's, malformed, oversized) reads as None, so the pull resets."""

import uuid

import pytest
from itsdangerous import URLSafeSerializer

from sync import cursor


@pytest.fixture
def signer(app):
    with app.test_request_context():
        yield URLSafeSerializer(app.config["SECRET_KEY"], salt=cursor.SALT)


def test_positions_come_back_for_their_user_only(signer):
    positions = {"c1:grid:g1": 7, "c1:all:": 0}
    text = cursor.encode("u1", positions)
    assert cursor.decode("u1", text) == positions
    assert cursor.decode("u2", text) is None


def test_no_cursor_is_the_initial_sync(signer):
    assert cursor.decode("u1", None) == {}
    assert cursor.decode("u1", "") == {}


def test_a_cursor_signed_otherwise_is_refused(app, signer):
    other_salt = URLSafeSerializer(app.config["SECRET_KEY"], salt="another.salt")
    other_key = URLSafeSerializer("not-the-key", salt=cursor.SALT)
    for text in (other_salt.dumps({"u": "u1", "p": {}}), other_key.dumps({"u": "u1", "p": {}}), "garbage", "a.b"):
        assert cursor.decode("u1", text) is None


@pytest.mark.parametrize("body", [
    ["u1", {}],
    {"u": "u1"},
    {"u": "u1", "p": []},
    {"u": "u1", "p": {"c1:all:": -1}},
    {"u": "u1", "p": {"c1:all:": "7"}},
    {"u": "u1", "p": {"c1:all:": 1.5}},
])
def test_a_signed_cursor_of_the_wrong_shape_is_refused(signer, body):
    assert cursor.decode("u1", signer.dumps(body)) is None


def test_an_oversized_cursor_is_not_even_read(signer):
    huge = cursor.encode("u1", {f"{uuid.uuid4()}:grid:{uuid.uuid4()}": i for i in range(2000)})
    assert len(huge) > 100_000
    assert cursor.decode("u1", huge) is None


def test_a_cursor_holds_only_under_the_view_it_was_made_in(ctx):
    """A role whose records changed shape (sync/scope.py, VIEWS) gets a reset for
    cursors of the old view; a view-1 cursor carries no view, as before."""
    from sync import cursor as cursors

    old = cursors.encode("u1", {"c:all:": 5})
    assert "w" not in cursors._serializer().loads(old)
    assert cursors.decode("u1", old) == {"c:all:": 5}
    assert cursors.decode("u1", old, view=2) is None
    new = cursors.encode("u1", {"c:all:": 5}, view=2)
    assert cursors.decode("u1", new, view=2) == {"c:all:": 5}
    assert cursors.decode("u1", new) is None
