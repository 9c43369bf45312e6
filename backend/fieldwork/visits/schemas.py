from typing import Annotated

import msgspec
from marshmallow import fields, validate

from backend.fieldwork.records import MAX_PHOTOS, PLAIN_TIME, AwareDateTime, Location, Photos, PhotoTimes, Strict


class VisitCreate(Strict):
    household_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    visited_at = AwareDateTime(required=True, default_timezone=None)
    notes = fields.String(load_default="", validate=validate.Length(max=5000))
    findings = fields.List(fields.String(validate=validate.Length(min=1, max=64)), load_default=list,
                           validate=validate.Length(max=20))
    follow_up = fields.Boolean(load_default=False)
    photos = Photos()
    photo_times = PhotoTimes()
    location = fields.Nested(Location, load_default=None, allow_none=True)
    task_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=36))


visit_create = VisitCreate()


# --- the plain shape, checked in C -------------------------------------------
# What a device sends for a visit in the common case, as msgspec types: a push
# of 500 visits is checked in one call instead of 500 marshmallow loads.
# Stricter than VisitCreate, never looser (tests/sync/test_fast_paths.py holds
# them to that): whatever does not fit is loaded by visit_create, which words
# the errors.

_PLAIN_TIME = Annotated[str, msgspec.Meta(pattern=rf"\A{PLAIN_TIME}\Z")]
_SHA256 = Annotated[str, msgspec.Meta(pattern=r"\A[0-9a-f]{64}\Z")]


class PlainLocation(msgspec.Struct, forbid_unknown_fields=True):
    lat: Annotated[float, msgspec.Meta(ge=-90, le=90)]
    lng: Annotated[float, msgspec.Meta(ge=-180, le=180)]
    accuracy: Annotated[float, msgspec.Meta(ge=0, le=100000)] | None = None


class PlainVisit(msgspec.Struct, forbid_unknown_fields=True):
    household_id: Annotated[str, msgspec.Meta(min_length=1, max_length=36)]
    visited_at: _PLAIN_TIME
    notes: Annotated[str, msgspec.Meta(max_length=5000)] = ""
    findings: Annotated[list[Annotated[str, msgspec.Meta(min_length=1, max_length=64)]],
                        msgspec.Meta(max_length=20)] = []
    follow_up: bool = False
    photos: list[_SHA256] = []
    photo_times: Annotated[dict[_SHA256, _PLAIN_TIME], msgspec.Meta(max_length=MAX_PHOTOS)] | None = None
    location: PlainLocation | None = None
    task_id: Annotated[str, msgspec.Meta(max_length=36)] | None = None
