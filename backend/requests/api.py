"""/api/v1/requests, /api/v1/request-categories, /api/v1/ratings: requests answered fast.
Devices raise and move requests through the sync push (collection `requests`, op
"action"); this API serves other clients and the same rules apply."""

from flask import Blueprint, g, request
from marshmallow import Schema, fields
from sqlalchemy import select

from backend.apiframe import json_body
from backend.auth import policy
from backend.auth.bearer import token_required
from backend.errors import ApiError
from backend.extensions import db
from backend.pagination import page_args, page_meta
from backend.ratings import services as ratings
from backend.ratings.models import Rating
from backend.registry import sensitive
from backend.requests import policy as request_policy
from backend.requests import services
from backend.requests.models import STATUSES, Request

bp = Blueprint("requests_api", __name__, url_prefix="/api/v1")


class RequestCategoryOut(Schema):
    code = fields.String()
    name = fields.Function(lambda c: services.category_label(c), metadata={"description": "translated"})
    description = fields.String()
    accept_hours = fields.Integer()
    resolve_days = fields.Integer(metadata={
        "description": "working days of the working calendar (Monday to Friday, less public holidays, plus "
                       "make-up working days)"})


class RequestOut(Schema):
    id = fields.String()
    community_id = fields.String()
    grid_id = fields.String(allow_none=True)
    household_id = fields.String(allow_none=True)
    category = fields.String()
    description = fields.String()
    photos = fields.List(fields.String())
    photo_times = fields.Dict(allow_none=True)
    location = fields.Dict(allow_none=True)
    address = fields.String(allow_none=True)
    status = fields.String(metadata={"enum": list(STATUSES)})
    level = fields.String(metadata={"enum": ["community", "street", "district"]})
    holder_node_id = fields.String()
    assignee_id = fields.String(allow_none=True)
    department_id = fields.String(allow_none=True)
    requester_id = fields.String(allow_none=True)
    on_behalf = fields.Boolean()
    resident_id = fields.String(allow_none=True)
    consent = fields.Boolean()
    requester_name = fields.String()
    requester_phone = fields.Function(lambda r: sensitive.mask(sensitive.decrypt(r.requester_phone_enc)) or None,
                                      metadata={"description": "masked"})
    channel = fields.String()
    duplicate_of_id = fields.String(allow_none=True)
    accept_due_at = fields.DateTime(allow_none=True)
    resolve_due_at = fields.DateTime(allow_none=True)
    overdue = fields.Boolean(metadata={"description": "missed a time limit (stays set)"})
    overdue_stage = fields.String(allow_none=True, metadata={"enum": ["accept", "resolve", None]})
    escalations = fields.Integer()
    created_at = fields.DateTime()
    accepted_at = fields.DateTime(allow_none=True)
    resolved_at = fields.DateTime(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    updated_at = fields.DateTime()
    version = fields.Integer()


class RequestEventOut(Schema):
    id = fields.String()
    request_id = fields.String()
    kind = fields.String()
    message = fields.String()
    actor_id = fields.String(allow_none=True)
    actor_name = fields.String()
    public = fields.Boolean()
    data = fields.Dict()
    photos = fields.List(fields.String())
    created_at = fields.DateTime()


class RequestDetailOut(RequestOut):
    timeline = fields.List(fields.Nested(RequestEventOut))
    actions = fields.List(fields.String(), metadata={"description": "what you may do now"})


class ActionResultOut(Schema):
    request = fields.Nested(RequestOut)
    event = fields.Nested(RequestEventOut)


class RatingOut(Schema):
    id = fields.String()
    target_type = fields.String()
    target_id = fields.String()
    rater_id = fields.String()
    score = fields.Integer()
    comment = fields.String()
    created_at = fields.DateTime()


request_out, event_out, detail_out, rating_out = RequestOut(), RequestEventOut(), RequestDetailOut(), RatingOut()


def _readable(request_id) -> Request:
    record = db.session.get(Request, request_id)
    if record is None or not policy.can(g.user, policy.READ, record):
        raise ApiError(404, "Not Found", "No such request in your scope.")
    return record


def _detail(record):
    out = request_out.dump(record)
    out["timeline"] = [event_out.dump(e) for e in services.timeline(db.session, g.user, record)]
    out["actions"] = services.ACTIONS_FOR(g.user, record)
    return out


@bp.get("/request-categories")
@token_required
def list_categories():
    """What requests may be about, with their default time limits.
    ---
    get:
      tags: [requests]
      security: [{bearer: []}]
      responses:
        200:
          content:
            application/json:
              schema: {type: object, properties: {items: {type: array, items: RequestCategoryOut}}}
    """
    return {"items": [RequestCategoryOut().dump(c) for c in services.categories(db.session)]}


@bp.get("/requests")
@token_required
def list_requests():
    """Requests in your scope, newest first.
    ---
    get:
      tags: [requests]
      security: [{bearer: []}]
      parameters:
        - {in: query, name: status, schema: {type: string}, description: "a status, or 'open'"}
        - {in: query, name: category, schema: {type: string}}
        - {in: query, name: grid_id, schema: {type: string}}
        - {in: query, name: overdue, schema: {type: boolean}, description: "true: missed a time limit"}
        - page
        - per_page
      responses:
        200:
          content:
            application/json:
              schema: {type: object, properties: {items: {type: array, items: RequestOut}, total: {type: integer}}}
        400: {description: A filter is not valid}
    """
    page, per_page = page_args()
    query = services.visible_requests(db.session, g.user)
    status = request.args.get("status")
    if status:
        if status == "open":
            query = query.where(Request.status.in_(services.OPEN_STATES))
        elif status in STATUSES:
            query = query.where(Request.status == status)
        else:
            raise ApiError(400, "Bad Request", "Unknown status.",
                           errors={"status": ["One of: open, " + ", ".join(STATUSES) + "."]})
    for name, column in (("category", Request.category), ("grid_id", Request.grid_id)):
        if request.args.get(name):
            query = query.where(column == request.args[name])
    overdue = request.args.get("overdue")
    if overdue:
        if overdue not in ("true", "false"):
            raise ApiError(400, "Bad Request", "overdue is true or false.", errors={"overdue": ["true or false."]})
        query = query.where(Request.overdue.is_(overdue == "true"))
    result = db.paginate(query.order_by(Request.created_at.desc(), Request.id), page=page, per_page=per_page,
                         error_out=False)
    return {"items": [request_out.dump(r) for r in result.items], **page_meta(result)}


@bp.post("/requests")
@token_required
def create_request():
    """Raise a request: a resident for their household; staff and workers on behalf of a
    resident (on_behalf=true, consent=true, resident_id or household_id).
    ---
    post:
      tags: [requests]
      security: [{bearer: []}]
      requestBody: {content: {application/json: {schema: RequestCreate}}}
      responses:
        201: {content: {application/json: {schema: RequestDetailOut}}}
        403: {description: Your role may not raise requests}
        409: {description: The id is taken}
        422: {description: Validation failed; errors names the fields}
    """
    record = services.create_request(db.session, g.user, json_body())
    db.session.commit()
    return _detail(record), 201


@bp.get("/requests/<request_id>")
@token_required
def get_request(request_id):
    """One request with its timeline (residents see public steps only) and the actions you may take.
    ---
    get:
      tags: [requests]
      security: [{bearer: []}]
      parameters: [{in: path, name: request_id, required: true, schema: {type: string}}]
      responses:
        200: {content: {application/json: {schema: RequestDetailOut}}}
        404: {description: Not in your scope}
    """
    return _detail(_readable(request_id))


@bp.post("/requests/<request_id>/actions/<action>")
@token_required
def act(request_id, action):
    """Move a request: accept, dispatch, start, reply, note, return, escalate, respond, resolve,
    rate, reopen, merge, withdraw, place (a request of no household, in a grid of its community:
    `grid_id`). 409 "Not allowed in this state" names the current status.
    ---
    post:
      tags: [requests]
      security: [{bearer: []}]
      parameters:
        - {in: path, name: request_id, required: true, schema: {type: string}}
        - {in: path, name: action, required: true, schema: {type: string, enum: [accept, dispatch, start, reply,
           note, return, escalate, respond, resolve, rate, reopen, merge, withdraw, place]}}
      requestBody: {content: {application/json: {schema: RequestAction}}}
      responses:
        200: {content: {application/json: {schema: ActionResultOut}}}
        403: {description: Your role or place may not do this}
        404: {description: "Not in your scope, or no such action"}
        409: {description: Not allowed in this state}
        422: {description: Validation failed; errors names the fields}
    """
    if action not in services.ACTIONS:
        raise ApiError(404, "Not Found", "No such action.", errors={"action": ["One of: " + ", ".join(services.ACTIONS)
                                                                               + "."]})
    record = _readable(request_id)
    data = json_body() if request.content_length or request.mimetype else {}
    event = services.transition(db.session, g.user, record, action, data)
    db.session.commit()
    return {"request": request_out.dump(record), "event": event_out.dump(event)}


@bp.get("/ratings")
@token_required
def list_ratings():
    """Ratings in your scope (a resident: their household's), newest first.
    ---
    get:
      tags: [requests]
      security: [{bearer: []}]
      parameters:
        - {in: query, name: target_id, schema: {type: string}}
        - page
        - per_page
      responses:
        200:
          content:
            application/json:
              schema: {type: object, properties: {items: {type: array, items: RatingOut}, total: {type: integer}}}
    """
    page, per_page = page_args()
    visible = select(Request.id).where(request_policy.request_filter(g.user))
    query = select(Rating).where(Rating.target_type == "request", Rating.target_id.in_(visible))
    if request.args.get("target_id"):
        query = query.where(Rating.target_id == request.args["target_id"])
    result = db.paginate(query.order_by(Rating.created_at.desc(), Rating.id), page=page, per_page=per_page,
                         error_out=False)
    return {"items": [rating_out.dump(r) for r in result.items], **page_meta(result)}


@bp.post("/ratings")
@token_required
def create_rating():
    """Rate a resolved request (1-5): it closes. A request reopened meanwhile is refused (409) with the reason;
    a second rating by the same person is 409.
    ---
    post:
      tags: [requests]
      security: [{bearer: []}]
      requestBody: {content: {application/json: {schema: RatingCreate}}}
      responses:
        201: {content: {application/json: {schema: RatingOut}}}
        403: {description: Only the resident the request is for rates it}
        409: {description: "Not resolved (any more), or rated already"}
        422: {description: Validation failed; errors names the fields}
    """
    from backend.apiframe import load
    from backend.requests.schemas import rating_create

    data = load(rating_create)
    rating = ratings.rate(db.session, g.user, data["target_type"], data["target_id"], data["score"],
                          data.get("comment"), rating_id=str(data["id"]) if data.get("id") else None)
    db.session.commit()
    return rating_out.dump(rating), 201



