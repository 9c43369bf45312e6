"""Rules of the household and care registry. Services flush, never commit: the
caller (page, API, sync push, command) commits once."""

import re
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from backend import clock
from backend.audit import services as audit
from backend.auth import policy
from backend.common import new_id, utcnow
from backend.errors import Invalid, Refused
from backend.extensions import db
from backend.org.models import Node
from backend.org.placement import services as placement
from backend.registry import consent as consents
from backend.registry import policy as registry_policy
from backend.registry import sensitive
from backend.registry.models import CareTag, Household, Resident

ID_NUMBER = re.compile(r"^\d{17}[\dX]$")
PHONE = re.compile(r"^\+?[\d\- ]{5,20}$")
GENDERS = ("M", "F")
TAG_CODE = re.compile(r"^[a-z][a-z0-9_]{1,31}$")


def occupants(session, node: Node) -> dict:
    """The live households and residents placed on a node or anywhere under it (the tree
    page's counts; org refuses to retire a node holding any: Area.occupants)."""
    under = select(Node.id).where(Node.path.startswith(node.path, autoescape=True))
    live = Household.retired_at.is_(None) & (Household.grid_id.in_(under) | Household.building_id.in_(under))
    households = session.scalar(select(func.count()).select_from(Household).where(live))
    residents = session.scalar(select(func.count()).select_from(Resident).join(Household)
                               .where(live, Resident.retired_at.is_(None)))
    return {"households": households or 0, "residents": residents or 0}


def all_tags() -> list[CareTag]:
    return list(db.session.scalars(select(CareTag).order_by(CareTag.builtin.desc(), CareTag.code)))


def visible_tags(actor, tags, household=None) -> list[CareTag]:
    if registry_policy.sees_sensitive_tags(actor, household):
        return list(tags)
    return [tag for tag in tags if not tag.sensitive]


def create_tag(actor, *, code: str, name_zh_hans: str, name_zh_hant: str = "", name_en: str = "",
               sensitive_tag: bool = False) -> CareTag:
    if actor.role not in ("admin", "community_staff", "district_officer", "street_officer"):
        raise Refused()
    errors: dict[str, list] = {}
    code = (code or "").strip().lower()
    if not TAG_CODE.match(code):
        errors["code"] = [_l("Lower-case letters, digits and '_', 2 to 32, starting with a letter.")]
    elif db.session.get(CareTag, code) is not None:
        errors["code"] = [_l("This code exists already.")]
    if not (name_zh_hans or "").strip():
        errors["name_zh_hans"] = [_l("Required.")]
    if errors:
        raise Invalid(errors)
    name = name_zh_hans.strip()[:50]
    tag = CareTag(code=code, name_zh_hans=name, name_zh_hant=(name_zh_hant or "").strip()[:50] or name,
                  name_en=(name_en or "").strip()[:80] or name, sensitive=bool(sensitive_tag), builtin=False)
    db.session.add(tag)
    audit.record(actor, "create", "care_tag", code)
    db.session.flush()
    return tag


def _tags(codes, errors, field="care_tags") -> list[CareTag]:
    codes = list(dict.fromkeys(codes or []))
    found = {t.code: t for t in db.session.scalars(select(CareTag).where(CareTag.code.in_(codes)))} if codes else {}
    missing = [c for c in codes if c not in found]
    if missing:
        errors[field] = [_l("Unknown care tag: %(codes)s", codes=", ".join(map(str, missing)))]
    return [found[c] for c in codes if c in found]


def _given_consent(data, errors):
    """The consent sent with a write (for a sensitive tag it sets), checked into `errors`."""
    try:
        return consents.clean(data.get("consent"))
    except Invalid as exc:
        errors.update(exc.errors)
        return None


def _keep_hidden_tags(actor, current, chosen, household):
    """Tags the actor cannot see are kept as they are, never dropped by an edit."""
    if registry_policy.sees_sensitive_tags(actor, household):
        return chosen
    hidden = [t for t in current if t.sensitive]
    return [t for t in chosen if not t.sensitive] + hidden


# --- households ----------------------------------------------------------------

def _household_fields(data, errors, partial, household=None):
    clean = {}
    for field, limit, required in (("address", 200, True), ("head_name", 50, True), ("notes", 2000, False)):
        if field not in data and partial:
            continue
        value = (data.get(field) or "").strip()
        if required and not value:
            errors[field] = [_l("Required.")]
        elif len(value) > limit:
            errors[field] = [_l("At most %(n)s characters.", n=limit)]
        clean[field] = value or None
    if "phone" in data:
        phone = (data.get("phone") or "").strip()
        if phone and not PHONE.match(phone):
            errors["phone"] = [_l("Not a phone number.")]
        clean["phone"] = phone or None
    return clean


