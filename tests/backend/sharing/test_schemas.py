"""The schemas refuse unknown fields and hold the limits the services rely on."""

import pytest
from marshmallow import ValidationError

from backend.sharing.schemas import post_create, post_update, response_action, response_create


def test_unknown_fields_and_bad_values_are_named():
    with pytest.raises(ValidationError) as caught:
        post_create.load({"kind": "lend", "title": "x", "status": "closed"})
    assert "status" in caught.value.messages
    with pytest.raises(ValidationError) as caught:
        post_update.load({"capacity": "3"}, partial=True)
    assert "capacity" in caught.value.messages
    with pytest.raises(ValidationError) as caught:
        response_create.load({"post_id": "p"})
    assert "message" in caught.value.messages
    with pytest.raises(ValidationError) as caught:
        response_action.load({"score": 6, "due_at": "tomorrow"})
    assert {"score", "due_at"} <= set(caught.value.messages)


def test_defaults():
    clean = post_create.load({"kind": "skill", "title": "书法课"})
    assert (clean["capacity"], clean["reach"], clean["photos"], clean["on_behalf"]) == (1, "community", [], False)
