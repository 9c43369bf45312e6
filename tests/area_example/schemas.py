"""Notices in and out (the OpenAPI document publishes both)."""

from marshmallow import Schema, fields, validate


class NoticeIn(Schema):
    grid_id = fields.String(required=True)
    title = fields.String(required=True, validate=validate.Length(min=1, max=120))
    body = fields.String(load_default="", validate=validate.Length(max=2000))


class NoticeOut(Schema):
    id = fields.String()
    grid_id = fields.String()
    author_id = fields.String()
    title = fields.String()
    body = fields.String()
    posted_at = fields.DateTime()


notice_in, notice_out = NoticeIn(), NoticeOut()
