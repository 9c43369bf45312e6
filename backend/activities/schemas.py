"""Input and output schemas of activities: an activity's create and edit, a sign-up, each action,
a check-in (the OpenAPI document publishes them)."""

from marshmallow import Schema, fields, validate

from backend.activities.models import ACTIVITY_STATUSES, CHECKIN_KINDS, ROLES, SIGNUP_STATUSES
from backend.fieldwork.records import Photos
from backend.schema import Strict

ID = validate.Length(max=36)
TIME = {"load_default": None, "allow_none": True, "default_timezone": None}


class Eligibility(Strict):
    buildings = fields.List(fields.String(validate=ID), load_default=list, validate=validate.Length(max=50))
    care_tags = fields.List(fields.String(validate=validate.Length(max=40)), load_default=list,
                            validate=validate.Length(max=20))
    age_min = fields.Integer(load_default=None, allow_none=True, strict=True, validate=validate.Range(0, 130))
    age_max = fields.Integer(load_default=None, allow_none=True, strict=True, validate=validate.Range(0, 130))


class VolunteerRole(Strict):
    role = fields.String(required=True, validate=validate.Length(min=1, max=40))
    count = fields.Integer(required=True, strict=True, validate=validate.Range(1, 100))


class ActivityCreate(Strict):
    id = fields.UUID(load_default=None, allow_none=True)
    community_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    title = fields.String(required=True, validate=validate.Length(min=1, max=80))
    description = fields.String(load_default="", allow_none=True, validate=validate.Length(max=4000))
    photos = Photos()
    room_id = fields.String(load_default=None, allow_none=True, validate=ID)
    address = fields.String(load_default="", allow_none=True, validate=validate.Length(max=200))
    starts_at = fields.AwareDateTime(required=True, default_timezone=None)
    ends_at = fields.AwareDateTime(required=True, default_timezone=None)
    capacity = fields.Integer(load_default=20, strict=True, validate=validate.Range(1, 10000))
    eligibility = fields.Nested(Eligibility, load_default=dict)
    signup_opens_at = fields.AwareDateTime(**TIME)
    signup_closes_at = fields.AwareDateTime(**TIME)
    waitlist = fields.Boolean(load_default=True)
    volunteer_roles = fields.List(fields.Nested(VolunteerRole), load_default=list, validate=validate.Length(max=20))


class ActivityUpdate(Strict):
    title = fields.String(validate=validate.Length(min=1, max=80))
    description = fields.String(allow_none=True, validate=validate.Length(max=4000))
    photos = Photos()
    room_id = fields.String(allow_none=True, validate=ID)
    address = fields.String(allow_none=True, validate=validate.Length(max=200))
    starts_at = fields.AwareDateTime(default_timezone=None)
    ends_at = fields.AwareDateTime(default_timezone=None)
    capacity = fields.Integer(strict=True, validate=validate.Range(1, 10000))
    eligibility = fields.Nested(Eligibility)
    signup_opens_at = fields.AwareDateTime(allow_none=True, default_timezone=None)
    signup_closes_at = fields.AwareDateTime(allow_none=True, default_timezone=None)
    waitlist = fields.Boolean()
    volunteer_roles = fields.List(fields.Nested(VolunteerRole), validate=validate.Length(max=20))


class CancelIn(Strict):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=200))


class SignupCreate(Strict):
    id = fields.UUID(load_default=None, allow_none=True)
    activity_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    resident_id = fields.String(load_default=None, allow_none=True, validate=ID)
    role = fields.String(load_default="participant", validate=validate.OneOf(ROLES))
    volunteer_role = fields.String(load_default="", allow_none=True, validate=validate.Length(max=40))


class SignupAction(Strict):
    """The data of every action; which fields each one uses is in signups.ACTION_FIELDS."""

    score = fields.Integer(load_default=None, allow_none=True, strict=True, validate=validate.Range(1, 5))
    comment = fields.String(load_default="", allow_none=True, validate=validate.Length(max=60))
    at = fields.AwareDateTime(**TIME)
    offline = fields.Boolean(load_default=False)


class CheckinCreate(Strict):
    id = fields.UUID(load_default=None, allow_none=True)
    activity_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    signup_id = fields.String(load_default=None, allow_none=True, validate=ID)
    code = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=8))
    resident_id = fields.String(load_default=None, allow_none=True, validate=ID)
    name = fields.String(load_default="", allow_none=True, validate=validate.Length(max=50))
    kind = fields.String(load_default="check_in", validate=validate.OneOf(CHECKIN_KINDS))
    at = fields.AwareDateTime(required=True, default_timezone=None)
    offline = fields.Boolean(load_default=False)


class ActivityOut(Schema):
    id = fields.String()
    community_id = fields.String()
    title = fields.String()
    description = fields.String()
    photos = fields.List(fields.Dict())
    room_id = fields.String(allow_none=True)
    address = fields.String()
    starts_at = fields.DateTime()
    ends_at = fields.DateTime()
    capacity = fields.Integer()
    eligibility = fields.Dict()
    signup_opens_at = fields.DateTime(allow_none=True)
    signup_closes_at = fields.DateTime(allow_none=True)
    waitlist = fields.Boolean()
    volunteer_roles = fields.List(fields.Dict())
    status = fields.String(metadata={"enum": list(ACTIVITY_STATUSES)})
    confirmed_count = fields.Integer()
    waitlist_count = fields.Integer()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class SignupOut(Schema):
    id = fields.String()
    activity_id = fields.String()
    community_id = fields.String()
    household_id = fields.String(allow_none=True)
    user_id = fields.String(allow_none=True)
    resident_id = fields.String(allow_none=True)
    name = fields.String()
    role = fields.String()
    volunteer_role = fields.String()
    status = fields.String(metadata={"enum": list(SIGNUP_STATUSES)})
    position = fields.Integer(allow_none=True)
    offer_expires_at = fields.DateTime(allow_none=True)
    code = fields.String()
    notice = fields.String()
    reminded_at = fields.DateTime(allow_none=True)
    checked_in_at = fields.DateTime(allow_none=True)
    checked_out_at = fields.DateTime(allow_none=True)
    hours = fields.Float(allow_none=True)
    score = fields.Integer(allow_none=True)
    comment = fields.String()
    created_at = fields.DateTime()


class CheckinOut(Schema):
    id = fields.String()
    activity_id = fields.String()
    signup_id = fields.String(allow_none=True)
    resident_id = fields.String(allow_none=True)
    name = fields.String()
    kind = fields.String()
    at = fields.DateTime()
    offline = fields.Boolean()
    recorded_by = fields.String(allow_none=True)
    duplicate = fields.Boolean()


activity_create = ActivityCreate()
activity_update = ActivityUpdate()
cancel_in = CancelIn()
signup_create = SignupCreate()
signup_action = SignupAction()
checkin_create = CheckinCreate()
activity_out = ActivityOut()
signup_out = SignupOut()
checkin_out = CheckinOut()
