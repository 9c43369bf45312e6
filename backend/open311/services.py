"""Open311 GeoReport v2 onto the requests core: parameters checked and
translated, requests filed with backend.requests.services.create_request
(channel "open311"), read through visible_requests, answered as the
specification's rows. No request rule lives here."""

import math
import re
from datetime import timedelta
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from backend.common import is_uuid, utcnow
from backend.errors import Gone, Invalid, Refused
from backend.extensions import db
from backend.open311 import policy as open311_policy
from backend.open311.formats import Open311Error, parse_w3c, w3c
from backend.open311.models import Open311Key, Open311Submission
from backend.org.models import Node
from backend.requests import deadlines
from backend.requests import services as core
from backend.requests.models import OPEN_STATES, Request, RequestCategory, RequestEvent

MAX_RESULTS = 1000
DEFAULT_DAYS = 90
FIELD_LIMITS = {"account_id": 100, "address_id": 100, "address_string": 200, "media_url": 500,
                "first_name": 25, "last_name": 25, "phone": 20, "email": 254, "device_id": 100}
PHONE = re.compile(r"^\+?[0-9][0-9 \-]{3,19}$")

STATUS_NOTES = {
    "submitted": _l("Received; waiting for the community to accept it."),
    "accepted": _l("Accepted by the community."),
    "dispatched": _l("Handed to the person or department who will deal with it."),
    "in_progress": _l("Being dealt with."),
    "returned": _l("Returned to the community to be handed on again."),
    "escalated": _l("Passed up to the street or district."),
    "reopened": _l("Reopened."),
    "resolved": _l("Resolved."),
    "closed": _l("Closed."),
    "withdrawn": _l("Withdrawn by the requester."),
    "merged": _l("Merged into another request about the same matter."),
}


def _status_note(status: str) -> str:
    return str(STATUS_NOTES.get(status, ""))


# --- places and services ---------------------------------------------------------

def jurisdiction(value: str | None, key: Open311Key | None = None) -> Node | None:
    """The community a jurisdiction_id names (its id), or None when not given.
    With a key: a community inside the key's area."""
    if value is None or value == "":
        return None
    community = db.session.get(Node, value) if is_uuid(value) else None
    if community is None or community.kind != "community" or community.retired_at is not None:
        raise Open311Error(404, "jurisdiction_id was not found.")
    if key is not None and not open311_policy.open311_key_covers(key, community):
        raise Open311Error(404, "jurisdiction_id was not found in the area of this api_key.")
    return community


def category(code: str | None) -> RequestCategory:
    found = db.session.get(RequestCategory, code) if code else None
    if found is None or not found.active:
        raise Open311Error(404, "service_code was not found.")
    return found


def _limits(found: RequestCategory, community: Node | None) -> tuple[int, int]:
    if community is not None:
        return deadlines.limits(db.session, community.id, found.code)
    return found.accept_hours, found.resolve_days


def service_notice(found: RequestCategory, community: Node | None) -> str:
    hours, days = _limits(found, community)
    return _("Accepted within %(hours)s hours and resolved within %(days)s working days.", hours=hours, days=days)


def service_rows(community: Node | None) -> list[dict]:
    found = db.session.scalars(select(RequestCategory).where(RequestCategory.active)
                               .order_by(RequestCategory.sort_order, RequestCategory.code)).all()
    return [{
        "service_code": row.code,
        "service_name": _(row.name),
        "description": " ".join(part for part in (_(row.description) if row.description else "",
                                                  service_notice(row, community)) if part),
        "metadata": False,
        "type": "realtime",
        "keywords": "",
        "group": "",
    } for row in found]


def definition(found: RequestCategory, community: Node | None) -> dict:
    """No attribute to fill in (metadata is false); one informational attribute
    (variable false, as the specification allows) tells the person what
    happens to the request and how fast."""
    text = " ".join(part for part in (_(found.description) if found.description else "",
                                      service_notice(found, community),
                                      _("Do not write other people's names or phone numbers in the description."))
                    if part)
    return {
        "service_code": found.code,
        "attributes": [{
            "variable": False,
            "code": "about",
            "datatype": "text",
            "required": False,
            "datatype_description": "",
            "order": 1,
            "description": text,
        }],
    }


# --- reading requests -------------------------------------------------------------

def _key_requests(key: Open311Key):
    """The requests a key may read: what its issuer may read (the core's
    scope), inside the key's area."""
    inside = select(Node.id).where(Node.kind == "community", Node.path.startswith(key.node.path, autoescape=True))
    return core.visible_requests(db.session, key.created_by).where(Request.community_id.in_(inside))


