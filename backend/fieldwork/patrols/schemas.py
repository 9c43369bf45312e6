from marshmallow import fields, validate

from backend.fieldwork.patrols.models import CATEGORIES
from backend.fieldwork.records import AwareDateTime, Location, Photos, PhotoTimes, Strict


class PatrolCreate(Strict):
    grid_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    description = fields.String(required=True, validate=validate.Length(min=1, max=5000))
    photos = Photos()
    photo_times = PhotoTimes()
    location = fields.Nested(Location, load_default=None, allow_none=True)
    reported_at = AwareDateTime(required=True, default_timezone=None)


patrol_create = PatrolCreate()
