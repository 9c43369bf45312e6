"""Random bookings (one-off and weekly), cancellations, refusals and maintenance blocks on one room
(Hypothesis, on the real database): after every step no two active slots of the room overlap, and
a booking or a block is refused exactly when one of its occurrences meets a held slot."""

from datetime import timedelta
from itertools import pairwise

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from backend.errors import Conflict, Invalid
from backend.extensions import db
from backend.rooms import services
from backend.rooms.models import Booking, BookingSlot
from tests.backend.rooms.conftest import utc

MONDAY = utc("2026-11-30", "00:00")

_book = st.tuples(st.just("book"), st.integers(0, 1), st.integers(0, 6), st.integers(16, 36), st.integers(1, 6),
                  st.integers(1, 3))
_block = st.tuples(st.just("block"), st.integers(0, 6), st.integers(0, 40), st.integers(1, 8))
_cancel = st.tuples(st.just("cancel"), st.integers(0, 30))
_refuse = st.tuples(st.just("refuse"), st.integers(0, 30))
OPS = st.lists(st.one_of(_book, _block, _cancel, _refuse), min_size=1, max_size=14)


def _overlaps(a, b) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _check_no_overlap(room) -> None:
    slots = db.session.execute(select(BookingSlot.starts_at, BookingSlot.ends_at)
                               .where(BookingSlot.room_id == room.id, BookingSlot.active.is_(True))
                               .order_by(BookingSlot.starts_at)).all()
    for before, after in pairwise(slots):
        assert before.ends_at <= after.starts_at, (before, after)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=OPS)
def test_no_two_active_slots_of_a_room_ever_overlap(world, rooms, ops):
    room = rooms["hall"]  # open 08:00-20:00 every day, local time: 16..36 half hours past midnight fits
    db.session.execute(delete(BookingSlot))
    db.session.execute(delete(Booking))
    db.session.commit()
    people = (world.resident1, db.session.scalar(select(type(world.resident1)).where(
        type(world.resident1).username == "resident2")))
    held: dict[str, list] = {}  # booking id -> its ranges, while it holds the room
    made: list[str] = []
    for op in ops:
        if op[0] in ("book", "block"):
            if op[0] == "book":
                _kind, who, day, start, length, weeks = op
                starts = MONDAY + timedelta(days=day, minutes=30 * start) - timedelta(hours=8)
                ends = starts + timedelta(minutes=30 * length)
                ranges = services.occurrences(starts, ends, {"weekly": weeks})
            else:
                _kind, day, start, length = op
                starts = MONDAY + timedelta(days=day, minutes=30 * start) - timedelta(hours=8)
                ends = starts + timedelta(minutes=30 * length)
                ranges = [(starts, ends)]
            fits = all(services.within_opening(room, s, e) for s, e in ranges) or op[0] == "block"
            free = not any(_overlaps(r, h) for r in ranges for hs in held.values() for h in hs)
            try:
                if op[0] == "book":
                    booking = services.request_booking(db.session, people[who], {
                        "room_id": room.id, "starts_at": starts.isoformat() + "+00:00",
                        "ends_at": ends.isoformat() + "+00:00", "recurrence": {"weekly": weeks}})
                else:
                    booking = services.block(db.session, world.staff1, room, {
                        "starts_at": starts.isoformat() + "+00:00", "ends_at": ends.isoformat() + "+00:00"})
                db.session.commit()
            except services.SlotTaken:
                db.session.rollback()
                assert fits and not free
            except Invalid:
                db.session.rollback()
                assert not fits
            else:
                assert fits and free
                held[booking.id] = ranges
                made.append(booking.id)
        elif made:
            booking = db.session.get(Booking, made[op[1] % len(made)])
            actor = world.staff1
            try:
                services.transition(db.session, actor, booking, "cancel" if op[0] == "cancel" else "refuse")
                db.session.commit()
            except Conflict:
                db.session.rollback()
                assert booking.id not in held or op[0] == "refuse"
            else:
                held.pop(booking.id, None)
        _check_no_overlap(room)


def test_the_check_runs_on_the_room_it_books(world, rooms):
    """A booking of another room at the same time is no overlap."""
    services.block(db.session, world.staff1, rooms["hall"], {"starts_at": "2026-11-30T10:00:00+08:00",
                                                            "ends_at": "2026-11-30T11:00:00+08:00"})
    services.block(db.session, world.staff1, rooms["hut"], {"starts_at": "2026-11-30T10:00:00+08:00",
                                                           "ends_at": "2026-11-30T11:00:00+08:00"})
    db.session.commit()
    with pytest.raises(services.SlotTaken):
        services.block(db.session, world.staff1, rooms["hut"], {"starts_at": "2026-11-30T10:30:00+08:00",
                                                               "ends_at": "2026-11-30T11:30:00+08:00"})
    db.session.rollback()
