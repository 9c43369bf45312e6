"""The rooms' tables: a booking's slots, the exclusion constraint declared for PostgreSQL only."""

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.schema import CreateTable

from backend.extensions import db
from backend.rooms.models import BookingSlot
from tests.factories import BookingFactory, BookingSlotFactory


def test_the_no_overlap_constraint_is_postgresql_only():
    pg = str(CreateTable(BookingSlot.__table__).compile(dialect=postgresql.dialect()))
    lite = str(CreateTable(BookingSlot.__table__).compile(dialect=sqlite.dialect()))
    assert "EXCLUDE USING gist (room_id WITH =, tsrange(starts_at, ends_at, '[)') WITH &&) WHERE (active)" in pg
    assert "EXCLUDE" not in lite


def test_a_booking_holds_its_slots(ctx):
    booking = BookingFactory(hours=2)
    slot = BookingSlotFactory(booking=booking)
    db.session.commit()
    assert slot.booking is booking and slot.room_id == booking.room_id and slot.active
    assert slot.ends_at - slot.starts_at == booking.ends_at - booking.starts_at