def _place(actor, grid_id, building_id, errors):
    grid = db.session.get(Node, grid_id) if grid_id else None
    if grid is None or grid.kind != "grid":
        errors["grid_id"] = [_l("Choose a grid.")]
        return None, None, None
    if grid.retired_at is not None:
        errors["grid_id"] = [_l("The grid is retired.")]
    elif actor is not None and not registry_policy.can_place_household(actor, grid):
        errors["grid_id"] = [_l("This grid is outside your area.")]
    building = None
    if building_id:
        building = db.session.get(Node, building_id)
        if building is None or building.kind != "building" or building.parent_id != grid.id:
            errors["building_id"] = [_l("Choose a building of this grid.")]
            building = None
    return grid, building, grid.parent_id  # a grid's parent is its community


def create_household(actor, data: dict) -> Household:
    errors: dict[str, list] = {}
    clean = _household_fields(data, errors, partial=False)
    placed = _place(actor, data.get("grid_id"), data.get("building_id"), errors)
    tags = _tags(data.get("care_tags"), errors)
    given = _given_consent(data, errors)
    if errors:
        raise Invalid(errors)
    grid, building, community_id = placed
    household = Household(id=data.get("id") or new_id(), grid_id=grid.id,
                          building_id=building.id if building else None, community_id=community_id,
                          address=clean["address"], head_name=clean["head_name"], notes=clean.get("notes"),
                          phone_enc=sensitive.encrypt(clean.get("phone")), member_count=0)
    if not registry_policy.sees_sensitive_tags(actor):
        tags = [t for t in tags if not t.sensitive]
    needed = consents.tags_needing_consent(household, [], tags, given, new=True)
    household.care_tags = tags
    db.session.add(household)
    db.session.flush()
    consents.record_for_tags(actor, household, needed, given)
    audit.record(actor, "create", "household", household.id)
    return household


def _without_staff_notes(actor, data: dict, household: Household) -> dict:
    """Staff notes are written only by those who read them (registry policy
    `sees_staff_notes`): anyone else's `notes` is ignored, never stored or cleared."""
    if "notes" in data and not registry_policy.sees_staff_notes(actor, household):
        return {key: value for key, value in data.items() if key != "notes"}
    return data


def update_household(actor, household: Household, data: dict) -> Household:
    if not policy.can(actor, policy.CHANGE, household):
        raise Refused()
    data = _without_staff_notes(actor, data, household)
    errors: dict[str, list] = {}
    clean = _household_fields(data, errors, partial=True, household=household)
    tags = _tags(data["care_tags"], errors) if "care_tags" in data else None
    given = _given_consent(data, errors)
    if errors:
        raise Invalid(errors)
    changed = []
    for field in ("address", "head_name", "notes"):
        if field in clean and getattr(household, field) != clean[field]:
            setattr(household, field, clean[field])
            changed.append(field)
    if "phone" in clean:
        household.phone_enc = sensitive.encrypt(clean["phone"])
        changed.append("phone")
    if tags is not None:
        new = _keep_hidden_tags(actor, household.care_tags, tags, household)
        if {t.code for t in new} != {t.code for t in household.care_tags}:
            consents.record_for_tags(actor, household, consents.tags_needing_consent(
                household, household.care_tags, new, given), given)
            household.care_tags = new
            changed.append("care_tags")
    if changed:
        household.updated_at = utcnow()
        audit.record(actor, "update", "household", household.id, {"fields": changed})
    db.session.flush()
    return household


def move_household(actor, household: Household, grid_id: str, building_id: str | None = None) -> Household:
    if not policy.can(actor, policy.CHANGE, household):
        raise Refused()
    errors: dict[str, list] = {}
    placed = _place(actor, grid_id, building_id, errors)
    if errors:
        raise Invalid(errors)
    grid, building, _community_id = placed
    before = household.grid_id
    household.updated_at = utcnow()
    # Its people, visits, tasks and requests (with their steps and ratings) follow it.
    placement.move(db.session, household, grid_id=grid.id, building_id=building.id if building else None)
    audit.record(actor, "move", "household", household.id, {"from": before, "to": grid.id})
    db.session.flush()
    return household


def retire_household(actor, household: Household, reason: str) -> Household:
    if not policy.can(actor, policy.RETIRE, household):
        raise Refused()
    if not (reason or "").strip():
        raise Invalid({"reason": [_l("Say why (moved away, merged, …).")]})
    household.retired_at = utcnow()
    household.retire_reason = reason.strip()[:200]
    audit.record(actor, "retire", "household", household.id, {"reason": household.retire_reason})
    db.session.flush()
    return household


