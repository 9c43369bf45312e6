"""Function rooms: rooms admin, booking (one-off or weekly, every occurrence checked), approval,
refusal, cancellation, maintenance blocks, free slots within opening hours and the next free slot.
Flushes; the caller commits.

Never double booked. Every booking's occurrences are `booking_slots` rows; an active slot holds
its room. The write takes the community's sync space (like every writer of synced records) and
then the room's row (a no-op UPDATE), so on SQLite the transaction holds the database's write lock
before it reads the room's slots, and on PostgreSQL concurrent bookings of a room queue on the row
and each re-reads after the wait. The slots are inserted in a savepoint: PostgreSQL's exclusion
constraint (models.BookingSlot) refuses an overlap whatever path wrote it (23P01), and the refusal
names the slot and offers the next free one (`SlotTaken`, problem field `next_free`)."""

from datetime import UTC, date, datetime, time, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from backend import clock
from backend.auth import policy
from backend.common import new_id, utcnow
from backend.errors import Conflict, Invalid, NotAllowedNow, Refused
from backend.org.models import Node
from backend.rooms import machine
from backend.rooms import policy as room_policy
from backend.rooms.models import HOLDING, Booking, BookingSlot, Room
from backend.rooms.schemas import block_in, booking_action, booking_create, room_in, room_update

TRANSITIONS = machine.transitions()
ACTIONS = tuple(TRANSITIONS)
ACTION_FIELDS = {"approve": ("reason",), "refuse": ("reason",), "cancel": ("reason",)}
STATUS_NAMES = {"pending": _l("waiting for approval"), "confirmed": _l("confirmed"), "refused": _l("refused"),
                "cancelled": _l("cancelled")}
ACTION_NAMES = {"approve": _l("Approve"), "refuse": _l("Refuse"), "cancel": _l("Cancel")}
KIND_NAMES = {"booking": _l("booking"), "maintenance": _l("maintenance"), "activity": _l("activity")}
EXCLUSION_VIOLATION = "23P01"

# Functions (session, community ids) locking those communities' sync spaces, registered by the sync
# engine (sync/areas/rooms.py) so the domain does not import it: a booking takes its space before
# the room's row, in the order every push takes them.
SPACE_LOCKS: list = []


class SlotTaken(Conflict):
    """The room is held at this time: nothing of the booking is written. The problem names the
    slot and offers the next free one of the same length (`next_free`, or null)."""

    title = "Slot taken"

    def __init__(self, detail: str, starts_at: datetime, ends_at: datetime, next_free: dict | None):
        super().__init__(detail, {"starts_at": [_("The room is booked at this time.")]})
        self.slot = {"starts_at": iso(starts_at), "ends_at": iso(ends_at)}
        self.next_free = next_free

    def problem(self) -> dict:
        return {**super().problem(), "slot": self.slot, "next_free": self.next_free}


def iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _load(schema, data):
    if not isinstance(data, dict):
        raise Invalid({"_schema": [_l("Send an object.")]})
    try:
        return schema.load(data)
    except ValidationError as exc:
        raise Invalid(exc.messages) from None


def _naive_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def local(moment: datetime) -> datetime:
    """A stored (naive UTC) time in Asia/Shanghai."""
    return moment.replace(tzinfo=UTC).astimezone(clock.SHANGHAI)


def _utc(day: date, hhmm: str) -> datetime:
    if hhmm == "24:00":
        moment = datetime.combine(day + timedelta(days=1), time(), tzinfo=clock.SHANGHAI)
    else:
        moment = datetime.combine(day, time.fromisoformat(hhmm), tzinfo=clock.SHANGHAI)
    return moment.astimezone(UTC).replace(tzinfo=None)


def openings(room: Room, day: date) -> list[tuple[datetime, datetime]]:
    """The room's opening spans on a local day, as naive UTC ranges."""
    spans = (room.opening_hours or {}).get(str(day.weekday()), [])
    return [(_utc(day, opens), _utc(day, closes)) for opens, closes in spans]


