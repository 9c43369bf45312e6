"""/api/v1/notices: a grid's notices, in the caller's scope."""

from flask import Blueprint, g

from backend.apiframe import json_body
from backend.auth.bearer import token_required
from backend.extensions import db
from tests.area_example import services
from tests.area_example.schemas import notice_out

bp = Blueprint("notices_api", __name__, url_prefix="/api/v1/notices")


@bp.get("")
@token_required
def list_notices():
    """Notices in your scope, newest first.
    ---
    get:
      tags: [notices]
      security: [{bearer: []}]
      responses:
        200:
          content:
            application/json:
              schema: {type: object, properties: {items: {type: array, items: NoticeOut}}}
    """
    return {"items": [notice_out.dump(n) for n in services.visible(db.session, g.user)]}


@bp.post("")
@token_required
def post_notice():
    """Pin a notice to a grid's board.
    ---
    post:
      tags: [notices]
      security: [{bearer: []}]
      requestBody: {content: {application/json: {schema: NoticeIn}}}
      responses:
        201: {content: {application/json: {schema: NoticeOut}}}
        422: {description: Validation failed}
    """
    notice = services.post(db.session, g.user, json_body())
    db.session.commit()
    return notice_out.dump(notice), 201
