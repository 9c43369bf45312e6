"""The fields every field record shares (backend/fieldwork/records.py): photos that are
not names are refused as bad input naming the field, through every endpoint
that takes them, never a 500; and each field's own rules (photos by hash, at
most nine, their times, a location, a moment with its offset, not far ahead)."""

import uuid
from datetime import datetime, timedelta

import pytest
from marshmallow import ValidationError, fields

from backend.common import utcnow
from backend.fieldwork.records import MAX_PHOTOS, AwareDateTime, Location, Photos, PhotoTimes
from backend.schema import Strict
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


# --- the fields themselves ----------------------------------------------------------

class _Record(Strict):
    """A field record of every shared field, as visits and patrol reports use them."""

    photos = Photos()
    photo_times = PhotoTimes()
    location = fields.Nested(Location, load_default=None, allow_none=True)
    at = AwareDateTime(required=True, default_timezone=None)


RECORD = _Record()


def _load(**data):
    return RECORD.load({"at": "2026-11-27T09:00:00+08:00"} | data)


def _errors(**data) -> dict:
    with pytest.raises(ValidationError) as raised:
        _load(**data)
    return raised.value.messages


def _sha(n: int) -> str:
    return f"{n:064x}"


def test_photos_are_deduplicated_in_their_order():
    assert _load()["photos"] == []
    assert _load(photos=[_sha(2), _sha(1), _sha(2)])["photos"] == [_sha(2), _sha(1)]


@pytest.mark.parametrize("photo", ["A" * 64, "a" * 63, "g" * 64, "photo.jpg"])
def test_a_photo_is_named_by_its_lower_case_sha256(photo):
    assert set(_errors(photos=[photo])) == {"photos"}


def test_at_most_nine_photos_with_their_times():
    nine = [_sha(n) for n in range(MAX_PHOTOS)]
    loaded = _load(photos=nine, photo_times=dict.fromkeys(nine, "2026-11-27T08:00:00Z"))
    assert len(loaded["photos"]) == len(loaded["photo_times"]) == MAX_PHOTOS
    assert set(_errors(photos=[*nine, _sha(99)])) == {"photos"}
    ten = [*nine, _sha(99)]
    assert _errors(photos=ten, photo_times=dict.fromkeys(ten, "2026-11-27T08:00:00Z"))["photo_times"] == [
        "At most 9 photos."]


@pytest.mark.parametrize("moment", ["2026-11-27T08:00:00", "yesterday", "2026-13-01T00:00:00Z"])
def test_each_photo_time_is_iso_with_its_offset(moment):
    assert _errors(photos=[_sha(1)], photo_times={_sha(1): moment}) == {
        "photo_times": ["Each time is ISO 8601 with its offset."]}


def test_photo_times_only_for_named_photos():
    assert _load(photos=[_sha(1)], photo_times={_sha(1): "2026-11-27T08:00:00+08:00"})["photo_times"] == {
        _sha(1): "2026-11-27T08:00:00+08:00"}  # kept as the device wrote it
    assert _errors(photos=[_sha(1)], photo_times={_sha(2): "2026-11-27T08:00:00Z"}) == {
        "photo_times": ["Times only for photos the record names."]}
    assert _load(photo_times=None)["photo_times"] is None


def test_a_location():
    assert _load(location={"lat": 36, "lng": 117.1})["location"] == {"lat": 36.0, "lng": 117.1, "accuracy": None}
    assert set(_errors(location={"lat": 36, "lng": 181})["location"]) == {"lng"}
    assert set(_errors(location={"lat": 36, "lng": 117, "accuracy": -1})["location"]) == {"accuracy"}
    assert set(_errors(location={"lat": 36})["location"]) == {"lng"}
    assert set(_errors(location={"lat": 36, "lng": 117, "alt": 50})["location"]) == {"alt"}


def test_a_moment_is_stored_as_naive_utc():
    assert RECORD.load({"at": "2026-11-27T09:30:00+08:00"})["at"] == datetime(2026, 11, 27, 1, 30)
    assert RECORD.load({"at": "2026-11-27T01:30:00.5Z"})["at"] == datetime(2026, 11, 27, 1, 30, 0, 500000)


def test_a_moment_needs_its_offset_and_a_sensible_year():
    assert set(_errors(at="2026-11-27T09:30:00")) == {"at"}
    assert _errors(at="1999-12-31T23:59:00Z") == {"at": ["This time is too far in the past."]}
    assert set(_errors(at="0001-01-01T00:00:00+08:00")) == {"at"}  # out of range, not a 500


def test_a_moment_may_run_a_day_ahead_of_the_server_not_more():
    from backend import clock

    ahead = clock.aware_now() + timedelta(hours=23)
    assert _load(at=ahead.isoformat())["at"] == ahead.replace(tzinfo=None)
    assert _errors(at=(clock.aware_now() + timedelta(days=1, minutes=5)).isoformat()) == {
        "at": ["This time is in the future."]}


def test_check_photos_asks_the_photo_store_and_names_the_photo_at_fault(world):
    """The application registers the store's provenance rule (backend/__init__.py); a
    photo another user uploaded, which no record the author may read names, is refused
    by its index; one the author uploaded, or one not uploaded yet, is not."""
    from backend.errors import Invalid
    from backend.extensions import db
    from backend.fieldwork import records
    from sync import attachments
    from tests.factories import AttachmentUploadFactory

    assert [attachments.vet] == records.PHOTO_CHECKS
    theirs = AttachmentUploadFactory(user=world.worker2)
    mine = AttachmentUploadFactory(user=world.worker1)
    db.session.commit()
    records.check_photos(db.session, world.worker1, [])
    records.check_photos(db.session, world.worker1, [mine.sha256, "a" * 64])
    with pytest.raises(Invalid) as refused:
        records.check_photos(db.session, world.worker1, [mine.sha256, theirs.sha256], field="photos")
    assert set(refused.value.errors) == {"photos.1"}
