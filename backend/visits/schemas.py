from marshmallow import fields, validate

from backend.fieldwork import AwareDateTime, Location, Photos, PhotoTimes, Strict


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
