"""Rules of patrol reports. Services flush, never commit: the caller (API,
sync push, command) commits once."""

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError

from backend.common import utcnow
from backend.errors import Invalid
from backend.extensions import db
from backend.fieldwork.patrols.models import PatrolReport
from backend.fieldwork.patrols.schemas import patrol_create
from backend.fieldwork.records import check_photos
from backend.org.models import Node
from backend.registry import policy as registry_policy


def validate_new(actor, record_id: str, data: dict, grids: dict | None = None) -> dict:
    try:
        clean = patrol_create.load(data)
    except ValidationError as exc:
        raise Invalid(exc.messages) from None
    grid = (grids or {}).get(clean["grid_id"]) or db.session.get(Node, clean["grid_id"])
    if grid is None or grid.kind != "grid" or not registry_policy.can_work_in_grid(actor, grid):
        raise Invalid({"grid_id": [_l("No such grid in your area.")]})
    if grids is not None:
        grids[grid.id] = grid
    return {
        "id": record_id, "grid_id": grid.id, "community_id": grid.parent_id, "author_id": actor.id,
        "category": clean["category"], "description": clean["description"], "photos": clean["photos"],
        "photo_times": clean.get("photo_times"),
        "location": clean["location"], "reported_at": clean["reported_at"], "created_at": utcnow(),
    }


def report(actor, record_id: str, data: dict) -> PatrolReport:
    row = validate_new(actor, record_id, data)
    check_photos(db.session, actor, row["photos"])
    record = PatrolReport(**row)
    db.session.add(record)
    db.session.flush()
    return record