def within_opening(room: Room, starts_at: datetime, ends_at: datetime) -> bool:
    return any(o <= starts_at and ends_at <= c for o, c in openings(room, local(starts_at).date()))


def occurrences(starts_at: datetime, ends_at: datetime, recurrence: dict | None) -> list[tuple[datetime, datetime]]:
    weeks = (recurrence or {}).get("weekly") or 1
    return [(starts_at + timedelta(weeks=n), ends_at + timedelta(weeks=n)) for n in range(weeks)]


def busy(session, room_id: str, starts_at: datetime, ends_at: datetime, exclude_booking: str | None = None):
    """The active slots of a room overlapping [starts_at, ends_at), earliest first."""
    query = select(BookingSlot).where(BookingSlot.room_id == room_id, BookingSlot.active.is_(True),
                                      BookingSlot.starts_at < ends_at, BookingSlot.ends_at > starts_at)
    if exclude_booking:
        query = query.where(BookingSlot.booking_id != exclude_booking)
    return session.scalars(query.order_by(BookingSlot.starts_at)).all()


def free_ranges(session, room: Room, first: date, last: date) -> tuple[list, list]:
    """(free, busy) of a room between two local days (inclusive): free = the opening spans less the
    active slots; busy = the held ranges (never whose, never why)."""
    start = _utc(first, "00:00")
    end = _utc(last + timedelta(days=1), "00:00")
    held = [(s.starts_at, s.ends_at) for s in busy(session, room.id, start, end)]
    free = []
    day = first
    while day <= last:
        for opens, closes in openings(room, day):
            cursor = opens
            for s, e in held:
                if e <= cursor or s >= closes:
                    continue
                if s > cursor:
                    free.append((cursor, s))
                cursor = max(cursor, e)
            if cursor < closes:
                free.append((cursor, closes))
        day += timedelta(days=1)
    return free, held


def next_free(session, room: Room, length: timedelta, after: datetime, now=None) -> dict | None:
    """The earliest range of this length, from `after` (not before now), within the room's opening
    hours and clear of every active slot, within SEARCH_DAYS; None if there is none."""
    after = max(after, now or utcnow())
    first = local(after).date()
    free, _held = free_ranges(session, room, first, first + timedelta(days=machine.SEARCH_DAYS))
    for s, e in free:
        s = max(s, after)
        minute = s.replace(second=0, microsecond=0)
        if minute < s:
            s = minute + timedelta(minutes=1)
        if s + length <= e:
            return {"starts_at": iso(s), "ends_at": iso(s + length)}
    return None


def _lock(session, room: Room) -> None:
    """The community's space, then the room's row, until the transaction ends."""
    for locker in SPACE_LOCKS:
        locker(session, [room.community_id])
    session.execute(update(Room).where(Room.id == room.id).values(capacity=Room.capacity)
                    .execution_options(synchronize_session=False))


def _refuse_overlap(session, room, starts_at, ends_at, length, now):
    raise SlotTaken(_("%(room)s is booked from %(start)s to %(end)s.", room=room.name,
                      start=local(starts_at).strftime("%Y-%m-%d %H:%M"), end=local(ends_at).strftime("%H:%M")),
                    starts_at, ends_at, next_free(session, room, length, starts_at, now))


def sqlstate(exc: Exception) -> str | None:
    """The SQLSTATE of a database error (psycopg 3: `sqlstate`; psycopg2: `pgcode`)."""
    orig = getattr(exc, "orig", None)
    return getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)


