"""The demo's rooms: three per community and a year of bookings, none overlapping."""

from itertools import pairwise

from sqlalchemy import select

from backend.extensions import db
from backend.org.models import Node
from backend.rooms import demo
from backend.rooms.models import Booking, BookingSlot, Room


def test_every_community_gets_its_rooms_and_a_year_of_bookings_without_overlap(world):
    counts = demo.populate(7)
    db.session.commit()
    communities = db.session.scalars(select(Node.id).where(Node.kind == "community", Node.retired_at.is_(None))).all()
    assert counts["rooms"] == 3 * len(communities)
    names = {r.name for r in db.session.scalars(select(Room))}
    assert names == {"健康小屋", "图书馆", "书法绘画室"}
    kinds = {b.kind for b in db.session.scalars(select(Booking))}
    assert kinds == {"booking", "maintenance"}
    weekly = db.session.scalars(select(Booking).where(Booking.recurrence.is_not(None))).all()
    assert weekly and all(len(b.slots) == b.recurrence["weekly"] for b in weekly)
    slots = db.session.execute(select(BookingSlot.room_id, BookingSlot.starts_at, BookingSlot.ends_at)
                               .where(BookingSlot.active.is_(True))
                               .order_by(BookingSlot.room_id, BookingSlot.starts_at)).all()
    span = max(s.ends_at for s in slots) - min(s.starts_at for s in slots)
    assert span.days >= 350
    for before, after in pairwise(slots):
        if before.room_id == after.room_id:
            assert before.ends_at <= after.starts_at
