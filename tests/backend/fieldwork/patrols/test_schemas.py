"""A patrol report's input: a grid, a known category, a description, when it
was reported (with its offset), and the shared photos and location."""

from datetime import datetime

import pytest
from marshmallow import ValidationError

from backend.fieldwork.patrols.models import CATEGORIES
from backend.fieldwork.patrols.schemas import patrol_create

BODY = {"grid_id": "g", "category": "repair", "description": "路灯坏了", "reported_at": "2026-11-27T09:00:00+08:00"}


def errors_of(data) -> dict:
    with pytest.raises(ValidationError) as raised:
        patrol_create.load(data)
    return raised.value.messages


def test_a_report_with_its_defaults():
    assert patrol_create.load(BODY) == {"grid_id": "g", "category": "repair", "description": "路灯坏了",
                                        "reported_at": datetime(2026, 11, 27, 1, 0), "photos": [],
                                        "photo_times": None, "location": None}


def test_what_a_report_needs():
    assert set(errors_of({})) == {"grid_id", "category", "description", "reported_at"}


@pytest.mark.parametrize("category", CATEGORIES)
def test_every_category_is_accepted(category):
    assert patrol_create.load(BODY | {"category": category})["category"] == category


@pytest.mark.parametrize(("field", "value"), [
    ("category", "graffiti"), ("description", ""), ("description", "x" * 5001), ("grid_id", ""),
    ("grid_id", "x" * 37), ("reported_at", "2026-11-27T09:00:00"), ("photos", ["not-a-hash"]),
    ("location", {"lat": 100, "lng": 0}), ("author_id", "someone"),
])
def test_a_bad_field_is_named(field, value):
    assert set(errors_of(BODY | {field: value})) == {field}
