"""What a request's create, its actions and a rating accept: defaults, bounds, and
unknown fields refused by name."""

import uuid

import pytest
from marshmallow import ValidationError

from backend.requests.schemas import rating_create, request_action, request_create

CREATE = {"category": "environment", "description": "垃圾桶满了"}


def _fault(schema, data) -> dict:
    with pytest.raises(ValidationError) as caught:
        schema.load(data)
    return caught.value.messages


def test_a_create_needs_a_category_and_a_description_and_defaults_the_rest():
    clean = request_create.load(CREATE)
    assert clean["on_behalf"] is False and clean["consent"] is False and clean["photos"] == []
    assert all(clean[name] is None for name in ("id", "household_id", "resident_id", "grid_id", "channel",
                                                 "requester_phone", "location", "photo_times"))
    assert set(_fault(request_create, {})) == {"category", "description"}
    assert set(_fault(request_create, {"category": "", "description": ""})) == {"category", "description"}
    assert list(_fault(request_create, CREATE | {"description": "字" * 2001})) == ["description"]
    assert request_create.load(CREATE | {"description": "字" * 2000})["description"] == "字" * 2000


@pytest.mark.parametrize(("change", "field"), [
    ({"channel": "fax"}, "channel"), ({"requester_phone": "call me"}, "requester_phone"),
    ({"requester_phone": "1234"}, "requester_phone"), ({"id": "not-a-uuid"}, "id"),
    ({"address": "路" * 201}, "address"), ({"requester_name": "名" * 51}, "requester_name"),
    ({"household_id": "h" * 37}, "household_id"), ({"location": {"lat": 91, "lng": 0}}, "location"),
    ({"on_behalf": "maybe"}, "on_behalf"), ({"status": "closed"}, "status"),  # set by the server only
])
def test_a_create_refuses_what_is_out_of_bounds_by_field(change, field):
    assert list(_fault(request_create, CREATE | change)) == [field]


def test_a_create_takes_a_phone_a_channel_and_a_client_id():
    client_id = uuid.uuid4()
    clean = request_create.load(CREATE | {"requester_phone": "+86 139-1234-5678", "channel": "station",
                                          "id": str(client_id), "location": {"lat": 39.9, "lng": 116.4}})
    assert clean["requester_phone"] == "+86 139-1234-5678" and clean["channel"] == "station"
    assert clean["id"] == client_id and clean["location"] == {"lat": 39.9, "lng": 116.4, "accuracy": None}
    assert "Not a phone number." in _fault(request_create, CREATE | {"requester_phone": "x"})["requester_phone"]


def test_an_action_takes_a_whole_score_from_one_to_five():
    assert request_action.load({"score": 5})["score"] == 5
    assert request_action.load({})["score"] is None and request_action.load({})["message"] == ""
    for score in (0, 6, "5", 4.5):
        assert list(_fault(request_action, {"score": score})) == ["score"], score
    assert list(_fault(request_action, {"message": "字" * 2001})) == ["message"]
    assert list(_fault(request_action, {"comment": "字" * 1001})) == ["comment"]
    assert list(_fault(request_action, {"assignee_id": "a" * 37})) == ["assignee_id"]
    assert list(_fault(request_action, {"fly": True})) == ["fly"]


def test_a_rating_names_a_request_and_a_score():
    target = str(uuid.uuid4())
    clean = rating_create.load({"target_type": "request", "target_id": target, "score": 3})
    assert clean["comment"] == "" and clean["id"] is None and clean["target_id"] == target
    assert set(_fault(rating_create, {})) == {"target_type", "target_id", "score"}
    assert list(_fault(rating_create, {"target_type": "activity", "target_id": target, "score": 3})) \
        == ["target_type"]
    assert list(_fault(rating_create, {"target_type": "request", "target_id": "", "score": 3})) == ["target_id"]
    assert list(_fault(rating_create, {"target_type": "request", "target_id": target, "score": True})) == ["score"]
