"""/api/v1/patrol-reports: problems found on patrol, in the caller's scope."""

from flask import Blueprint, g, request
from marshmallow import Schema, fields
from sqlalchemy import select

from backend.apiframe import json_body
from backend.auth import policy
from backend.auth.bearer import token_required
from backend.common import is_uuid, new_id
from backend.errors import ApiError
from backend.extensions import db
from backend.fieldwork.patrols import services
from backend.fieldwork.patrols.models import CATEGORIES, PatrolReport
from backend.pagination import page_args, page_meta
from backend.registry import policy as registry_policy

bp = Blueprint("patrols_api", __name__, url_prefix="/api/v1")


class PatrolReportOut(Schema):
    id = fields.String()
    grid_id = fields.String()
    author_id = fields.String()
    category = fields.String(metadata={"enum": list(CATEGORIES)})
    description = fields.String()
    photos = fields.List(fields.String())
    location = fields.Dict(allow_none=True)
    reported_at = fields.DateTime()
    created_at = fields.DateTime()


report_out = PatrolReportOut()


@bp.get("/patrol-reports")
@token_required
def list_reports():
    """Patrol reports in your scope, newest first.
    ---
    get:
      tags: [patrols]
      security: [{bearer: []}]
      parameters:
        - {in: query, name: grid_id, schema: {type: string}}
        - {in: query, name: category, schema: {type: string}}
        - page
        - per_page
      responses:
        200:
          content:
            application/json:
              schema: {type: object, properties: {items: {type: array, items: PatrolReportOut}}}
    """
    page, per_page = page_args()
    query = select(PatrolReport).where(registry_policy.grid_record_filter(g.user, PatrolReport))
    if request.args.get("grid_id"):
        query = query.where(PatrolReport.grid_id == request.args["grid_id"])
    category = request.args.get("category")
    if category:
        if category not in CATEGORIES:
            raise ApiError(400, "Bad Request", "Unknown category.", errors={"category": list(CATEGORIES)})
        query = query.where(PatrolReport.category == category)
    result = db.paginate(query.order_by(PatrolReport.reported_at.desc()), page=page, per_page=per_page,
                         error_out=False)
    return {"items": [report_out.dump(r) for r in result.items], **page_meta(result)}


@bp.get("/patrol-reports/<report_id>")
@token_required
def get_report(report_id):
    """One patrol report.
    ---
    get:
      tags: [patrols]
      security: [{bearer: []}]
      parameters: [{in: path, name: report_id, required: true, schema: {type: string}}]
      responses:
        200: {content: {application/json: {schema: PatrolReportOut}}}
        404: {description: Not in your scope}
    """
    report = db.session.get(PatrolReport, report_id)
    if report is None or not policy.can(g.user, policy.READ, report):
        raise ApiError(404, "Not Found", "No such report in your scope.")
    return report_out.dump(report)


@bp.post("/patrol-reports")
@token_required
def create_report():
    """Report a problem found on patrol (append-only).
    ---
    post:
      tags: [patrols]
      security: [{bearer: []}]
      requestBody:
        content:
          application/json:
            schema: PatrolCreate
      responses:
        201: {content: {application/json: {schema: PatrolReportOut}}}
        409: {description: The id is taken}
        422: {description: Validation failed}
    """
    data = json_body()
    record_id = data.pop("id", None) or new_id()
    if not is_uuid(record_id):
        raise ApiError(422, "Validation failed", "id must be a UUID.", errors={"id": ["A UUID is required."]})
    if db.session.get(PatrolReport, str(record_id)) is not None:
        raise ApiError(409, "Conflict", "A report with this id exists.", errors={"id": ["Already used."]})
    record = services.report(g.user, str(record_id), data)
    db.session.commit()
    return report_out.dump(record), 201
