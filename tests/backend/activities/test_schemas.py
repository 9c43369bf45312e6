"""The input schemas refuse what is not theirs, naming the field."""

import pytest
from marshmallow import ValidationError

from backend.activities.schemas import activity_create, checkin_create, signup_action, signup_create


def test_inputs_are_strict():
    with pytest.raises(ValidationError) as caught:
        activity_create.load({"community_id": "c", "title": "x", "starts_at": "2026-12-01T10:00:00+08:00",
                              "ends_at": "2026-12-01T12:00:00+08:00", "volunteer_roles": [{"role": "", "count": 0}],
                              "eligibility": {"age_min": -1, "rooms": []}, "extra": 1})
    assert {"volunteer_roles", "eligibility", "extra"} <= set(caught.value.messages)
    with pytest.raises(ValidationError) as caught:
        signup_create.load({"activity_id": "a", "role": "chef"})
    assert "role" in caught.value.messages
    with pytest.raises(ValidationError):
        signup_action.load({"score": 6})
    with pytest.raises(ValidationError) as caught:
        checkin_create.load({"activity_id": "a", "kind": "wave"})
    assert {"kind", "at"} <= set(caught.value.messages)
    assert signup_create.load({"activity_id": "a"})["role"] == "participant"