def restore_household(actor, household: Household) -> Household:
    if not policy.can(actor, policy.RETIRE, household):
        raise Refused()
    household.retired_at = None
    household.retire_reason = None
    audit.record(actor, "restore", "household", household.id)
    db.session.flush()
    return household


def search_households(actor, *, q: str = "", grid_id: str | None = None, under: Node | None = None,
                      tag: str | None = None, include_retired: bool = False, page: int = 1, per_page: int = 25):
    query = select(Household).where(registry_policy.household_filter(actor))
    if grid_id:
        query = query.where(Household.grid_id == grid_id)
    if under is not None:
        grids = select(Node.id).where(Node.kind == "grid", Node.path.startswith(under.path, autoescape=True))
        query = query.where(Household.grid_id.in_(grids))
    if tag and not registry_policy.sees_sensitive_tags(actor):
        # Filtering by a tag one may not see would tell who carries it.
        hidden = db.session.get(CareTag, tag)
        if hidden is not None and hidden.sensitive:
            tag = None
    if tag:
        from backend.registry.models import household_care_tags, resident_care_tags

        query = query.where(
            Household.id.in_(select(household_care_tags.c.household_id).where(household_care_tags.c.tag_code == tag))
            | Household.id.in_(select(Resident.household_id).join(resident_care_tags).where(
                resident_care_tags.c.tag_code == tag, Resident.retired_at.is_(None)))
        )
    if q:
        like = f"%{q.strip()}%"
        query = query.where(
            Household.address.ilike(like) | Household.head_name.ilike(like)
            | Household.id.in_(select(Resident.household_id).where(Resident.name.ilike(like)))
        )
    if not include_retired:
        query = query.where(Household.retired_at.is_(None))
    return db.paginate(query.order_by(Household.address), page=page, per_page=per_page, error_out=False)


# --- residents -------------------------------------------------------------------

# Each check takes the submitted value and gives (the clean value, an error message or None).

def _resident_name(value):
    name = (value or "").strip()
    if not name:
        return name, _l("Required.")
    if len(name) > 50:
        return name, _l("At most %(n)s characters.", n=50)
    return name, None


def _resident_gender(value):
    gender = value or None
    if gender not in (None, *GENDERS):
        return gender, _l("Choose male or female.")
    return gender, None


def _resident_birth_date(value):
    if isinstance(value, str) and value:
        try:
            value = date.fromisoformat(value)
        except ValueError:
            return None, _l("Not a date (YYYY-MM-DD).")
    if isinstance(value, date) and value > clock.today():
        return value, _l("The birth date is in the future.")
    return value or None, None


def _resident_text(limit):
    def check(value):
        text = (value or "").strip()
        if len(text) > limit:
            return text or None, _l("At most %(n)s characters.", n=limit)
        return text or None, None
    return check


def _resident_id_number(value):
    number = (value or "").strip().upper()
    if number and not ID_NUMBER.match(number):
        return number, _l("An ID card number has 18 characters: 17 digits and a digit or X.")
    return number or None, None


def _resident_phone(value):
    phone = (value or "").strip()
    if phone and not PHONE.match(phone):
        return phone, _l("Not a phone number.")
    return phone or None, None


# field -> (its check, whether a new resident needs it even when it is not sent), in the order errors list them.
RESIDENT_CHECKS = {
    "name": (_resident_name, True),
    "gender": (_resident_gender, False),
    "birth_date": (_resident_birth_date, False),
    "relation": (_resident_text(20), False),
    "notes": (_resident_text(2000), False),
    "id_number": (_resident_id_number, False),
    "phone": (_resident_phone, False),
}


def _resident_fields(data, errors, partial):
    clean = {}
    for field, (check, required) in RESIDENT_CHECKS.items():
        if field in data or (required and not partial):
            clean[field], error = check(data.get(field))
            if error is not None:
                errors[field] = [error]
    return clean


def _apply_resident(resident, clean):
    for field in ("name", "gender", "birth_date", "relation", "notes"):
        if field in clean:
            setattr(resident, field, clean[field])
    if "id_number" in clean:
        resident.id_number_enc = sensitive.encrypt(clean["id_number"])
        resident.id_number_hash = sensitive.blind_index(clean["id_number"])
    if "phone" in clean:
        resident.phone_enc = sensitive.encrypt(clean["phone"])


def _recount(household: Household) -> None:
    db.session.flush()
    household.member_count = db.session.scalar(
        select(func.count()).select_from(Resident).where(Resident.household_id == household.id,
                                                          Resident.retired_at.is_(None))
    )


