"""Input schemas of requests: what a create and each action accept."""

from marshmallow import fields, validate

from backend.fieldwork.records import Location, Photos, PhotoTimes
from backend.registry.models import CONSENT_BASES
from backend.requests.models import CHANNELS
from backend.schema import Strict


class RequestCreate(Strict):
    id = fields.UUID(load_default=None, allow_none=True)
    category = fields.String(required=True, validate=validate.Length(min=1, max=32))
    description = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    photos = Photos()
    photo_times = PhotoTimes()
    location = fields.Nested(Location, load_default=None, allow_none=True)
    address = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    household_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=36))
    resident_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=36))
    grid_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=36))
    on_behalf = fields.Boolean(load_default=False)
    consent = fields.Boolean(load_default=False)
    # How the resident agreed to a request raised on their behalf (recorded as a consent record,
    # backend/registry/consent.py); a client that does not send it records "verbal".
    consent_basis = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(CONSENT_BASES))
    consent_given_by = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=50))
    consent_detail = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    requester_name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=50))
    requester_phone = fields.String(load_default=None, allow_none=True,
                                    validate=validate.Regexp(r"^\+?[0-9 -]{5,20}$", error="Not a phone number."))
    channel = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(CHANNELS))


MESSAGE = validate.Length(max=2000)


class RequestAction(Strict):
    """The data of every action; which fields each one uses is in services.ACTION_FIELDS."""

    message = fields.String(load_default="", allow_none=True, validate=MESSAGE)
    assignee_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=36))
    department_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=36))
    duplicate_of_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=36))
    grid_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=36))
    photos = Photos()
    score = fields.Integer(load_default=None, allow_none=True, strict=True, validate=validate.Range(1, 5))
    comment = fields.String(load_default="", allow_none=True, validate=validate.Length(max=1000))


class RatingCreate(Strict):
    id = fields.UUID(load_default=None, allow_none=True)
    target_type = fields.String(required=True, validate=validate.OneOf(("request",)))
    target_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    score = fields.Integer(required=True, strict=True, validate=validate.Range(1, 5))
    comment = fields.String(load_default="", allow_none=True, validate=validate.Length(max=1000))


request_create = RequestCreate()
request_action = RequestAction()
rating_create = RatingCreate()
