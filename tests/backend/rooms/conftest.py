"""The rooms of the world the room tests use: a room of C1 open 08:00-20:00 every day (no approval)
and one that needs approval, open on weekdays 09:00-17:00; resident1 and resident2 of C1 book them,
staff1 manages them. Monday 30 November 2026 is three days after EPOCH (a Friday)."""

from datetime import datetime

import pytest

from backend.extensions import db
from backend.rooms import services
from tests.factories import UserFactory

DAY = "2026-11-30"  # a Monday
WEEKDAYS = {str(d): [["09:00", "17:00"]] for d in range(5)}


def at(day: str, hhmm: str) -> str:
    """A local time as a device sends it (ISO 8601 with the +08:00 offset)."""
    return f"{day}T{hhmm}:00+08:00"


def utc(day: str, hhmm: str) -> datetime:
    return services._naive_utc(datetime.fromisoformat(at(day, hhmm)))


@pytest.fixture
def rooms(world):
    return make_rooms(world)


def make_rooms(world) -> dict:
    hall = services.create_room(db.session, world.staff1, {"community_id": world.C1.id, "name": "书法绘画室",
                                                           "opening_hours": {str(d): [["08:00", "20:00"]]
                                                                             for d in range(7)},
                                                           "bookable_by": ["residents", "staff"]})
    hut = services.create_room(db.session, world.staff1, {"community_id": world.C1.id, "name": "健康小屋",
                                                          "opening_hours": WEEKDAYS, "needs_approval": True,
                                                          "bookable_by": ["residents"]})
    resident2 = UserFactory(username="resident2", display_name="李娜", role="resident", home=world.H2)
    world.users["resident2"] = resident2
    db.session.commit()
    return {"hall": hall, "hut": hut}


def book(user, room, day=DAY, start="10:00", end="11:00", **data):
    booking = services.request_booking(db.session, user, {"room_id": room.id, "starts_at": at(day, start),
                                                          "ends_at": at(day, end), "purpose": "练字"} | data)
    db.session.commit()
    return booking