def insert_slots(session, room: Room, booking: Booking, ranges, now=None) -> None:
    """The slots themselves, in a savepoint: an exclusion violation (PostgreSQL, 23P01) becomes
    SlotTaken naming the slot."""
    try:
        with session.begin_nested():
            for s, e in ranges:
                session.add(BookingSlot(id=new_id(), booking_id=booking.id, room_id=room.id, starts_at=s,
                                        ends_at=e, active=True))
            session.flush()
    except IntegrityError as exc:
        if sqlstate(exc) != EXCLUSION_VIOLATION:
            raise
        s, e = ranges[0]
        for s2, e2 in ranges:
            if busy(session, room.id, s2, e2, exclude_booking=booking.id):
                s, e = s2, e2
                break
        _refuse_overlap(session, room, s, e, e - s, now)


def _release(session, booking: Booking) -> None:
    session.execute(update(BookingSlot).where(BookingSlot.booking_id == booking.id)
                    .values(active=False).execution_options(synchronize_session=False))
    for slot in booking.slots:
        session.expire(slot, ["active"])


def _room_for(session, actor, room_id) -> Room:
    room = session.get(Room, room_id) if room_id else None
    if room is None or not policy.can(actor, policy.READ, room):
        raise Invalid({"room_id": [_l("No such room.")]})
    return room


def _may_book(actor, room: Room) -> bool:
    allowed = set(room.bookable_by or [])
    if room_policy.manages(actor, room.community_id):
        return True  # staff book any room of their community (for an organisation too)
    return room_policy.is_neighbour(actor) and "residents" in allowed


def _check_ranges(room, starts_at, ends_at, recurrence, now, opening=True) -> list:
    if ends_at <= starts_at:
        raise Invalid({"ends_at": [_l("The end must come after the start.")]})
    if ends_at - starts_at > timedelta(hours=machine.MAX_HOURS):
        raise Invalid({"ends_at": [_l("A booking lasts at most %(n)s hours.", n=machine.MAX_HOURS)]})
    if starts_at < now:
        raise Invalid({"starts_at": [_l("The start is in the past.")]})
    ranges = occurrences(starts_at, ends_at, recurrence)
    if opening:
        for s, e in ranges:
            if not within_opening(room, s, e):
                raise Invalid({"starts_at": [_l("Outside the room's opening hours: %(day)s %(start)s-%(end)s.",
                                                day=local(s).strftime("%Y-%m-%d"),
                                                start=local(s).strftime("%H:%M"),
                                                end=local(e).strftime("%H:%M"))]})
    return ranges


def request_booking(session, actor, data: dict, now=None) -> Booking:
    """A resident (or staff) books a room: one range, or weekly (recurrence {"weekly": n}). Every
    occurrence must fall within the opening hours and clear of the room's active slots. Pending
    where the room needs approval (a booking by its staff is confirmed at once)."""
    now = now or utcnow()
    if not policy.active(actor):
        raise Refused()
    clean = _load(booking_create, data)
    record_id = str(clean["id"]) if clean.get("id") else new_id()
    if session.get(Booking, record_id) is not None:
        raise Conflict(_("A booking with this id exists already."), {"id": [_("Already used.")]})
    room = _room_for(session, actor, clean["room_id"])
    if not room.active:
        raise NotAllowedNow(_("This room takes no bookings now."))
    if not _may_book(actor, room):
        raise Refused()
    starts_at, ends_at = _naive_utc(clean["starts_at"]), _naive_utc(clean["ends_at"])
    recurrence = clean["recurrence"]
    ranges = _check_ranges(room, starts_at, ends_at, recurrence, now)
    staff = room_policy.manages(actor, room.community_id)
    status = "pending" if room.needs_approval and not staff else "confirmed"
    booking = Booking(id=record_id, room_id=room.id, community_id=room.community_id, user_id=actor.id,
                      purpose=clean["purpose"].strip(), starts_at=starts_at, ends_at=ends_at, recurrence=recurrence,
                      status=status, kind="booking", created_at=now, updated_at=now)
    _lock(session, room)
    for s, e in ranges:
        if busy(session, room.id, s, e):
            _refuse_overlap(session, room, s, e, e - s, now)
    session.add(booking)
    session.flush([booking])
    insert_slots(session, room, booking, ranges, now)
    return booking