def create_resident(actor, household: Household, data: dict) -> Resident:
    if not policy.can(actor, policy.CHANGE, household):
        raise Refused()
    data = _without_staff_notes(actor, data, household)
    errors: dict[str, list] = {}
    clean = _resident_fields(data, errors, partial=False)
    tags = _tags(data.get("care_tags"), errors)
    given = _given_consent(data, errors)
    if errors:
        raise Invalid(errors)
    resident = Resident(id=data.get("id") or new_id(), household_id=household.id, grid_id=household.grid_id,
                        community_id=household.community_id)
    _apply_resident(resident, clean)
    sees_sensitive = registry_policy.sees_sensitive_tags(actor, household)
    tags = tags if sees_sensitive else [t for t in tags if not t.sensitive]
    needed = consents.tags_needing_consent(resident, [], tags, given, new=True)
    resident.care_tags = tags
    db.session.add(resident)
    _recount(household)
    consents.record_for_tags(actor, resident, needed, given)
    audit.record(actor, "create", "resident", resident.id, {"household_id": household.id})
    db.session.flush()
    return resident


def update_resident(actor, resident: Resident, data: dict) -> Resident:
    if not policy.can(actor, policy.CHANGE, resident):
        raise Refused()
    data = _without_staff_notes(actor, data, resident.household)
    errors: dict[str, list] = {}
    clean = _resident_fields(data, errors, partial=True)
    tags = _tags(data["care_tags"], errors) if "care_tags" in data else None
    given = _given_consent(data, errors)
    if errors:
        raise Invalid(errors)
    if tags is not None:
        tags = _keep_hidden_tags(actor, resident.care_tags, tags, resident.household)
        consents.record_for_tags(actor, resident, consents.tags_needing_consent(
            resident, resident.care_tags, tags, given), given)
    _apply_resident(resident, clean)
    changed = sorted(clean)
    if tags is not None:
        resident.care_tags = tags
        changed.append("care_tags")
    resident.updated_at = utcnow()
    audit.record(actor, "update", "resident", resident.id, {"fields": changed})
    db.session.flush()
    return resident


def move_resident(actor, resident: Resident, household_id: str) -> Resident:
    target = db.session.get(Household, household_id) if household_id else None
    if not policy.can(actor, policy.CHANGE, resident):
        raise Refused()
    if target is None or target.retired_at is not None or not policy.can(actor, policy.CHANGE, target):
        raise Invalid({"household_id": [_l("Choose a household in your area.")]})
    before = resident.household
    placement.move(db.session, resident, household_id=target.id)
    db.session.expire(before, ["residents"])
    db.session.expire(target, ["residents"])
    _recount(before)
    _recount(target)
    audit.record(actor, "move", "resident", resident.id, {"from": before.id, "to": target.id})
    db.session.flush()
    return resident


def retire_resident(actor, resident: Resident, reason: str) -> Resident:
    if not policy.can(actor, policy.RETIRE, resident):
        raise Refused()
    if not (reason or "").strip():
        raise Invalid({"reason": [_l("Say why (moved away, deceased, …).")]})
    resident.retired_at = utcnow()
    resident.retire_reason = reason.strip()[:200]
    _recount(resident.household)
    audit.record(actor, "retire", "resident", resident.id, {"reason": resident.retire_reason})
    db.session.flush()
    return resident


def reveal(actor, record, field: str, address: str | None = None) -> str:
    """The clear value of a sensitive field; the look is audited."""
    if field not in ("id_number", "phone") or (field == "id_number" and not isinstance(record, Resident)):
        raise Invalid({"field": [_l("Not a sensitive field.")]})
    if not policy.can(actor, policy.REVEAL, record):
        raise Refused()
    value = sensitive.decrypt(getattr(record, f"{field}_enc"))
    audit.record(actor, "reveal", "resident" if isinstance(record, Resident) else "household", record.id,
                 {"field": field}, address)
    db.session.flush()
    return value or ""


def masked(record, field: str) -> str:
    """What every screen shows of a sealed field before a reveal: an ID number
    its first and last characters, a phone its ends."""
    value = sensitive.decrypt(getattr(record, f"{field}_enc", None))
    return sensitive.mask_id_number(value) if field == "id_number" else sensitive.mask(value)


def shown_birth_date(actor, resident: Resident):
    """The birth date for those who may reveal the resident's ID number; the
    others get None and read `birth_year` (an ID number's middle is the birth
    date: the two together rebuild it)."""
    return resident.birth_date if policy.can(actor, policy.REVEAL, resident) else None
