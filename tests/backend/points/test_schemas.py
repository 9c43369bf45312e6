"""Input schemas are strict: numbers as numbers, known targets only."""

import pytest
from marshmallow import ValidationError

from backend.points.schemas import donation_in, hours_in, redemption_in, reward_in


def test_numbers_must_be_numbers_and_targets_known():
    with pytest.raises(ValidationError) as caught:
        donation_in.load({"to_kind": "friend", "amount": "5"})
    assert set(caught.value.messages) == {"to_kind", "amount"}
    with pytest.raises(ValidationError) as reward:
        reward_in.load({"community_id": "c", "title": "x", "points": 1.5, "stock": 1})
    assert set(reward.value.messages) == {"points"}
    assert hours_in.load({"user_id": "u", "hours": 1.5, "activity": "清洁"})["hours"] == 1.5
    with pytest.raises(ValidationError):
        redemption_in.load({"reward_id": "r", "id": "not-a-uuid"})