def block(session, actor, room: Room, data: dict, now=None) -> Booking:
    """Staff block a room for maintenance (any hour, open or not): refused where it is booked."""
    now = now or utcnow()
    if not room_policy.manages(actor, room.community_id):
        raise Refused()
    clean = _load(block_in, data)
    starts_at, ends_at = _naive_utc(clean["starts_at"]), _naive_utc(clean["ends_at"])
    if ends_at <= starts_at:
        raise Invalid({"ends_at": [_l("The end must come after the start.")]})
    if ends_at - starts_at > timedelta(days=31):
        raise Invalid({"ends_at": [_l("A block lasts at most 31 days.")]})
    ranges = occurrences(starts_at, ends_at, clean["recurrence"])
    booking = Booking(id=new_id(), room_id=room.id, community_id=room.community_id, user_id=actor.id,
                      purpose=clean["purpose"].strip() or _("Maintenance"), starts_at=starts_at, ends_at=ends_at,
                      recurrence=clean["recurrence"], status="confirmed", kind="maintenance", decided_by_id=actor.id,
                      decided_at=now, created_at=now, updated_at=now)
    _lock(session, room)
    for s, e in ranges:
        if busy(session, room.id, s, e):
            _refuse_overlap(session, room, s, e, e - s, now)
    session.add(booking)
    session.flush([booking])
    insert_slots(session, room, booking, ranges, now)
    return booking


def book_slot(session, *, room_id: str, starts_at: datetime, ends_at: datetime, user_id: str | None, kind: str,
              reference: str, now=None) -> Booking:
    """For other areas (an activity published in a room): hold [starts_at, ends_at) (naive UTC or
    aware), confirmed, whatever the opening hours; idempotent on `reference`. Raises SlotTaken
    (a Conflict) on overlap, Invalid for a bad range or an unknown room."""
    now = now or utcnow()
    found = session.scalar(select(Booking).where(Booking.reference == reference))
    if found is not None and found.status in HOLDING:
        return found
    room = session.get(Room, room_id) if room_id else None
    if room is None:
        raise Invalid({"room_id": [_l("No such room.")]})
    starts_at, ends_at = _naive_utc(starts_at), _naive_utc(ends_at)
    if ends_at <= starts_at:
        raise Invalid({"ends_at": [_l("The end must come after the start.")]})
    kind = kind if kind in ("activity", "maintenance", "booking") else "activity"
    _lock(session, room)
    if busy(session, room.id, starts_at, ends_at):
        _refuse_overlap(session, room, starts_at, ends_at, ends_at - starts_at, now)
    if found is not None:  # released before (a moved activity): the same record holds the new slot
        booking = found
        booking.room_id, booking.community_id, booking.user_id = room.id, room.community_id, user_id
        booking.starts_at, booking.ends_at, booking.kind = starts_at, ends_at, kind
        booking.status, booking.updated_at = "confirmed", now
    else:
        booking = Booking(id=new_id(), room_id=room.id, community_id=room.community_id, user_id=user_id,
                          purpose="", starts_at=starts_at, ends_at=ends_at, recurrence=None, status="confirmed",
                          kind=kind, reference=reference[:80], created_at=now, updated_at=now)
    session.add(booking)
    session.flush([booking])
    insert_slots(session, room, booking, [(starts_at, ends_at)], now)
    return booking


def release_slot(session, *, reference: str, now=None) -> Booking | None:
    """For other areas: cancel the slot booked under `reference` (an activity cancelled)."""
    booking = session.scalar(select(Booking).where(Booking.reference == reference))
    if booking is not None and booking.status in HOLDING:
        booking.status, booking.updated_at = "cancelled", now or utcnow()
        _release(session, booking)
        session.flush()
    return booking


def actions_for(user, booking: Booking) -> list[str]:
    return [action for action, (states, _to) in TRANSITIONS.items()
            if booking.status in states and room_policy.can_act(user, booking, action)]


