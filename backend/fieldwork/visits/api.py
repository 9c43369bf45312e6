"""/api/v1/visits and /api/v1/visit-tasks: field records in the caller's scope.
Devices record visits through the sync push; this API serves other clients."""

from datetime import datetime

from flask import Blueprint, g, request
from marshmallow import Schema, fields
from sqlalchemy import select

from backend.apiframe import json_body
from backend.auth import policy
from backend.auth.bearer import token_required
from backend.common import is_uuid, new_id
from backend.errors import ApiError
from backend.extensions import db
from backend.fieldwork.visits import services
from backend.fieldwork.visits.models import Visit, VisitTask
from backend.pagination import page_args, page_meta
from backend.registry import policy as registry_policy

bp = Blueprint("visits_api", __name__, url_prefix="/api/v1")


class VisitOut(Schema):
    id = fields.String()
    household_id = fields.String()
    grid_id = fields.String()
    author_id = fields.String()
    task_id = fields.String(allow_none=True)
    visited_at = fields.DateTime()
    notes = fields.String(metadata={
        "description": "Staff notes: present only for the community's staff and the grid's workers."})
    findings = fields.List(fields.String())
    follow_up = fields.Boolean()
    photos = fields.List(fields.String())
    location = fields.Dict(allow_none=True)
    created_at = fields.DateTime()


def dump_visit(visit: Visit) -> dict:
    """A visit as the caller may read it: its notes are staff notes (docs/PRIVACY.md)."""
    data = visit_out.dump(visit)
    if not registry_policy.sees_staff_notes(g.user):
        data.pop("notes", None)
    return data


class VisitTaskOut(Schema):
    id = fields.String()
    household_id = fields.String()
    grid_id = fields.String()
    assignee_id = fields.String(allow_none=True)
    due_date = fields.Date()
    status = fields.String()
    reason = fields.String()
    visit_id = fields.String(allow_none=True)
    completed_at = fields.DateTime(allow_none=True)


visit_out = VisitOut()
task_out = VisitTaskOut()


def _readable(model, record_id):
    record = db.session.get(model, record_id)
    if record is None or not policy.can(g.user, policy.READ, record):
        raise ApiError(404, "Not Found", "No such record in your scope.")
    return record


def _filtered(model, query):
    for name in ("household_id", "grid_id"):
        value = request.args.get(name)
        if value:
            query = query.where(getattr(model, name) == value)
    return query


@bp.get("/visits")
@token_required
def list_visits():
    """Visits in your scope, newest first.
    ---
    get:
      tags: [visits]
      security: [{bearer: []}]
      parameters:
        - {in: query, name: household_id, schema: {type: string}}
        - {in: query, name: grid_id, schema: {type: string}}
        - {in: query, name: since, schema: {type: string, format: date-time}, description: visited at or after}
        - page
        - per_page
      responses:
        200:
          content:
            application/json:
              schema: {type: object, properties: {items: {type: array, items: VisitOut}, total: {type: integer}}}
    """
    page, per_page = page_args()
    query = _filtered(Visit, select(Visit).where(registry_policy.grid_record_filter(g.user, Visit)))
    since = request.args.get("since")
    if since:
        try:
            moment = datetime.fromisoformat(since.replace("Z", "+00:00"))
        except ValueError:
            raise ApiError(400, "Bad Request", "since is an ISO 8601 time.", errors={"since": ["Not a time."]}) \
                from None
        if moment.tzinfo is not None:
            from datetime import UTC

            try:
                moment = moment.astimezone(UTC).replace(tzinfo=None)
            except OverflowError:
                raise ApiError(400, "Bad Request", "since is out of range.", errors={"since": ["Out of range."]}) \
                    from None
        query = query.where(Visit.visited_at >= moment)
    result = db.paginate(query.order_by(Visit.visited_at.desc()), page=page, per_page=per_page, error_out=False)
    return {"items": [dump_visit(v) for v in result.items], **page_meta(result)}


@bp.get("/visits/<visit_id>")
@token_required
def get_visit(visit_id):
    """One visit.
    ---
    get:
      tags: [visits]
      security: [{bearer: []}]
      parameters: [{in: path, name: visit_id, required: true, schema: {type: string}}]
      responses:
        200: {content: {application/json: {schema: VisitOut}}}
        404: {description: Not in your scope}
    """
    return dump_visit(_readable(Visit, visit_id))


@bp.post("/visits")
@token_required
def create_visit():
    """Record a visit (append-only; a correction is a new visit).
    ---
    post:
      tags: [visits]
      security: [{bearer: []}]
      requestBody:
        content:
          application/json:
            schema: VisitCreate
      responses:
        201: {content: {application/json: {schema: VisitOut}}}
        403: {description: Your role may not record visits here}
        409: {description: The id is taken}
        422: {description: Validation failed}
    """
    data = json_body()
    record_id = data.pop("id", None) or new_id()
    if not is_uuid(record_id):
        raise ApiError(422, "Validation failed", "id must be a UUID.", errors={"id": ["A UUID is required."]})
    if db.session.get(Visit, str(record_id)) is not None:
        raise ApiError(409, "Conflict", "A visit with this id exists.", errors={"id": ["Already used."]})
    visit = services.record_visit(g.user, str(record_id), data)
    db.session.commit()
    return dump_visit(visit), 201


@bp.get("/visit-tasks")
@token_required
def list_tasks():
    """Visit tasks in your scope, soonest due first.
    ---
    get:
      tags: [visits]
      security: [{bearer: []}]
      parameters:
        - {in: query, name: status, schema: {type: string, enum: [open, done, cancelled]}}
        - {in: query, name: household_id, schema: {type: string}}
        - {in: query, name: grid_id, schema: {type: string}}
        - page
        - per_page
      responses:
        200:
          content:
            application/json:
              schema: {type: object, properties: {items: {type: array, items: VisitTaskOut}, total: {type: integer}}}
    """
    page, per_page = page_args()
    query = _filtered(VisitTask, select(VisitTask).where(registry_policy.grid_record_filter(g.user, VisitTask)))
    status = request.args.get("status")
    if status:
        if status not in ("open", "done", "cancelled"):
            raise ApiError(400, "Bad Request", "Unknown status.", errors={"status": ["open, done or cancelled."]})
        query = query.where(VisitTask.status == status)
    result = db.paginate(query.order_by(VisitTask.due_date, VisitTask.id), page=page, per_page=per_page,
                         error_out=False)
    return {"items": [task_out.dump(t) for t in result.items], **page_meta(result)}


@bp.get("/visit-tasks/<task_id>")
@token_required
def get_task(task_id):
    """One visit task.
    ---
    get:
      tags: [visits]
      security: [{bearer: []}]
      parameters: [{in: path, name: task_id, required: true, schema: {type: string}}]
      responses:
        200: {content: {application/json: {schema: VisitTaskOut}}}
        404: {description: Not in your scope}
    """
    return task_out.dump(_readable(VisitTask, task_id))
