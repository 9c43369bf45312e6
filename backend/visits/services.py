"""Rules of visits: who may record one, and how a visit completes its task."""

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from sqlalchemy import select

from backend.auth import policy
from backend.common import utcnow
from backend.errors import Invalid, Refused
from backend.extensions import db
from backend.registry.models import Household
from backend.visits.models import Visit, VisitTask
from backend.visits.schemas import visit_create


def validate_new(actor, record_id: str, data: dict, households: dict | None = None) -> dict:
    """The row of a new visit, checked: fields, the household in the actor's
    reach, the task (if named) of that household. `households` caches look-ups
    for a batch."""
    try:
        clean = visit_create.load(data)
    except ValidationError as exc:
        raise Invalid(exc.messages) from None
    household = None
    if households is not None:
        household = households.get(clean["household_id"])
    if household is None:
        household = db.session.get(Household, clean["household_id"])
        if households is not None and household is not None:
            households[household.id] = household
    if household is None or not policy.can(actor, policy.READ, household):
        raise Invalid({"household_id": [_l("No such household in your area.")]})
    if not policy.can(actor, policy.CHANGE, household):
        raise Refused()
    if household.retired_at is not None:
        raise Invalid({"household_id": [_l("This household is retired.")]})
    return {
        "id": record_id, "household_id": household.id, "grid_id": household.grid_id,
        "community_id": household.community_id, "author_id": actor.id, "task_id": clean["task_id"],
        "visited_at": clean["visited_at"], "notes": clean["notes"], "findings": clean["findings"],
        "follow_up": clean["follow_up"], "photos": clean["photos"], "location": clean["location"],
        "created_at": utcnow(),
    }


def complete_tasks(rows: list[dict]) -> None:
    """Open tasks named by these visits (of the same household) are done."""
    named = {row["task_id"]: row for row in rows if row.get("task_id")}
    if not named:
        return
    tasks = db.session.scalars(select(VisitTask).where(VisitTask.id.in_(list(named)), VisitTask.status == "open"))
    for task in tasks:
        visit = named[task.id]
        if task.household_id == visit["household_id"]:
            task.status = "done"
            task.visit_id = visit["id"]
            task.completed_at = utcnow()


def record_visit(actor, record_id: str, data: dict, commit: bool = True) -> Visit:
    row = validate_new(actor, record_id, data)
    visit = Visit(**row)
    db.session.add(visit)
    complete_tasks([row])
    if commit:
        db.session.commit()
    else:
        db.session.flush()
    return visit
