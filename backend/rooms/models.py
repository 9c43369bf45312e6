"""Function rooms (功能室) of a community centre and their bookings.

A booking (one-off, or weekly for n weeks) holds one `booking_slots` row per occurrence; the
slots carry the no-overlap guarantee. On PostgreSQL an exclusion constraint refuses two active
slots of one room whose time ranges overlap (`[)`: a slot ending at 10:00 and one starting at
10:00 do not overlap); on SQLite the services check the overlap inside the serialised write
transaction (backend/rooms/services.py, `_hold`). A maintenance block is a booking of kind
"maintenance"; an activity's slot one of kind "activity" (`book_slot`)."""

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, func, text
from sqlalchemy.dialects.postgresql import ExcludeConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.common import new_id, utcnow
from backend.extensions import db
from backend.org.placement import COMMUNITY, Placement
from backend.versioning import Versioned

BOOKABLE_BY = ("residents", "organisations", "staff")
STATUSES = ("pending", "confirmed", "refused", "cancelled")
KINDS = ("booking", "maintenance", "activity")
# States in which a booking holds its slots.
HOLDING = ("pending", "confirmed")
WEEKDAYS = ("0", "1", "2", "3", "4", "5", "6")  # Monday .. Sunday (opening_hours keys)


class Room(Versioned, db.Model):
    """A function room: its capacity, opening hours per weekday (local time, Asia/Shanghai:
    {"0": [["08:00", "17:00"]], ...}, Monday = "0"; a missing weekday is closed), rules, who may
    book it and whether a booking needs staff approval."""

    __tablename__ = "rooms"
    __table_args__ = (Index("ix_rooms_space_version", "community_id", "version"),)
    __placement__ = Placement(COMMUNITY, via="community_id")

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    community_id: Mapped[str] = mapped_column(ForeignKey("nodes.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    capacity: Mapped[int] = mapped_column(Integer, default=10)
    opening_hours = mapped_column(JSON, default=dict, nullable=False)
    rules: Mapped[str] = mapped_column(Text, default="")
    bookable_by = mapped_column(JSON, default=list, nullable=False)
    needs_approval: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at = mapped_column(db.DateTime, default=utcnow, nullable=False)
    updated_at = mapped_column(db.DateTime, default=utcnow, nullable=False)

    community = relationship("Node")


class Booking(Versioned, db.Model):
    """A request for a room: one range, or the same range weekly for `recurrence["weekly"]` weeks.
    Stateful: pending (awaiting approval) -> confirmed | refused; pending/confirmed -> cancelled."""

    __tablename__ = "bookings"
    __table_args__ = (Index("ix_bookings_space_version", "community_id", "version"),
                      Index("ix_bookings_room_starts", "room_id", "starts_at"))
    __placement__ = Placement(COMMUNITY, via="community_id")

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    room_id: Mapped[str] = mapped_column(ForeignKey("rooms.id"))
    community_id: Mapped[str] = mapped_column(ForeignKey("nodes.id"))
    user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(200), default="")
    starts_at = mapped_column(db.DateTime, nullable=False)
    ends_at = mapped_column(db.DateTime, nullable=False)
    recurrence = mapped_column(JSON(none_as_null=True))
    status: Mapped[str] = mapped_column(String(12), default="pending")
    kind: Mapped[str] = mapped_column(String(12), default="booking")
    # Idempotency key of a slot booked by another area (an activity): unique, NULLs never collide.
    reference: Mapped[str | None] = mapped_column(String(80), unique=True)
    # Staff's reason for a refusal or a cancellation; told to the booker.
    reason: Mapped[str] = mapped_column(String(200), default="")
    decided_by_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    decided_at = mapped_column(db.DateTime)
    created_at = mapped_column(db.DateTime, default=utcnow, nullable=False)
    updated_at = mapped_column(db.DateTime, default=utcnow, nullable=False)

    room = relationship(Room)
    user = relationship("User", foreign_keys=[user_id])
    slots = relationship("BookingSlot", back_populates="booking", order_by="BookingSlot.starts_at")


class BookingSlot(db.Model):
    """One occurrence of a booking. Active while its booking holds the room (pending or
    confirmed): no two active slots of a room overlap, refused by the database on PostgreSQL."""

    __tablename__ = "booking_slots"
    __table_args__ = (
        Index("ix_booking_slots_room_starts", "room_id", "starts_at"),
        ExcludeConstraint((text("room_id"), "="), (func.tsrange(text("starts_at"), text("ends_at"), "[)"), "&&"),
                          where=text("active"), using="gist", name="ex_booking_slots_no_overlap")
        .ddl_if(dialect="postgresql"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    booking_id: Mapped[str] = mapped_column(ForeignKey("bookings.id"), index=True)
    room_id: Mapped[str] = mapped_column(ForeignKey("rooms.id"))
    starts_at = mapped_column(db.DateTime, nullable=False)
    ends_at = mapped_column(db.DateTime, nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    booking = relationship(Booking, back_populates="slots")
