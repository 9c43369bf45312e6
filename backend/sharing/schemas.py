"""Input and output schemas of sharing: a post's create and edit, an answer, each action,
a report, the catalogue and the banned words (the OpenAPI document publishes them)."""

from marshmallow import fields, validate

from backend.fieldwork.records import Photos
from backend.registry.models import CONSENT_BASES
from backend.schema import Strict
from backend.sharing.models import KINDS, POST_STATUSES, REACHES, RESPONSE_STATUSES

TITLE = validate.Length(min=1, max=80)
BODY = validate.Length(max=2000)
MESSAGE = validate.Length(max=1000)
ID = validate.Length(max=36)


class PostCreate(Strict):
    id = fields.UUID(load_default=None, allow_none=True)
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    category = fields.String(load_default=None, allow_none=True, validate=ID)
    title = fields.String(required=True, validate=TITLE)
    body = fields.String(load_default="", allow_none=True, validate=BODY)
    photos = Photos()
    availability = fields.String(load_default="", allow_none=True, validate=validate.Length(max=120))
    reach = fields.String(load_default="community", validate=validate.OneOf(REACHES))
    capacity = fields.Integer(load_default=1, strict=True, validate=validate.Range(1, 50))
    # Staff and grid workers: for a resident with no phone, with their consent.
    household_id = fields.String(load_default=None, allow_none=True, validate=ID)
    resident_id = fields.String(load_default=None, allow_none=True, validate=ID)
    on_behalf = fields.Boolean(load_default=False)
    consent = fields.Boolean(load_default=False)
    consent_basis = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(CONSENT_BASES))
    consent_given_by = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=50))


class PostUpdate(Strict):
    category = fields.String(allow_none=True, validate=ID)
    title = fields.String(validate=TITLE)
    body = fields.String(allow_none=True, validate=BODY)
    photos = Photos()
    availability = fields.String(allow_none=True, validate=validate.Length(max=120))
    reach = fields.String(validate=validate.OneOf(REACHES))
    capacity = fields.Integer(strict=True, validate=validate.Range(1, 50))


class ResponseCreate(Strict):
    id = fields.UUID(load_default=None, allow_none=True)
    post_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    message = fields.String(required=True, validate=validate.Length(min=1, max=1000))
    resident_id = fields.String(load_default=None, allow_none=True, validate=ID)
    on_behalf = fields.Boolean(load_default=False)
    consent = fields.Boolean(load_default=False)
    consent_given_by = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=50))


class ResponseAction(Strict):
    """The data of every action; which fields each one uses is in exchanges.ACTION_FIELDS."""

    message = fields.String(load_default="", allow_none=True, validate=MESSAGE)
    due_at = fields.AwareDateTime(load_default=None, allow_none=True, default_timezone=None)
    score = fields.Integer(load_default=None, allow_none=True, strict=True, validate=validate.Range(1, 5))
    comment = fields.String(load_default="", allow_none=True, validate=validate.Length(max=60))


class ReportCreate(Strict):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


class HideIn(Strict):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


class CategoryIn(Strict):
    community_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    name = fields.String(required=True, validate=validate.Length(min=1, max=60))
    sort_order = fields.Integer(load_default=0, strict=True, validate=validate.Range(0, 10000))


class BannedWordIn(Strict):
    word = fields.String(required=True, validate=validate.Length(min=1, max=40))


class ShareCategoryOut(Strict):
    id = fields.String()
    community_id = fields.String()
    name = fields.String()
    sort_order = fields.Integer()


class PostOut(Strict):
    id = fields.String()
    community_id = fields.String()
    grid_id = fields.String(allow_none=True)
    household_id = fields.String(allow_none=True)
    author_id = fields.String(allow_none=True)
    author_name = fields.String()
    on_behalf = fields.Boolean()
    kind = fields.String(metadata={"enum": list(KINDS)})
    category = fields.String(allow_none=True)
    title = fields.String()
    body = fields.String()
    photos = fields.List(fields.String())
    availability = fields.String()
    reach = fields.String(metadata={"enum": list(REACHES)})
    capacity = fields.Integer()
    taken = fields.Integer(metadata={"description": "places promised"})
    status = fields.String(metadata={"enum": list(POST_STATUSES)})
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    version = fields.Integer()


class PostStaffOut(PostOut):
    """What staff see beside: the moderation fields (never a resident)."""

    consent = fields.Boolean()
    consent_given_by = fields.String()
    hidden_reason = fields.String(allow_none=True)
    hidden_at = fields.DateTime(allow_none=True)
    open_reports = fields.Integer()


class ResponseOut(Strict):
    id = fields.String()
    post_id = fields.String()
    community_id = fields.String()
    responder_id = fields.String(allow_none=True)
    responder_name = fields.String()
    on_behalf = fields.Boolean()
    author_id = fields.String(allow_none=True)
    message = fields.String()
    status = fields.String(metadata={"enum": list(RESPONSE_STATUSES)})
    due_at = fields.DateTime(allow_none=True)
    overdue = fields.Boolean()
    reminded_at = fields.DateTime(allow_none=True)
    confirmed_by_author = fields.Boolean()
    confirmed_by_responder = fields.Boolean()
    author_score = fields.Integer(allow_none=True)
    author_comment = fields.String()
    responder_score = fields.Integer(allow_none=True)
    responder_comment = fields.String()
    created_at = fields.DateTime()
    accepted_at = fields.DateTime(allow_none=True)
    done_at = fields.DateTime(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    version = fields.Integer()


class ReportOut(Strict):
    id = fields.String()
    post_id = fields.String()
    status = fields.String()
    created_at = fields.DateTime()


post_create, post_update, response_create = PostCreate(), PostUpdate(), ResponseCreate()
response_action, report_create, hide_in = ResponseAction(), ReportCreate(), HideIn()
category_in, banned_word_in = CategoryIn(), BannedWordIn()
post_out, post_staff_out, response_out = PostOut(), PostStaffOut(), ResponseOut()
category_out, report_out = ShareCategoryOut(), ReportOut()
