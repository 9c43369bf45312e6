"""Function rooms on devices (docs/SYNC.md, "Function rooms"): the community's rooms (read-only)
and bookings (stateful: create = request a booking; actions cancel, approve, refuse).

The server decides every booking inside the push's transaction (backend/rooms/services.py): of two
offline bookings of one slot the first applied wins; the other is `rejected`, 409 "Slot taken",
its problem naming the slot (`slot`) and offering the next free one of the same length
(`next_free`, null when there is none within the search window).

Partitions: rooms reach staff ("all"), grid workers ("grid") and the community's residents
("public": active rooms only); a booking reaches staff and grid workers of its community and its
booker ("user": user_id), never other residents (they see busy time through the API's free slots)."""

from flask_babel import gettext as _

from backend.auth import policy
from backend.rooms import services
from backend.rooms.models import KINDS, STATUSES, Booking, Room
from backend.rooms.schemas import booking_create
from sync.apply import Applier, ReadOnlyApplier, Rejected, gone
from sync.changefeed import reserve
from sync.collections import READ_ONLY, STATEFUL, Collection
from sync.wire import NULLABLE, STRING, TIME


def _lock_spaces(session, spaces) -> None:
    for space in spaces:
        reserve(session, space, 0)


if _lock_spaces not in services.SPACE_LOCKS:
    services.SPACE_LOCKS[:] = [_lock_spaces]


class CommunityWide(Collection):
    """A community's records with no grid: a grid worker's partition receives all of them."""

    def partition_condition(self, kind, space, key):
        if kind == "grid":
            return self.table.c[self.space_attr] == space
        return super().partition_condition(kind, space, key)


_ROOM_WIRE = ("id", "community_id", "name", "capacity", "opening_hours", "rules", "bookable_by", "needs_approval",
              "active")

ROOMS = CommunityWide(
    name="rooms", model=Room, kind=READ_ONLY,
    wire={name: name for name in _ROOM_WIRE},
    tracked_attrs=(*(name for name in _ROOM_WIRE if name != "id"), "updated_at"),
    partition_kinds=("all", "grid", "public"), partition_attrs=("community_id", "active"), household_attr=None,
    public_only=lambda table: table.c.active.is_(True),
    description="A community's function rooms: capacity, opening hours per weekday (local time; \"0\" = Monday: "
                "[[\"08:00\", \"17:00\"]]), rules, who may book, whether a booking needs approval. Read-only on "
                "devices; residents receive the active ones.",
)

_BOOKING_WIRE = ("id", "room_id", "community_id", "user_id", "purpose", "starts_at", "ends_at", "recurrence",
                 "status", "kind", "reason", "created_at")

BOOKINGS = CommunityWide(
    name="bookings", model=Booking, kind=STATEFUL,
    wire={name: name for name in _BOOKING_WIRE},
    tracked_attrs=(*(name for name in _BOOKING_WIRE if name != "id"), "updated_at"),
    partition_kinds=("all", "grid", "user"), partition_attrs=("community_id",), household_attr=None,
    user_attrs=("user_id",),
    description="Bookings of function rooms. Stateful: a create requests a booking (room_id, starts_at, ends_at "
                "with their offset, purpose, recurrence {\"weekly\": n} or null); the server checks every "
                "occurrence against the opening hours and the room's other bookings. A slot already held is "
                "rejected, 409 \"Slot taken\", with `slot` and `next_free` ({starts_at, ends_at} or null) in the "
                "problem. Then op 'action': cancel (the booker or staff), approve and refuse (staff; optional "
                "reason). Served to staff, grid workers and the booker only.",
)


class BookingApplier(Applier):
    collection = BOOKINGS
    create_fields = frozenset(set(booking_create.fields) - {"id"})
    actions = {name: tuple(fields) for name, fields in services.ACTION_FIELDS.items()}

    def refusal(self, op):
        return _("Bookings change only through actions (op 'action'): %(actions)s.",
                 actions=", ".join(services.ACTIONS))

    def on_create(self, session, user, mutation, appends, context):
        if session.get(Booking, mutation.record_id) is not None:
            raise Rejected(409, "Conflict", _("A booking with this id exists already."))
        record = services.request_booking(session, user, {**mutation.data, "id": mutation.record_id})
        return {"status": "applied", "version": record.version}

    def on_action(self, session, user, mutation, appends, context):
        if mutation.action not in self.actions:
            raise Rejected(422, "Unknown action", _("Bookings accept the actions: %(actions)s.",
                                                    actions=", ".join(services.ACTIONS)))
        record = session.get(Booking, mutation.record_id)
        if record is None or not policy.can(user, policy.READ, record):
            raise gone()
        services.transition(session, user, record, mutation.action, mutation.data)
        session.flush()
        return {"status": "applied", "version": record.version}


APPLIERS = {
    "rooms": ReadOnlyApplier(ROOMS, lambda: _("Rooms are kept by staff.")),
    "bookings": BookingApplier(),
}
COLLECTIONS = (ROOMS, BOOKINGS)
_HOURS = {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "array",
                                                                                  "items": {"type": "string"}}}}
RECORDS = {
    "rooms": {"id": STRING, "community_id": STRING, "name": STRING, "capacity": {"type": "integer"},
              "opening_hours": _HOURS, "rules": STRING, "bookable_by": {"type": "array", "items": {"type": "string"}},
              "needs_approval": {"type": "boolean"}, "active": {"type": "boolean"}},
    "bookings": {"id": STRING, "room_id": STRING, "community_id": STRING, "user_id": NULLABLE, "purpose": STRING,
                 "starts_at": TIME, "ends_at": TIME,
                 "recurrence": {"type": "object", "nullable": True, "properties": {"weekly": {"type": "integer"}}},
                 "status": {"type": "string", "enum": list(STATUSES)}, "kind": {"type": "string", "enum": list(KINDS)},
                 "reason": STRING, "created_at": TIME},
}