def transition(session, actor, booking: Booking, action: str, data: dict | None = None, now=None) -> Booking:
    """approve / refuse (staff; pending) or cancel (the booker or staff; pending or confirmed).
    Refusing or cancelling frees the booking's slots at once."""
    now = now or utcnow()
    if action not in TRANSITIONS:
        raise Invalid({"action": [_l("Unknown action.")]})
    clean = _load(booking_action, data if data is not None else {})
    if not room_policy.can_act(actor, booking, action):
        raise Refused()
    states, to = TRANSITIONS[action]
    if booking.status not in states:
        raise NotAllowedNow(_("Not allowed while the booking is %(status)s.",
                               status=STATUS_NAMES.get(booking.status, booking.status)))
    room = booking.room
    _lock(session, room)
    moved = session.execute(update(Booking).where(Booking.id == booking.id, Booking.status == booking.status)
                            .values(status=to, updated_at=now).execution_options(synchronize_session=False)).rowcount
    if moved != 1:
        raise NotAllowedNow(_("This booking was changed meanwhile."))
    session.refresh(booking, ["status"])
    booking.updated_at = now
    booking.reason = (clean.get("reason") or "").strip()[:200]
    if action in ("approve", "refuse") or actor.id != booking.user_id:
        booking.decided_by_id, booking.decided_at = actor.id, now
    if to not in HOLDING:
        _release(session, booking)
    session.flush()
    return booking


# --- rooms admin ---------------------------------------------------------------------

def create_room(session, actor, data: dict, now=None) -> Room:
    now = now or utcnow()
    clean = _load(room_in, data)
    community = session.get(Node, clean["community_id"])
    if community is None or community.kind != "community" or community.retired_at is not None:
        raise Invalid({"community_id": [_l("No such community.")]})
    if not room_policy.manages(actor, community.id):
        raise Refused()
    room = Room(id=new_id(), community_id=community.id, name=clean["name"].strip(), capacity=clean["capacity"],
                opening_hours=clean["opening_hours"], rules=clean["rules"].strip(),
                bookable_by=sorted(set(clean["bookable_by"])), needs_approval=clean["needs_approval"],
                active=clean["active"], created_at=now, updated_at=now)
    session.add(room)
    session.flush()
    return room


def update_room(session, actor, room: Room, data: dict, now=None) -> Room:
    if not room_policy.manages(actor, room.community_id):
        raise Refused()
    clean = _load(room_update, data)
    for name, value in clean.items():
        if name == "bookable_by":
            value = sorted(set(value))
        elif isinstance(value, str):
            value = value.strip()
        setattr(room, name, value)
    room.updated_at = now or utcnow()
    session.flush()
    return room


def visible_rooms(session, user):
    return select(Room).where(room_policy.room_filter(user)).order_by(Room.community_id, Room.name)


def visible_bookings(session, user):
    return select(Booking).where(room_policy.booking_filter(user))


def week_of(session, room: Room, monday: date) -> list[Booking]:
    """The room's holding bookings with an occurrence in the local week starting `monday`, as
    (slot, booking) pairs: staff's week view."""
    start, end = _utc(monday, "00:00"), _utc(monday + timedelta(days=7), "00:00")
    rows = session.execute(select(BookingSlot, Booking).join(Booking, BookingSlot.booking_id == Booking.id)
                           .where(BookingSlot.room_id == room.id, BookingSlot.active.is_(True),
                                  BookingSlot.starts_at < end, BookingSlot.ends_at > start)
                           .order_by(BookingSlot.starts_at)).all()
    return [(slot, booking) for slot, booking in rows]


def pending(session, user):
    """The bookings awaiting the user's approval, oldest first."""
    return session.scalars(select(Booking).where(Booking.status == "pending",
                                                 Booking.community_id.in_(room_policy.communities_in_area(user)))
                           .order_by(Booking.created_at)).all()
