"""Conflicts kept by field-level merges: listed per community for staff to
review, and settled by keeping either side's value of each field."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from backend.audit import services as audit
from backend.auth import policy
from backend.common import utcnow
from backend.errors import Invalid, Refused
from backend.extensions import db
from backend.org.models import Node
from backend.registry import policy as registry_policy
from backend.registry import services as registry
from backend.registry.models import CareTag, Household
from sync.collections import REGISTRY
from sync.models import Conflict

# Staff who review conflicts: the community office and those above it.
REVIEWERS = ("admin", "district_officer", "street_officer", "community_staff", "station_operator")


def visible_query(actor, status: str | None = "open", community_id: str | None = None):
    """Conflicts in the communities the actor's area covers."""
    communities = select(Node.id).where(Node.kind == "community", policy.area_condition(actor, Node.path))
    if actor.role not in REVIEWERS:
        communities = communities.where(Node.id.is_(None))
    query = select(Conflict).where(Conflict.space_id.in_(communities))
    if status:
        query = query.where(Conflict.status == status)
    if community_id:
        query = query.where(Conflict.space_id == community_id)
    return query.order_by(Conflict.created_at.desc())


def record_of(conflict: Conflict):
    collection = REGISTRY.get(conflict.collection)
    return db.session.get(collection.model, conflict.record_id) if collection else None


def shown_fields(actor, conflict: Conflict, record=None) -> dict:
    """The conflict's fields as the actor may see them (docs/PRIVACY.md, "Who sees
    what"): the values were copied from what the pushing worker saw, so staff
    notes are left out for those who may not read them and sensitive care tags
    for those who may not see them; a field whose visible sides are then equal
    is left out too (its difference lies in what is hidden)."""
    record = record if record is not None else record_of(conflict)
    household = record if isinstance(record, Household) else getattr(record, "household", None)
    collection = REGISTRY.get(conflict.collection)
    hidden = set()
    if collection is not None and not registry_policy.sees_staff_notes(actor, household):
        hidden.update(collection.staff_fields)
    sensitive_codes = set()
    if not registry_policy.sees_sensitive_tags(actor, household):
        sensitive_codes = set(db.session.scalars(select(CareTag.code).where(CareTag.sensitive.is_(True))))
    shown = {}
    for field, sides in (conflict.fields or {}).items():
        if field in hidden:
            continue
        if field == "care_tags" and sensitive_codes:
            sides = {**sides, **{side: [code for code in sides.get(side) or [] if code not in sensitive_codes]
                                 for side in ("server", "client")}}
            if sides["server"] == sides["client"]:
                continue
        shown[field] = sides
    return shown


def may_settle(actor, conflict: Conflict) -> bool:
    record = record_of(conflict)
    return conflict.status == "open" and record is not None and policy.can(actor, policy.CHANGE, record)


def settle(actor, conflict: Conflict, choices: dict[str, str]) -> Conflict:
    """`choices` maps each field to "server" or "client": the value to keep.
    Fields whose choice differs from the rule's winner are written back."""
    record = record_of(conflict)
    if record is None or not policy.can(actor, policy.READ, record):
        raise Refused()
    if not may_settle(actor, conflict):
        raise Invalid({"conflict": [_l("This conflict is settled already, or you may not change the record.")]})
    errors = {}
    changes = {}
    for field, sides in conflict.fields.items():
        choice = choices.get(field, sides.get("winner"))
        if choice not in ("server", "client"):
            errors[field] = [_l("Choose which value to keep.")]
            continue
        if field == "deleted":
            if choice == "client":
                changes["__retire__"] = True
            continue
        if choice != sides.get("winner"):
            changes[field] = sides[choice]
    if errors:
        raise Invalid(errors)
    retire = changes.pop("__retire__", False)
    if changes:
        if conflict.collection == "households":
            registry.update_household(actor, record, changes)
        else:
            registry.update_resident(actor, record, changes)
    if retire:
        retire_fn = registry.retire_household if conflict.collection == "households" else registry.retire_resident
        retire_fn(actor, record, str(_l("Deleted on a device; confirmed by staff")))
    conflict.status = "settled"
    conflict.settled_by_id = actor.id
    conflict.settled_at = utcnow()
    conflict.resolution = {field: choices.get(field, sides.get("winner")) for field, sides in conflict.fields.items()}
    audit.record(actor, "settle_conflict", "conflict", conflict.id, conflict.resolution)
    db.session.flush()
    return conflict
