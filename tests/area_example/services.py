"""The rules of notices: posted in a grid the author works in. Flushes; the caller commits."""

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from sqlalchemy import select

from backend.auth import policy
from backend.common import new_id, utcnow
from backend.errors import Invalid
from backend.extensions import db
from backend.org.models import Node
from backend.registry import policy as registry_policy
from tests.area_example.models import Notice
from tests.area_example.schemas import notice_in


def validate_new(actor, record_id: str, data: dict, grids: dict | None = None) -> dict:
    """The row of a new notice, checked (the sync push calls it for each create)."""
    try:
        clean = notice_in.load(data)
    except ValidationError as exc:
        raise Invalid(exc.messages) from None
    grid = (grids or {}).get(clean["grid_id"]) or db.session.get(Node, clean["grid_id"])
    if grid is None or grid.kind != "grid" or not registry_policy.can_work_in_grid(actor, grid):
        raise Invalid({"grid_id": [_l("No such grid in your area.")]})
    return {"id": record_id, "grid_id": grid.id, "community_id": grid.parent_id, "author_id": actor.id,
            "title": clean["title"], "body": clean["body"], "posted_at": utcnow()}


def post(session, actor, data: dict) -> Notice:
    notice = Notice(**validate_new(actor, new_id(), data))
    session.add(notice)
    session.flush()
    return notice


def visible(session, user) -> list[Notice]:
    notices = session.scalars(select(Notice).order_by(Notice.posted_at.desc())).all()
    return [notice for notice in notices if policy.can(user, policy.READ, notice)]
