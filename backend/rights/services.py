"""A resident's rights over what Linli holds about their household (PIPL Art. 45, 46).

`collect` gathers what a signed-in resident may see of their household: the household, its
residents, its requests with their public steps, its ratings, the dates of visits, the consent
records they may see, and their own account. Staff-only notes, internal steps, sensitive care
tags (a household account is shared by its members) and the records that tell them are left out;
ID numbers and phones come masked. `download` is the same, audited.

`ask_correction` raises a request of the built-in category "correction" for the household
(backend/requests): it reaches the community's inbox, the grid's worker and its devices like any
request, and its replies and resolution reach the resident the same way. Services flush, never
commit: the caller commits."""

import csv
import io
from datetime import date, datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from sqlalchemy import select

from backend.audit import services as audit
from backend.auth import policy
from backend.common import utcnow
from backend.errors import Invalid, Refused
from backend.fieldwork.visits.models import Visit
from backend.ratings.models import Rating
from backend.registry import consent as consents
from backend.registry import services as registry
from backend.registry.models import Household, Resident
from backend.requests import services as requests
from backend.requests.models import Request
from backend.rights.schemas import correction_in

CORRECTION = "correction"  # the request category (backend/requests/models.py, BUILTIN_CATEGORIES)
FIELD_LABELS = {
    "household.address": _l("the household's address"), "household.head_name": _l("the head of household"),
    "household.phone": _l("the household's phone"), "household.care_tags": _l("the household's care tags"),
    "resident.name": _l("a resident's name"), "resident.gender": _l("a resident's gender"),
    "resident.birth_date": _l("a resident's birth date"), "resident.relation": _l("a resident's relation"),
    "resident.id_number": _l("a resident's ID card number"), "resident.phone": _l("a resident's phone"),
    "resident.care_tags": _l("a resident's care tags"), "other": _l("something else"),
}


def household_of(user) -> Household:
    """The signed-in resident's own household; Refused for anyone else (staff answer a
    resident's request through their own pages: docs/PRIVACY.md)."""
    if user is None or user.role != "resident" or not user.household_id:
        raise Refused(_("Only a resident linked to a household sees its data here."))
    household = user.household
    if household is None or not policy.can(user, policy.READ, household):
        raise Refused(_("Only a resident linked to a household sees its data here."))
    return household


# --- seeing and downloading --------------------------------------------------------------------

def _household(user, household) -> dict:
    return {"id": household.id, "address": household.address, "head_name": household.head_name,
            "member_count": household.member_count,
            "community": household.community.name if household.community else None,
            "grid": household.grid.name if household.grid else None,
            "building": household.building.name if household.building else None,
            "phone_masked": registry.masked(household, "phone") or None,
            "care_tags": [t.code for t in registry.visible_tags(user, household.care_tags, household)],
            "created_at": household.created_at, "updated_at": household.updated_at}


def _resident(user, resident, household) -> dict:
    return {"id": resident.id, "name": resident.name, "gender": resident.gender, "birth_date": resident.birth_date,
            "relation": resident.relation,
            "id_number_masked": registry.masked(resident, "id_number") or None,
            "phone_masked": registry.masked(resident, "phone") or None,
            "care_tags": [t.code for t in registry.visible_tags(user, resident.care_tags, household)],
            "retired": resident.retired_at is not None, "created_at": resident.created_at}


def _request(session, user, request) -> dict:
    steps = [{"kind": e.kind, "message": e.message, "by": e.actor_name, "at": e.created_at}
             for e in requests.timeline(session, user, request)]
    return {"id": request.id, "category": request.category, "description": request.description,
            "address": request.address, "status": request.status, "channel": request.channel,
            "on_behalf": request.on_behalf, "requester_name": request.requester_name,
            "resident_id": request.resident_id, "created_at": request.created_at,
            "resolved_at": request.resolved_at, "closed_at": request.closed_at, "steps": steps}


def _consent(consent) -> dict:
    return {"id": consent.id, "purpose": consent.purpose, "resident_id": consent.resident_id,
            "request_id": consent.request_id, "basis": consent.basis, "given_by": consent.given_by,
            "detail": consent.detail, "recorded_at": consent.recorded_at, "withdrawn_at": consent.withdrawn_at}


def _household_requests(session, user, household) -> list:
    return list(session.scalars(requests.visible_requests(session, user)
                                .where(Request.household_id == household.id).order_by(Request.created_at)))