def _comma_list(value: str | None, limit: int = MAX_RESULTS) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()][:limit]


def find_requests(key: Open311Key, args) -> list[dict]:
    query = _key_requests(key)
    community = jurisdiction(args.get("jurisdiction_id"), key)
    if community is not None:
        query = query.where(Request.community_id == community.id)
    ids = _comma_list(args.get("service_request_id"))
    if ids:
        # The specification: with service_request_id every other filter is ignored.
        query = query.where(Request.id.in_([value for value in ids if is_uuid(value)] or [""]))
    else:
        codes = _comma_list(args.get("service_code"))
        if codes:
            query = query.where(Request.category.in_(codes))
        statuses = _comma_list(args.get("status"))
        if any(value not in ("open", "closed") for value in statuses):
            raise Open311Error(400, "status must be open or closed (or both, comma separated).")
        if set(statuses) == {"open"}:
            query = query.where(Request.status.in_(OPEN_STATES))
        elif set(statuses) == {"closed"}:
            query = query.where(Request.status.not_in(OPEN_STATES))
        start = parse_w3c("start_date", args["start_date"]) if args.get("start_date") else None
        end = parse_w3c("end_date", args["end_date"]) if args.get("end_date") else None
        if start is None and end is None:
            start = utcnow() - timedelta(days=DEFAULT_DAYS)
        elif start is None:
            start = end - timedelta(days=DEFAULT_DAYS)
        if end is not None and start > end:
            raise Open311Error(400, "start_date must be before end_date.")
        query = query.where(Request.created_at >= start)
        if end is not None:
            query = query.where(Request.created_at <= end)
    found = db.session.scalars(query.order_by(Request.created_at.desc(), Request.id).limit(MAX_RESULTS)).all()
    return _rows(key, found)


def one_request(key: Open311Key, request_id: str) -> dict:
    found = None
    if is_uuid(request_id):
        found = db.session.scalar(_key_requests(key).where(Request.id == request_id))
    if found is None:
        raise Open311Error(404, "service_request_id was not found.")
    return _rows(key, [found])[0]


def _rows(key: Open311Key, found: list[Request]) -> list[dict]:
    ids = [row.id for row in found]
    submissions = {item.request_id: item for item in db.session.scalars(
        select(Open311Submission).where(Open311Submission.request_id.in_(ids or [""])))}
    own = {rid for rid, item in submissions.items() if item.key_id == key.id}
    notes = _latest_public_notes(own)
    return [_row(row, submissions.get(row.id) if row.id in own else None, notes.get(row.id)) for row in found]


def _latest_public_notes(request_ids: set[str]) -> dict[str, str]:
    """The newest public message on each request: what the requester is told."""
    if not request_ids:
        return {}
    events = db.session.scalars(select(RequestEvent).where(RequestEvent.request_id.in_(request_ids),
                                                           RequestEvent.public, RequestEvent.message != "")
                                .order_by(RequestEvent.created_at)).all()
    return {event.request_id: event.message for event in events}


def _agency(row: Request) -> str:
    if row.department is not None and row.status in ("dispatched", "in_progress"):
        return row.department.name
    return row.holder.name if row.holder is not None else ""


def _row(row: Request, own: Open311Submission | None, note: str | None) -> dict:
    """One request as the specification's fields. The text a person wrote and
    where (description, address, location, replies) only when `own` (filed by
    the same key); never a name, phone or household."""
    found = row.category_ref
    location = (row.location or {}) if own else {}
    return {
        "service_request_id": row.id,
        "status": "open" if row.status in OPEN_STATES else "closed",
        "status_notes": note or _status_note(row.status),
        "service_name": _(found.name) if found else row.category,
        "service_code": row.category,
        "description": row.description if own else None,
        "agency_responsible": _agency(row),
        "service_notice": service_notice(found, row.community) if found else None,
        "requested_datetime": w3c(row.created_at),
        "updated_datetime": w3c(row.updated_at),
        "expected_datetime": w3c(row.resolve_due_at or row.accept_due_at),
        "address": row.address if own else None,
        "address_id": own.address_id if own else None,
        "zipcode": None,
        "lat": location.get("lat"),
        "long": location.get("lng"),
        "media_url": own.media_url if own else None,
    }


def by_token(token: str) -> Open311Submission:
    found = db.session.get(Open311Submission, token) if is_uuid(token) else None
    if found is None:
        raise Open311Error(404, "token was not found.")
    return found


# --- filing a request ---------------------------------------------------------------

def _text(form, name: str) -> str:
    value = (form.get(name) or "").strip()
    limit = FIELD_LIMITS.get(name)
    if limit and len(value) > limit:
        raise Open311Error(400, f"{name} may be at most {limit} characters.")
    return value


