"""Rules of visits: who may record one, and how a visit completes its task."""

import math

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from sqlalchemy import select

from backend.auth import policy
from backend.common import utcnow
from backend.errors import Invalid, Refused
from backend.extensions import db
from backend.fieldwork import MAX_PHOTOS, SHA256
from backend.registry.models import Household
from backend.visits.models import Visit, VisitTask
from backend.visits.schemas import visit_create

_FIELDS = frozenset(visit_create.fields)
_LOCATION_FIELDS = frozenset({"lat", "lng", "accuracy"})


def _number(value, low, high):
    """A Float field's value, or None when the schema should decide."""
    if type(value) not in (int, float) or not low <= value <= high or not math.isfinite(value):
        return None
    return float(value)


def _quick_load(data: dict) -> dict | None:
    """`visit_create.load(data)` for the plain, valid input a device sends, at
    a fraction of its cost; None at the first doubt, and the schema decides
    (and words the errors)."""
    if type(data) is not dict or not data.keys() <= _FIELDS:
        return None
    household_id = data.get("household_id")
    if type(household_id) is not str or not 1 <= len(household_id) <= 36 or "visited_at" not in data:
        return None
    notes = data.get("notes", "")
    if type(notes) is not str or len(notes) > 5000:
        return None
    findings = data.get("findings", [])
    if type(findings) is not list or len(findings) > 20 or \
            not all(type(f) is str and 1 <= len(f) <= 64 for f in findings):
        return None
    follow_up = data.get("follow_up", False)
    if type(follow_up) is not bool:
        return None
    photos = data.get("photos", [])
    if type(photos) is not list or not all(type(p) is str and SHA256.match(p) for p in photos):
        return None
    photos = list(dict.fromkeys(photos))
    if len(photos) > MAX_PHOTOS:
        return None
    location = data.get("location")
    if location is not None:
        if type(location) is not dict or not location.keys() <= _LOCATION_FIELDS:
            return None
        lat, lng = _number(location.get("lat"), -90, 90), _number(location.get("lng"), -180, 180)
        accuracy = location.get("accuracy")
        if accuracy is not None:
            accuracy = _number(accuracy, 0, 100000)
            if accuracy is None:
                return None
        if lat is None or lng is None:
            return None
        location = {"lat": lat, "lng": lng, "accuracy": accuracy}
    task_id = data.get("task_id")
    if task_id is not None and (type(task_id) is not str or len(task_id) > 36):
        return None
    try:
        visited_at = visit_create.fields["visited_at"].deserialize(data["visited_at"], "visited_at", data)
    except ValidationError:
        return None
    return {"household_id": household_id, "visited_at": visited_at, "notes": notes, "findings": list(findings),
            "follow_up": follow_up, "photos": photos, "location": location, "task_id": task_id}


def validate_new(actor, record_id: str, data: dict, households: dict | None = None) -> dict:
    """The row of a new visit, checked: fields, the household in the actor's
    reach, the task (if named) of that household. `households` caches look-ups
    (and the policy's answers) for a batch."""
    clean = _quick_load(data)
    if clean is None:
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
    if household is None:
        raise Invalid({"household_id": [_l("No such household in your area.")]})
    # The policy's answer depends on the actor and the household's grid: kept
    # for the batch under that key (a household moved in the batch is asked again).
    key = ("policy", actor.id, household.id, household.grid_id)
    decision = households.get(key) if households is not None else None
    if decision is None:
        readable = policy.can(actor, policy.READ, household)
        decision = (readable, readable and policy.can(actor, policy.CHANGE, household))
        if households is not None:
            households[key] = decision
    if not decision[0]:
        raise Invalid({"household_id": [_l("No such household in your area.")]})
    if not decision[1]:
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