def collect(session, user, now=None) -> dict:
    """Everything Linli holds about the resident's household that they may see."""
    household = household_of(user)
    found = _household_requests(session, user, household)
    ratings = session.scalars(select(Rating).where(Rating.household_id == household.id)
                              .order_by(Rating.created_at))
    visits = session.scalars(select(Visit.visited_at).where(Visit.household_id == household.id)
                             .order_by(Visit.visited_at))
    records = consents.visible(user, consents.of_household(household), household)
    return {
        "generated_at": now or utcnow(),
        "account": {"username": user.username, "display_name": user.display_name, "role": user.role,
                    "created_at": user.created_at, "last_sign_in_at": user.last_sign_in_at},
        "household": _household(user, household),
        "residents": [_resident(user, r, household) for r in household.residents],
        "requests": [_request(session, user, r) for r in found],
        "ratings": [{"request_id": r.target_id, "score": r.score, "comment": r.comment, "at": r.created_at}
                    for r in ratings if policy.can(user, policy.READ, r)],
        "visits": [{"date": moment.date()} for moment in visits],
        "consents": [_consent(c) for c in records],
    }


def download(session, user, fmt: str = "json", address: str | None = None, now=None) -> dict:
    """collect(), with the download written to the audit trail."""
    data = collect(session, user, now=now)
    audit.record(user, "download_own_data", "household", data["household"]["id"], {"format": fmt}, address)
    session.flush()
    return data


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _plain(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list):
        return "; ".join(str(_plain(v)) for v in value)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value  # typed text stays text: a spreadsheet never runs it as a formula
    return "" if value is None else value


def as_json(value):
    """The data with its dates and times in ISO 8601, ready for JSON."""
    if isinstance(value, dict):
        return {key: as_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [as_json(item) for item in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def as_csv(data: dict) -> str:
    """The same content as rows of (section, record, field, value): one table, any spreadsheet."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(("section", "record", "field", "value"))
    for section in ("account", "household"):
        for field, value in data[section].items():
            writer.writerow((section, data[section].get("id", ""), field, _plain(value)))
    for section in ("residents", "requests", "ratings", "visits", "consents"):
        for number, item in enumerate(data[section], 1):
            record = item.get("id") or item.get("request_id") or number
            for field, value in item.items():
                if field == "steps":
                    for step in value:
                        writer.writerow((section, record, f"step {_plain(step['at'])}",
                                         f"{step['kind']}: {step['message']}".rstrip(": ")))
                else:
                    writer.writerow((section, record, field, _plain(value)))
    return out.getvalue()


# --- asking for a correction ---------------------------------------------------------------------

def _concerned(session, clean, household) -> Resident | None:
    """The resident a correction is about, named by id: one of the household."""
    if not clean.get("resident_id"):
        if clean["field"].startswith("resident."):
            raise Invalid({"resident_id": [_l("Choose the person whose details are wrong.")]})
        return None
    resident = session.get(Resident, clean["resident_id"])
    if resident is None or resident.household_id != household.id or resident.retired_at is not None:
        raise Invalid({"resident_id": [_l("Choose a person of your household.")]})
    return resident


def ask_correction(session, user, data: dict, now=None) -> Request:
    """A resident asks for something Linli holds about their household to be corrected: a request
    of the category "correction", for the community's staff and the grid's worker. Flushes."""
    household = household_of(user)
    try:
        clean = correction_in.load(data)
    except ValidationError as exc:
        raise Invalid(exc.messages) from None
    resident = _concerned(session, clean, household)
    what = str(FIELD_LABELS[clean["field"]])
    if resident is not None:
        what = f"{what}（{resident.name}）"
    description = _("Please correct %(what)s. Linli has: %(wrong)s. It should be: %(should_be)s.",
                    what=what, wrong=clean["wrong"].strip(), should_be=clean["should_be"].strip())
    request = requests.create_request(session, user, {
        "category": CORRECTION, "description": description[:2000], "household_id": household.id,
        "resident_id": resident.id if resident is not None else None, "requester_name": user.display_name[:50]},
        now=now)
    audit.record(user, "ask_correction", "household", household.id,
                 {"request_id": request.id, "field": clean["field"]})
    session.flush()
    return request


def corrections(session, user) -> list[dict]:
    """The resident's household's correction requests, newest first, each with its status and
    the office's latest public answer (a reply, or the resolution)."""
    household = household_of(user)
    found = session.scalars(requests.visible_requests(session, user).where(
        Request.household_id == household.id, Request.category == CORRECTION).order_by(Request.created_at.desc()))
    result = []
    for request in found:
        answers = [e for e in requests.timeline(session, user, request)
                   if e.kind in ("replied", "resolved", "merged", "withdrawn") and e.message]
        result.append({"id": request.id, "description": request.description, "status": request.status,
                       "status_label": str(requests.STATUS_NAMES.get(request.status, request.status)),
                       "created_at": request.created_at, "resolved_at": request.resolved_at,
                       "answer": answers[-1].message if answers else None,
                       "answered_at": answers[-1].created_at if answers else None})
    return result