def _coordinate(form, name: str, bound: float) -> float | None:
    raw = (form.get(name) or "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise Open311Error(400, f"{name} is not a number.") from None
    if not math.isfinite(value) or abs(value) > bound:
        raise Open311Error(400, f"{name} must lie between -{bound:g} and {bound:g}.")
    return value


def _check_bound(key: Open311Key) -> None:
    """At most OPEN311_POSTS_PER_HOUR requests an hour per key (a runaway or
    abused client cannot flood the community's inbox)."""
    limit = current_app.config.get("OPEN311_POSTS_PER_HOUR", 60)
    since = utcnow() - timedelta(hours=1)
    count = db.session.scalar(select(func.count()).select_from(Open311Submission)
                              .where(Open311Submission.key_id == key.id, Open311Submission.created_at >= since))
    if count >= limit:
        raise Open311Error(429, f"This api_key filed {limit} requests in the last hour; try again later.",
                           headers={"Retry-After": "600"})


def _community_of(form, key: Open311Key) -> Node:
    community = jurisdiction(form.get("jurisdiction_id"), key)
    if community is None:
        if key.node.kind != "community":
            raise Open311Error(400, "jurisdiction_id is missing: this api_key serves a street or district, "
                                    "name the community (its id).")
        community = key.node
    return community


def _location_of(form) -> tuple[float | None, float | None, str, str]:
    """(lat, long, address_string, address_id): at least the coordinates or an address."""
    lat, lng = _coordinate(form, "lat", 90), _coordinate(form, "long", 180)
    if (lat is None) != (lng is None):
        raise Open311Error(400, "lat and long must be given together.")
    address = _text(form, "address_string")
    address_id = _text(form, "address_id")
    if lat is None and not address and not address_id:
        raise Open311Error(400, "A location is missing: give lat and long, address_string or address_id.")
    return lat, lng, address, address_id


def _media_url_of(form) -> str:
    media_url = _text(form, "media_url")
    if media_url:
        parts = urlsplit(media_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise Open311Error(400, "media_url must be an http or https URL.")
    return media_url


def submit(key: Open311Key, form) -> Open311Submission:
    """POST requests: check every parameter, then file through the core."""
    unknown = sorted(name for name in form if name.startswith("attribute["))
    if unknown:
        raise Open311Error(400, f"{unknown[0]} is not an attribute of this service (it has none to fill in).")
    code = _text(form, "service_code")
    if not code:
        raise Open311Error(400, "service_code is missing.")
    found = category(code)
    community = _community_of(form, key)
    lat, lng, address, address_id = _location_of(form)
    description = (form.get("description") or "").strip()
    media_url = _media_url_of(form)
    phone = _text(form, "phone")
    if phone and not PHONE.match(phone):
        raise Open311Error(400, "phone is not a phone number.")
    for name in ("email", "device_id"):  # accepted per the specification, not kept
        _text(form, name)
    name = " ".join(part for part in (_text(form, "first_name"), _text(form, "last_name")) if part)
    _check_bound(key)
    data = {
        "category": found.code,
        "description": description,
        "location": {"lat": lat, "lng": lng} if lat is not None else None,
        "address": address or None,
        "requester_name": name or None,
        "requester_phone": phone or None,
    }
    if not open311_policy.can_file_open311_request(key.created_by, community):
        raise Open311Error(403, "This api_key may not file requests there.")
    try:
        filed = core.create_open311_request(db.session, key.created_by, community, data)
    except Invalid as exc:  # the API's error handler rolls the transaction back
        field, messages = next(iter(exc.errors.items()))
        raise Open311Error(400, f"{_wire_name(field)}: {' '.join(messages)}") from None
    except (Refused, Gone):
        raise Open311Error(403, "This api_key may not file requests there.") from None
    submission = Open311Submission(key_id=key.id, request_id=filed.id, account_id=_text(form, "account_id") or None,
                                   address_id=address_id or None, media_url=media_url or None)
    db.session.add(submission)
    db.session.flush()
    return submission


_WIRE_NAMES = {"category": "service_code", "location": "lat", "address": "address_string",
               "requester_name": "first_name", "requester_phone": "phone"}


def _wire_name(field: str) -> str:
    return _WIRE_NAMES.get(field, field)


def receipt(submission: Open311Submission) -> dict:
    filed = db.session.get(Request, submission.request_id)
    return {
        "token": submission.token,
        "service_request_id": submission.request_id,
        "service_notice": service_notice(filed.category_ref, filed.community),
        "account_id": submission.account_id,
    }
