"""Input schemas of rooms: opening hours per weekday, aware times, a bounded weekly series."""

import pytest
from marshmallow import ValidationError

from backend.rooms.schemas import booking_create, room_in


def test_opening_hours_are_checked_day_by_day():
    clean = room_in.load({"community_id": "c", "name": "图书馆",
                          "opening_hours": {"0": [["14:00", "17:00"], ["08:00", "12:00"]], "6": []}})
    assert clean["opening_hours"] == {"0": [["08:00", "12:00"], ["14:00", "17:00"]], "6": []}
    for bad in ({"8": []}, {"0": [["8:00", "12:00"]]}, {"0": [["12:00", "08:00"]]}, {"0": "08:00-12:00"}, []):
        with pytest.raises(ValidationError) as caught:
            room_in.load({"community_id": "c", "name": "x", "opening_hours": bad})
        assert set(caught.value.messages) == {"opening_hours"}


def test_a_booking_needs_aware_times_and_at_most_the_longest_series():
    with pytest.raises(ValidationError) as caught:
        booking_create.load({"room_id": "r", "starts_at": "2026-11-30T10:00:00", "ends_at": "2026-11-30T11:00:00+08:00",
                             "recurrence": {"weekly": 27}, "colour": "red"})
    assert set(caught.value.messages) == {"starts_at", "recurrence", "colour"}
    clean = booking_create.load({"room_id": "r", "starts_at": "2026-11-30T10:00:00+08:00",
                                 "ends_at": "2026-11-30T11:00:00+08:00", "recurrence": None})
    assert clean["recurrence"] is None and clean["purpose"] == ""
