"""The fields every field record shares (backend/fieldwork/records.py): photos that are
not names are refused as bad input naming the field, through every endpoint
that takes them, never a 500."""

import uuid
from datetime import timedelta

import pytest

from backend.common import utcnow
from tests.backend.shared import is_problem


def _moment() -> str:
    return (utcnow() - timedelta(hours=1)).isoformat() + "Z"


def _bodies(world) -> dict:
    """A valid body for each endpoint that takes photos, posted by worker1."""
    return {
        "/api/v1/visits": {"household_id": world.H1.id, "visited_at": _moment()},
        "/api/v1/patrol-reports": {"grid_id": world.G1.id, "category": "other", "description": "井盖松动",
                                   "reported_at": _moment()},
        "/api/v1/requests": {"category": "environment", "description": "垃圾桶满了", "household_id": world.H1.id,
                             "on_behalf": True, "consent": True},
    }


PATHS = ["/api/v1/visits", "/api/v1/patrol-reports", "/api/v1/requests"]
SHA = "a" * 64


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("photos", [[{}], [[1]], [None], [SHA, {"x": 1}]], ids=["object", "list", "null", "mixed"])
@pytest.mark.parametrize("times", [None, {}, {SHA: "2026-01-01T00:00:00Z"}], ids=["no-times", "times", "a-time"])
def test_a_photo_that_is_not_a_name_is_a_422_naming_it(world, client, auth, path, photos, times):
    body = _bodies(world)[path] | {"photos": photos}
    if times is not None:
        body["photo_times"] = times
    response = client.post(path, json=body, headers=auth.headers("worker1"))
    problem = is_problem(response, 422)
    named = f"photos.{len(photos) - 1}"  # the bad one, by its index
    assert problem["errors"][named][0] in ("Not a valid string.", "Field may not be null."), problem
    # and, besides, at most the times of a photo the record does not name
    assert set(problem["errors"]) - {named} <= ({"photo_times"} if times and SHA not in photos else set()), problem


@pytest.mark.parametrize("path", PATHS)
def test_photos_that_are_not_a_list_beside_photo_times_are_a_422(world, client, auth, path):
    body = _bodies(world)[path] | {"photos": 7, "photo_times": {SHA: "2026-01-01T00:00:00Z"}}
    problem = is_problem(client.post(path, json=body, headers=auth.headers("worker1")), 422)
    assert problem["errors"]["photos"] == ["Not a valid list."]
    assert problem["errors"]["photo_times"] == ["Times only for photos the record names."]


@pytest.mark.parametrize("path", PATHS)
def test_a_nested_field_is_named_by_its_path(world, client, auth, path):
    """Services' Invalid words nested messages as the push does (`location.lat`), not as their keys."""
    body = _bodies(world)[path] | {"location": {"lat": 91, "lng": 0}}
    problem = is_problem(client.post(path, json=body, headers=auth.headers("worker1")), 422)
    assert set(problem["errors"]) == {"location.lat"}, problem
    assert problem["errors"]["location.lat"][0].startswith("Must be greater than or equal to -90")


def test_a_pushed_visit_with_an_object_photo_is_rejected_naming_it(world, client, auth):
    device_id = str(uuid.uuid4())
    headers = {"Authorization": f"Bearer {auth.token('worker1', device_id=device_id)}"}
    mutation = {"id": str(uuid.uuid4()), "collection": "visits", "record_id": str(uuid.uuid4()), "op": "create",
                "base_version": None, "client_time": _moment(),
                "data": _bodies(world)["/api/v1/visits"] | {"photos": [{}], "photo_times": {}}}
    response = client.post("/api/v1/sync/push", headers=headers,
                           json={"device_id": device_id, "schema_version": 1, "mutations": [mutation]})
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    [result] = response.get_json()["results"]
    assert result["status"] == "rejected"
    assert result["error"]["status"] == 422 and result["error"]["errors"] == {"photos.0": ["Not a valid string."]}
