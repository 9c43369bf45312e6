"""A visit's input: VisitCreate's fields and defaults, and PlainVisit, the
plain shape a device sends, which takes exactly the plain spellings (the
rest goes to VisitCreate, which words the errors). That PlainVisit is never
looser than VisitCreate is held in tests/sync/test_fast_paths.py."""

from datetime import datetime

import msgspec
import pytest
from marshmallow import ValidationError

from backend.fieldwork.visits.schemas import PlainVisit, visit_create

SHA = "d" * 64
BODY = {"household_id": "h", "visited_at": "2026-11-27T09:00:00+08:00"}


def errors_of(data) -> dict:
    with pytest.raises(ValidationError) as raised:
        visit_create.load(data)
    return raised.value.messages


def test_a_visit_with_its_defaults():
    assert visit_create.load(BODY) == {"household_id": "h", "visited_at": datetime(2026, 11, 27, 1, 0), "notes": "",
                                       "findings": [], "follow_up": False, "photos": [], "photo_times": None,
                                       "location": None, "task_id": None}


def test_what_a_visit_needs():
    assert set(errors_of({})) == {"household_id", "visited_at"}


@pytest.mark.parametrize(("field", "value"), [
    ("notes", "x" * 5001), ("notes", None), ("findings", [""]), ("findings", ["x" * 65]),
    ("findings", ["all_well"] * 21), ("follow_up", "maybe"), ("task_id", "x" * 37), ("household_id", ""),
    ("photos", [SHA.upper()]), ("author_id", "me"),
])
def test_a_bad_field_is_named(field, value):
    assert set(errors_of(BODY | {field: value})) == {field}


def test_findings_are_free_codes():
    """Codes the field app offers, but another string is kept as it is."""
    assert visit_create.load(BODY | {"findings": ["all_well", "屋顶漏雨"]})["findings"] == ["all_well", "屋顶漏雨"]


def plain(data):
    return msgspec.convert(data, PlainVisit)


def test_the_plain_shape_takes_what_devices_send():
    visit = plain(BODY | {"visited_at": "2026-11-27T01:00:00.25Z", "findings": ["all_well"], "follow_up": True,
                          "photos": [SHA], "photo_times": {SHA: "2026-11-27T00:59:00Z"},
                          "location": {"lat": 36, "lng": 117}})
    assert (visit.follow_up, visit.photos, visit.location.accuracy, visit.notes, visit.task_id) == (
        True, [SHA], None, "", None)


@pytest.mark.parametrize("change", [
    {"visited_at": "2026-11-27T09:00:00+0800"},     # an offset without its colon
    {"visited_at": "2026-11-27T09:00:00"},          # no offset
    {"visited_at": "2026-11-27 09:00:00Z"},
    {"follow_up": "true"},
    {"photos": [SHA.upper()]},
    {"photo_times": {SHA: "yesterday"}},
    {"location": {"lat": 36, "lng": 117, "alt": 3}},
    {"location": {"lat": 91, "lng": 117}},
    {"mood": "good"},
    {"notes": None},
])
def test_anything_else_is_left_to_the_schema(change):
    with pytest.raises(msgspec.ValidationError):
        plain(BODY | change)
