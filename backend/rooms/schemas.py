"""Input and output schemas of function rooms: a room's create and edit, a booking request, a
maintenance block, each action, and what the API answers (the OpenAPI document publishes them)."""

import re

from marshmallow import ValidationError, fields, validate

from backend.rooms.machine import MAX_WEEKS
from backend.rooms.models import BOOKABLE_BY, KINDS, STATUSES, WEEKDAYS
from backend.schema import Strict

ID = validate.Length(min=1, max=36)
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")


class OpeningHours(fields.Dict):
    """{"0": [["08:00", "12:00"], ["14:00", "17:00"]], ...}: Monday = "0"; local time."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, dict):
            raise ValidationError("Send an object of weekdays (\"0\" = Monday .. \"6\").")
        clean = {}
        for day, spans in value.items():
            if day not in WEEKDAYS:
                raise ValidationError(f"Unknown weekday {str(day)[:5]!r}: use \"0\" (Monday) .. \"6\".")
            if not isinstance(spans, list) or len(spans) > 6:
                raise ValidationError("Each weekday takes a list of [opens, closes] pairs.")
            out = []
            for span in spans:
                if (not isinstance(span, list) or len(span) != 2 or not all(isinstance(t, str) for t in span)
                        or not all(_HHMM.match(t) for t in span) or span[0] >= span[1]):
                    raise ValidationError("Each opening is [\"HH:MM\", \"HH:MM\"], opening before closing.")
                out.append([span[0], span[1]])
            clean[day] = sorted(out)
        return clean


class RoomIn(Strict):
    community_id = fields.String(required=True, validate=ID)
    name = fields.String(required=True, validate=validate.Length(min=1, max=60))
    capacity = fields.Integer(load_default=10, strict=True, validate=validate.Range(1, 1000))
    opening_hours = OpeningHours(load_default=dict)
    rules = fields.String(load_default="", validate=validate.Length(max=2000))
    bookable_by = fields.List(fields.String(validate=validate.OneOf(BOOKABLE_BY)), load_default=lambda: ["residents"])
    needs_approval = fields.Boolean(load_default=False)
    active = fields.Boolean(load_default=True)


class RoomUpdate(Strict):
    name = fields.String(validate=validate.Length(min=1, max=60))
    capacity = fields.Integer(strict=True, validate=validate.Range(1, 1000))
    opening_hours = OpeningHours()
    rules = fields.String(validate=validate.Length(max=2000))
    bookable_by = fields.List(fields.String(validate=validate.OneOf(BOOKABLE_BY)))
    needs_approval = fields.Boolean()
    active = fields.Boolean()


class Recurrence(Strict):
    weekly = fields.Integer(required=True, strict=True, validate=validate.Range(1, MAX_WEEKS))


class BookingCreate(Strict):
    id = fields.UUID(load_default=None, allow_none=True)
    room_id = fields.String(required=True, validate=ID)
    purpose = fields.String(load_default="", validate=validate.Length(max=200))
    starts_at = fields.AwareDateTime(required=True, default_timezone=None)
    ends_at = fields.AwareDateTime(required=True, default_timezone=None)
    recurrence = fields.Nested(Recurrence, load_default=None, allow_none=True)


class BlockIn(Strict):
    starts_at = fields.AwareDateTime(required=True, default_timezone=None)
    ends_at = fields.AwareDateTime(required=True, default_timezone=None)
    purpose = fields.String(load_default="", validate=validate.Length(max=200))
    recurrence = fields.Nested(Recurrence, load_default=None, allow_none=True)


class BookingAction(Strict):
    reason = fields.String(load_default="", allow_none=True, validate=validate.Length(max=200))


class RoomOut(Strict):
    id = fields.String()
    community_id = fields.String()
    name = fields.String()
    capacity = fields.Integer()
    opening_hours = fields.Dict()
    rules = fields.String()
    bookable_by = fields.List(fields.String(metadata={"enum": list(BOOKABLE_BY)}))
    needs_approval = fields.Boolean()
    active = fields.Boolean()
    version = fields.Integer()


class SlotOut(Strict):
    starts_at = fields.DateTime()
    ends_at = fields.DateTime()


class BookingOut(Strict):
    id = fields.String()
    room_id = fields.String()
    community_id = fields.String()
    user_id = fields.String(allow_none=True)
    purpose = fields.String()
    starts_at = fields.DateTime()
    ends_at = fields.DateTime()
    recurrence = fields.Dict(allow_none=True)
    status = fields.String(metadata={"enum": list(STATUSES)})
    kind = fields.String(metadata={"enum": list(KINDS)})
    reason = fields.String()
    created_at = fields.DateTime()
    occurrences = fields.List(fields.Nested(SlotOut))
    actions = fields.List(fields.String())
    version = fields.Integer()


class FreeSlotsOut(Strict):
    room_id = fields.String()
    free = fields.List(fields.Nested(SlotOut))
    busy = fields.List(fields.Nested(SlotOut), metadata={"description": "held time ranges, never whose or why"})


room_in, room_update, booking_create, block_in, booking_action = (RoomIn(), RoomUpdate(), BookingCreate(), BlockIn(),
                                                                 BookingAction())
room_out, booking_out, free_slots_out = RoomOut(), BookingOut(), FreeSlotsOut()
