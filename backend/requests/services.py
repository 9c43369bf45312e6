"""The rules of requests (接诉即办): raising one, the state machine, who sees what.

Services flush and never commit: the caller (a page, the JSON API, the sync push,
the sweep) commits. Every step appends a RequestEvent. `now` (naive UTC) may be
passed to freeze the clock (tests, the demo seed)."""

import math
from datetime import timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from sqlalchemy import select

from backend.auth import policy
from backend.auth.models import User
from backend.common import new_id, utcnow
from backend.errors import Conflict, Invalid, NotAllowedNow, Refused
from backend.fieldwork.records import check_photos
from backend.org.models import Node
from backend.org.placement import services as placement
from backend.ratings import services as ratings
from backend.registry import consent as consents
from backend.registry import sensitive
from backend.registry.models import Household, Resident
from backend.requests import deadlines, machine
from backend.requests import policy as request_policy
from backend.requests.models import (
    OPEN_STATES,
    CatalogueEntry,
    Department,
    ReplyTemplate,
    Request,
    RequestCategory,
    RequestEvent,
    TimeLimit,
)
from backend.requests.schemas import request_action, request_create

# action -> (states it is allowed from, the state it leads to (None: unchanged), event kind),
# read from the one table of the state machine (backend/requests/machine.py).
TRANSITIONS = machine.transitions()
ACTIONS = tuple(TRANSITIONS)
# The data each action accepts (the sync push and the API check names against this).
ACTION_FIELDS = {
    "accept": ("message",), "dispatch": ("assignee_id", "department_id", "message"), "start": ("message",),
    "reply": ("message",), "note": ("message",), "return": ("message",), "escalate": ("message",),
    "respond": ("message", "department_id"), "resolve": ("message", "photos"), "rate": ("score", "comment"),
    "reopen": ("message",), "merge": ("duplicate_of_id", "message"), "withdraw": ("message",),
    "place": ("grid_id", "message"),
}
# Actions whose message is required.
MESSAGE_REQUIRED = {"reply", "note", "return", "escalate", "respond", "resolve", "reopen"}
# Events only staff see.
INTERNAL_EVENTS = {"noted", "returned", "overdue", "placed"}
NEXT_LEVEL = {"community": "street", "street": "district"}
DEFAULT_CHANNEL = {"resident": "app", "grid_worker": "field", "station_operator": "station",
                   "community_staff": "staff", "admin": "staff"}
STATUS_NAMES = {
    "submitted": _l("submitted"), "accepted": _l("accepted"), "dispatched": _l("dispatched"),
    "in_progress": _l("in progress"), "returned": _l("returned"), "escalated": _l("escalated"),
    "reopened": _l("reopened"), "resolved": _l("resolved"), "closed": _l("closed"), "withdrawn": _l("withdrawn"),
    "merged": _l("merged"),
}

# The built-in categories' names, for translation (the table holds the English msgid).
CATEGORY_NAMES = {
    "Environment and sanitation": _l("Environment and sanitation"),
    "Facilities and repairs": _l("Facilities and repairs"),
    "Neighbour disputes": _l("Neighbour disputes"), "Elderly care": _l("Elderly care"),
    "Safety hazards": _l("Safety hazards"), "Public services": _l("Public services"), "Other": _l("Other"),
    "Correcting my records": _l("Correcting my records"),
}


def category_label(category) -> str:
    """A category's name in the current language (staff-added names are shown as they are)."""
    name = category.name if category is not None else ""
    return str(CATEGORY_NAMES.get(name, name))


def categories(session, active_only: bool = True) -> list[RequestCategory]:
    query = select(RequestCategory).order_by(RequestCategory.sort_order, RequestCategory.code)
    if active_only:
        query = query.where(RequestCategory.active.is_(True))
    return list(session.scalars(query))


# --- raising a request -------------------------------------------------------------

def create_request(session, actor, data: dict, now=None) -> Request:
    """Raise a request: a resident for their household, or staff and workers on
    behalf of a resident (with their consent). Flushes; the caller commits."""
    now = now or utcnow()
    if actor is None or actor.role not in request_policy.ON_BEHALF_CREATORS | {"resident"}:
        raise Refused()
    try:
        clean = request_create.load(data)
    except ValidationError as exc:
        raise Invalid(exc.messages) from None
    record_id = _new_record_id(session, clean)
    category = session.get(RequestCategory, clean["category"])
    if category is None or not category.active:
        raise Invalid({"category": [_l("Unknown category.")]})
    household, resident, grid = _placement(session, actor, clean)
    check_photos(session, actor, clean["photos"])
    channel = clean.get("channel") or DEFAULT_CHANNEL.get(actor.role, "staff")
    _check_raiser(actor, clean, channel)
    name = _requester_name(actor, clean, household, resident)
    given = _proxy_consent(clean, name) if actor.role != "resident" else None
    request = Request(
        id=record_id, community_id=grid.parent_id, grid_id=grid.id,
        household_id=household.id if household else None, category=category.code,
        description=clean["description"].strip(), photos=clean["photos"], photo_times=clean.get("photo_times"),
        location=clean.get("location"), address=(clean.get("address") or "").strip() or
        (household.address if household else None),
        status="submitted", level="community", holder_node_id=grid.parent_id, requester_id=actor.id,
        on_behalf=actor.role != "resident", resident_id=resident.id if resident else None,
        consent=bool(clean["consent"]) or actor.role == "resident", requester_name=name[:50],
        requester_phone_enc=sensitive.encrypt((clean.get("requester_phone") or "").strip() or None),
        channel=channel, overdue=False, escalations=0, created_at=now, updated_at=now)
    if not request.description:
        raise Invalid({"description": [_l("Say what the request is about.")]})
    deadlines.start_accept_clock(session, request, now)
    session.add(request)
    session.flush()
    _event(session, request, actor, "submitted", "", now, data={"to_status": "submitted", "channel": channel,
                                                                "on_behalf": request.on_behalf})
    if given is not None and (household is not None or resident is not None):
        consents.record(actor, purpose="proxy_request", basis=given["basis"], resident=resident,
                        household=household, request_id=request.id, given_by=given["given_by"],
                        detail=given["detail"], now=now)
    return request


def _proxy_consent(clean, name) -> dict:
    """How the resident agreed to a request raised for them (a client that does not say: spoken,
    to the person raising it), checked; errors name the request's fields (`consent_detail`)."""
    try:
        return consents.clean({"basis": clean.get("consent_basis") or "verbal",
                               "given_by": clean.get("consent_given_by") or name,
                               "detail": clean.get("consent_detail") or ""})
    except Invalid as exc:
        raise Invalid({f"consent_{key.rsplit('.', 1)[-1]}": value for key, value in exc.errors.items()}) from None


def _new_record_id(session, clean) -> str:
    """The id the client chose (offline), or a new one; a used id is a conflict."""
    record_id = str(clean["id"]) if clean.get("id") else new_id()
    if session.get(Request, record_id) is not None:
        raise Conflict(_("A request with this id exists already."), {"id": [_("Already used.")]})
    return record_id


def _check_raiser(actor, clean, channel) -> None:
    """Residents raise their own requests in the app; everyone else raises them for a
    resident who agreed, through another channel."""
    if actor.role == "resident":
        if clean["on_behalf"]:
            raise Invalid({"on_behalf": [_l("Residents raise requests for themselves.")]})
        if channel != "app":
            raise Invalid({"channel": [_l("Residents raise requests in the app.")]})
        return
    if not clean["on_behalf"]:
        raise Invalid({"on_behalf": [_l("Staff raise requests on behalf of a resident: set on_behalf.")]})
    if not clean["consent"]:
        raise Invalid({"consent": [_l("Note that the resident agreed to this request being raised for "
                                      "them.")]})
    if channel == "app":
        raise Invalid({"channel": [_l("The app channel is the resident's own.")]})


def _requester_name(actor, clean, household, resident) -> str:
    """The name given, else the resident's, the raising resident's own, or the household head's."""
    name = (clean.get("requester_name") or "").strip()
    if name:
        return name
    if resident is not None:
        return resident.name
    if actor.role == "resident":
        return actor.display_name
    return household.head_name if household else ""


def _placement(session, actor, clean):
    """(household, resident, grid) the new request belongs to, checked against the actor's reach."""
    household, resident = _named_household(session, actor, clean)
    if household is not None:
        return household, resident, _household_grid(actor, household, clean)
    if clean.get("grid_id"):
        return None, None, _named_grid(session, actor, clean)
    raise Invalid({"household_id": [_l("Name the resident or the household the request is for.")]})


def _named_household(session, actor, clean):
    """(household, resident) named by the data (a resident, else a household), else a resident's own."""
    if clean.get("resident_id"):
        resident = session.get(Resident, clean["resident_id"])
        if resident is None or resident.retired_at is not None or not policy.can(actor, policy.READ, resident):
            raise Invalid({"resident_id": [_l("No such resident in your area.")]})
        household = resident.household
        if clean.get("household_id") and clean["household_id"] != household.id:
            raise Invalid({"resident_id": [_l("This resident does not live in that household.")]})
        return household, resident
    if clean.get("household_id"):
        household = session.get(Household, clean["household_id"])
        if household is None or not policy.can(actor, policy.READ, household):
            raise Invalid({"household_id": [_l("No such household in your area.")]})
        return household, None
    if actor.role == "resident":
        if actor.household is None:
            raise Invalid({"household_id": [_l("Your account is not linked to a household yet.")]})
        return actor.household, None
    return None, None


def _household_grid(actor, household, clean) -> Node:
    """The grid of a request about `household`, if the actor may raise one there."""
    if household.retired_at is not None:
        raise Invalid({"household_id": [_l("This household is retired.")]})
    if not request_policy.can_raise_request(actor, household=household):
        raise Refused()
    grid = household.grid
    if clean.get("grid_id") and clean["grid_id"] != grid.id:
        raise Invalid({"grid_id": [_l("The household lies in another grid.")]})
    return grid


def _named_grid(session, actor, clean) -> Node:
    """The grid of a request about no household, if the actor may raise one there."""
    grid = session.get(Node, clean["grid_id"])
    if grid is None or grid.kind != "grid" or not policy.can(actor, policy.READ, grid):
        raise Invalid({"grid_id": [_l("No such grid in your area.")]})
    if not request_policy.can_raise_request(actor, grid=grid):
        raise Invalid({"household_id": [_l("Name the resident or the household the request is for.")]})
    return grid


def create_open311_request(session, issuer, community, data: dict, now=None) -> Request:
    """Raise a request that came in through Open311 (backend/open311): a person
    without a Linli account, relayed by an application whose API key `issuer`
    issued for an area holding `community`. The community holds it; no grid,
    household or requester account (nobody rates or withdraws it in Linli);
    consent is the person's own filing. `data`: category, description,
    location, address, requester_name, requester_phone. Flushes; the caller
    commits. (Added for Open311, beside create_request, which stays unchanged.)
    The caller asks open311's policy whether the key's issuer may file into
    this community (`can_file_open311_request`): requests do not import open311."""
    now = now or utcnow()
    if community is None or community.kind != "community" or community.retired_at is not None:
        raise Refused()
    try:
        clean = request_create.load(data)
    except ValidationError as exc:
        raise Invalid(exc.messages) from None
    category = session.get(RequestCategory, clean["category"])
    if category is None or not category.active:
        raise Invalid({"category": [_l("Unknown category.")]})
    request = Request(
        id=new_id(), community_id=community.id, grid_id=None, household_id=None, category=category.code,
        description=clean["description"].strip(), photos=[], location=clean.get("location"),
        address=(clean.get("address") or "").strip() or None, status="submitted", level="community",
        holder_node_id=community.id, requester_id=None, on_behalf=False, resident_id=None, consent=True,
        requester_name=(clean.get("requester_name") or "").strip()[:50],
        requester_phone_enc=sensitive.encrypt((clean.get("requester_phone") or "").strip() or None),
        channel="open311", overdue=False, escalations=0, created_at=now, updated_at=now)
    if not request.description:
        raise Invalid({"description": [_l("Say what the request is about.")]})
    deadlines.start_accept_clock(session, request, now)
    session.add(request)
    session.flush()
    _event(session, request, None, "submitted", "", now, data={"to_status": "submitted", "channel": "open311",
                                                               "on_behalf": False})
    return request


# --- the state machine -------------------------------------------------------------

def allowed_by_state(request, action: str, now=None) -> bool:
    states = TRANSITIONS.get(action, ((), None, None))[0]
    if request.status not in states:
        return False
    if action == "escalate" and request.level not in NEXT_LEVEL:
        return False
    if action == "place" and request.household_id is not None:
        return False
    if action == "reopen":
        return request.resolved_at is not None and (now or utcnow()) <= request.resolved_at + timedelta(
            days=deadlines.REOPEN_DAYS)
    return True


def ACTIONS_FOR(user, request, now=None) -> list[str]:  # the name the contract gives it
    """The actions this user may take on this request now (for pages and buttons)."""
    return [action for action in ACTIONS
            if allowed_by_state(request, action, now) and request_policy.can_act_on_request(user, request, action)]


def _state_refusal(session, request, action, now) -> NotAllowedNow:
    status = str(STATUS_NAMES.get(request.status, request.status))
    if action == "rate" and request.status == "reopened":
        reopened = session.scalar(select(RequestEvent.created_at).where(
            RequestEvent.request_id == request.id, RequestEvent.kind == "reopened")
            .order_by(RequestEvent.created_at.desc()).limit(1))
        when = reopened.strftime("%Y-%m-%d") if reopened else ""
        return NotAllowedNow(_("This request is no longer resolved: it was reopened on %(date)s and is being "
                               "handled again. Rate it once it is resolved again.", date=when))
    if action == "rate" and request.status == "closed":
        return NotAllowedNow(_("This request is closed already; it cannot be rated again."))
    if action == "reopen" and request.status in ("resolved", "closed"):
        return NotAllowedNow(_("A request can be reopened only within %(days)d days of being resolved.",
                               days=deadlines.REOPEN_DAYS))
    if action == "escalate" and request.level not in NEXT_LEVEL:
        return NotAllowedNow(_("The district holds this request already; it cannot go higher."))
    if action == "place" and request.household_id is not None:
        return NotAllowedNow(_("This request is about a household: it stays in the household's grid."))
    return NotAllowedNow(_("Not allowed while the request is %(status)s.", status=status))


def _clean_action(action, data) -> dict:
    allowed = set(ACTION_FIELDS[action])
    unknown = sorted(set(data or {}) - allowed)
    if unknown:
        raise Invalid({name: [_l("Unknown field.")] for name in unknown})
    try:
        clean = request_action.load(dict(data or {}))
    except ValidationError as exc:
        raise Invalid(exc.messages) from None
    clean["message"] = (clean.get("message") or "").strip()
    if action in MESSAGE_REQUIRED and not clean["message"]:
        raise Invalid({"message": [_l("A message is required.")]})
    return clean


def transition(session, actor, request, action: str, data: dict | None = None, now=None) -> RequestEvent:
    """Do `action` to `request` as `actor`; returns the event it appended. Refused (403)
    for role or place, Invalid (422) for bad data, NotAllowedNow (409) for the state.
    Flushes; the caller commits."""
    now = now or utcnow()
    if action not in TRANSITIONS:
        raise Invalid({"action": [_l("Unknown action.")]})
    if action == "rate":
        data = data or {}
        if set(data) - {"score", "comment"}:
            raise Invalid({name: [_l("Unknown field.")] for name in sorted(set(data) - {"score", "comment"})})
        ratings.rate(session, actor, "request", request.id, data.get("score"), data.get("comment"), now=now)
        return session.scalar(select(RequestEvent).where(RequestEvent.request_id == request.id,
                                                         RequestEvent.kind == "rated")
                              .order_by(RequestEvent.version.desc()).limit(1))
    clean = _clean_action(action, data)
    _check(session, actor, request, action, now)
    check_photos(session, actor, clean.get("photos"))
    return _apply(session, actor, request, action, clean, now)


def _check(session, actor, request, action, now) -> None:
    if not policy.can(actor, policy.READ, request) or not request_policy.can_act_on_request(actor, request, action):
        raise Refused()
    if not allowed_by_state(request, action, now):
        raise _state_refusal(session, request, action, now)


def apply_rating(session, actor, request, score: int, comment: str, rating_id: str, now) -> RequestEvent:
    """The `rate` step of the state machine, for backend.ratings.services.rate (the one way to rate)."""
    _check(session, actor, request, "rate", now)
    return _apply(session, actor, request, "rate", {"message": comment or "", "score": score,
                                                    "rating_id": rating_id}, now)


ratings.register_target("request", Request, apply_rating)


def _apply(session, actor, request, action, clean, now) -> RequestEvent:
    _states, to_status, kind = TRANSITIONS[action]
    from_status = request.status
    data = {"from_status": from_status, "to_status": to_status or from_status}
    effect = EFFECTS.get(action)
    if effect is not None:
        effect(session, request, clean, now, data)
    if to_status:
        request.status = to_status
    request.updated_at = now
    photos = clean.get("photos") or []
    return _event(session, request, actor, kind, clean.get("message") or "", now, data=data, photos=photos)


# What each action does to the request beyond its status, and what it adds to the event's data.
# Each takes (session, request, clean, now, data); actions without an entry only change the status.

def _on_accept(session, request, clean, now, data) -> None:
    request.accepted_at = now
    deadlines.start_resolve_clock(session, request, now)


def _on_dispatch(session, request, clean, now, data) -> None:
    assignee, department = _dispatch_target(session, request, clean)
    request.assignee_id = assignee.id if assignee else None
    request.department_id = department.id if department else None
    data.update(assignee_id=request.assignee_id, assignee_name=assignee.display_name if assignee else None,
                department_id=request.department_id, department_name=department.name if department else None)


def _on_return(session, request, clean, now, data) -> None:
    data.update(assignee_id=request.assignee_id, department_id=request.department_id)
    request.assignee_id = request.department_id = None


def _on_escalate(session, request, clean, now, data) -> None:
    _escalate(session, request, now)
    data.update(level=request.level, holder_node_id=request.holder_node_id)


def _on_respond(session, request, clean, now, data) -> None:
    if clean.get("department_id"):
        department = _department(session, request, clean["department_id"], "department_id")
        request.department_id = department.id
        data.update(department_id=department.id, department_name=department.name)
    data.update(level=request.level)


def _on_resolve(session, request, clean, now, data) -> None:
    request.resolved_at = now


def _on_rate(session, request, clean, now, data) -> None:
    request.closed_at = now
    data.update(score=clean["score"], rating_id=clean["rating_id"])


def _on_reopen(session, request, clean, now, data) -> None:
    request.resolved_at = request.closed_at = None
    request.resolve_due_at = None
    deadlines.start_accept_clock(session, request, now)


def _on_merge(session, request, clean, now, data) -> None:
    target = _merge_target(session, request, clean.get("duplicate_of_id"))
    request.duplicate_of_id = target.id
    request.closed_at = now
    data.update(duplicate_of_id=target.id)


def _on_withdraw(session, request, clean, now, data) -> None:
    request.closed_at = now


def _on_place(session, request, clean, now, data) -> None:
    data.update(_place(session, request, clean.get("grid_id")))


EFFECTS = {
    "accept": _on_accept, "dispatch": _on_dispatch, "return": _on_return, "escalate": _on_escalate,
    "respond": _on_respond, "resolve": _on_resolve, "rate": _on_rate, "reopen": _on_reopen,
    "merge": _on_merge, "withdraw": _on_withdraw, "place": _on_place,
}


def _dispatch_target(session, request, clean):
    assignee_id, department_id = clean.get("assignee_id"), clean.get("department_id")
    if bool(assignee_id) == bool(department_id):
        raise Invalid({"assignee_id": [_l("Name either an assignee or a department.")]})
    if assignee_id:
        assignee = session.get(User, assignee_id)
        if not request_policy.can_be_assigned(assignee, request):
            raise Invalid({"assignee_id": [_l("Dispatch to a grid worker or community staff who covers this "
                                              "request.")]})
        return assignee, None
    return None, _department(session, request, department_id, "department_id")


def _department(session, request, department_id, field):
    department = session.get(Department, department_id)
    holder = request.holder
    if department is None or not department.active or not _serves(department, holder):
        raise Invalid({field: [_l("No such department serving this request's area.")]})
    return department


def place_choices(session, request) -> list[Node]:
    """The grids a request may be placed in: those of its community, in service."""
    community = request.community
    if community is None:
        return []
    return list(session.scalars(select(Node).where(Node.kind == "grid", Node.retired_at.is_(None),
                                                   Node.path.startswith(community.path, autoescape=True))
                                .order_by(Node.code, Node.name, Node.id)))


def _place(session, request, grid_id) -> dict:
    """Put the request, its steps and its ratings in the grid: the grid's workers receive them on their next
    pull, those of the grid before lose them. An assignee who no longer covers it is let go."""
    grid = session.get(Node, grid_id) if grid_id else None
    if grid is None or grid.kind != "grid" or grid.retired_at is not None or request.community is None \
            or not grid.path.startswith(request.community.path):
        raise Invalid({"grid_id": [_l("Choose a grid of this request's community.")]})
    if grid.id == request.grid_id:
        raise Invalid({"grid_id": [_l("The request is in this grid already.")]})
    data = {"from_grid_id": request.grid_id, "grid_id": grid.id, "grid_name": grid.name}
    assignee_id = request.assignee_id
    placement.move(session, request, grid_id=grid.id)  # its steps and ratings follow; see placed_requests
    if assignee_id is not None and request.assignee_id is None:
        data["unassigned_id"] = assignee_id
    return data


def placed_requests(session, requests) -> None:
    """After a move (backend/org/placement calls this for requests whose place or
    tree changed): the holder at the request's level is that level's node above
    its community now, and an assignee or a department that no longer serves it
    is let go (the holder dispatches it again)."""
    for request in requests:
        holder = _holder_at_level(session, request)
        if holder is not None and holder.id != request.holder_node_id:
            request.holder_node_id, request.holder = holder.id, holder
        assignee = session.get(User, request.assignee_id) if request.assignee_id is not None else None
        if assignee is not None and not request_policy.can_be_assigned(assignee, request):
            request.assignee_id = None
        department = session.get(Department, request.department_id) if request.department_id else None
        if department is not None and not _serves(department, holder):
            request.department_id = None


def _serves(department, holder) -> bool:
    """Does the department serve requests held at this node (its node or one below)?"""
    return department.node is not None and holder is not None and holder.path.startswith(department.node.path)


def _holder_at_level(session, request) -> Node | None:
    community = session.get(Node, request.community_id)
    if community is None or request.level == "community":
        return community
    chain = [session.get(Node, node_id) for node_id in community.ancestor_ids]
    return next((node for node in chain if node is not None and node.kind == request.level), None)


def _merge_target(session, request, target_id):
    target = session.get(Request, target_id) if target_id else None
    if target is None or target.id == request.id or target.community_id != request.community_id \
            or not target.is_open:
        raise Invalid({"duplicate_of_id": [_l("Name another open request of the same community.")]})
    return target


def _escalate(session, request, now) -> None:
    parent = request.holder.parent if request.holder is not None else None
    request.level = NEXT_LEVEL[request.level]
    request.holder_node_id = parent.id
    request.holder = parent
    request.assignee_id = request.department_id = None
    request.escalations = (request.escalations or 0) + 1
    deadlines.start_accept_clock(session, request, now)
    deadlines.start_resolve_clock(session, request, now)


def _event(session, request, actor, kind, message, now, data=None, photos=None) -> RequestEvent:
    event = RequestEvent(
        id=new_id(), request_id=request.id, community_id=request.community_id, grid_id=request.grid_id,
        household_id=request.household_id, kind=kind, message=message, actor_id=actor.id if actor else None,
        actor_name=actor.display_name if actor else "", public=kind not in INTERNAL_EVENTS, data=data or {},
        photos=photos or [], created_at=now)
    session.add(event)
    session.flush()  # one flush per event: versions follow the order of the steps
    return event


# --- the sweep's steps (backend/requests/sweep.py) ----------------------------------

def mark_overdue(session, request, stage: str, due, now) -> RequestEvent:
    request.overdue = True
    request.overdue_stage = stage
    request.updated_at = now
    return _event(session, request, None, "overdue", "", now,
                  data={"stage": stage, "due_at": due.isoformat(), "level": request.level})


def auto_escalate(session, request, now) -> RequestEvent:
    from_status, from_level = request.status, request.level
    _escalate(session, request, now)
    request.status = "escalated"
    request.updated_at = now
    return _event(session, request, None, "auto_escalated", "", now,
                  data={"from_status": from_status, "to_status": "escalated", "from_level": from_level,
                        "level": request.level, "holder_node_id": request.holder_node_id})


def auto_close(session, request, now) -> RequestEvent:
    request.status = "closed"
    request.closed_at = request.updated_at = now
    return _event(session, request, None, "closed", "", now,
                  data={"from_status": "resolved", "to_status": "closed", "reason": "not_rated"})


# --- reading -------------------------------------------------------------------------

def visible_requests(session, user):
    """A select() of the requests the user may read (add filters and order to it)."""
    return select(Request).where(request_policy.request_filter(user))


def timeline(session, user, request) -> list[RequestEvent]:
    """The request's events the user may see, oldest first."""
    query = select(RequestEvent).where(RequestEvent.request_id == request.id)
    if user.role == "resident":
        query = query.where(RequestEvent.public.is_(True))
    return list(session.scalars(query.order_by(RequestEvent.created_at, RequestEvent.version)))


def requester_phone(request) -> str | None:
    """The contact phone in clear: the caller checks `policy.can(user, "reveal", request)` and audits."""
    return sensitive.decrypt(request.requester_phone_enc)


def _metres(a: dict, b: dict) -> float:
    lat1, lng1, lat2, lng2 = map(math.radians, (a["lat"], a["lng"], b["lat"], b["lng"]))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2
    return 2 * 6371000 * math.asin(math.sqrt(h))


# The merge suggestions are bounded so they cannot list a community's requests:
# a radius and a number of suggestions past which asking for more changes
# nothing, a box around the request read in SQL, and at most so many candidates.
DUPLICATE_RADIUS_M = (1, 1000)
DUPLICATE_LIMIT = (1, 10)
DUPLICATE_SCAN = 200
METRES_PER_DEGREE = 111_320


def _coordinates(location) -> tuple[float, float] | None:
    try:
        lat, lng = float(location["lat"]), float(location["lng"])
    except (TypeError, KeyError, ValueError):
        return None
    return (lat, lng) if math.isfinite(lat) and math.isfinite(lng) else None


def nearby_duplicates(session, request, radius_m: int = 300, limit: int = 5,
                      actor=None) -> list[tuple[Request, int]]:
    """Open requests of the same category and community within `radius_m` metres of this
    one (at most 1 km), nearest first, as (request, metres), at most `limit` (at most 10),
    of those `actor` may read. None without a location."""
    here = _coordinates(request.location) if request.location else None
    if here is None:
        return []
    radius_m = min(max(int(radius_m), DUPLICATE_RADIUS_M[0]), DUPLICATE_RADIUS_M[1])
    limit = min(max(int(limit), DUPLICATE_LIMIT[0]), DUPLICATE_LIMIT[1])
    d_lat = radius_m / METRES_PER_DEGREE
    d_lng = d_lat / max(math.cos(math.radians(here[0])), 0.01)
    lat, lng = Request.location["lat"].as_float(), Request.location["lng"].as_float()
    query = select(Request).where(Request.community_id == request.community_id, Request.category == request.category,
                                  Request.status.in_(OPEN_STATES), Request.id != request.id,
                                  lat.between(here[0] - d_lat, here[0] + d_lat),
                                  lng.between(here[1] - d_lng, here[1] + d_lng))
    if actor is not None:
        query = query.where(request_policy.request_filter(actor))
    query = query.order_by(Request.created_at.desc(), Request.id).limit(DUPLICATE_SCAN)
    found = []
    for other in session.scalars(query):
        there = _coordinates(other.location or {})
        if there is None:
            continue
        distance = _metres({"lat": here[0], "lng": here[1]}, {"lat": there[0], "lng": there[1]})
        if distance <= radius_m:
            found.append((other, round(distance)))
    found.sort(key=lambda pair: (pair[1], pair[0].created_at))
    return found[:limit]


# --- the office: the requester's phone, time limits, departments, reply templates ----

def reveal_requester_phone(session, actor, request, address: str | None = None) -> str:
    """The requester's phone in clear for those who may (policy REVEAL); the look is
    audited like every sensitive field. The caller commits."""
    from backend.audit import services as audit

    if not policy.can(actor, policy.REVEAL, request):
        raise Refused()
    audit.record(actor, "reveal", "request", request.id, {"field": "requester_phone"}, address)
    return requester_phone(request) or ""


TIME_LIMIT_BOUNDS = {"accept_hours": (1, 720), "resolve_days": (1, 60)}


def time_limits_of(session, community) -> list[tuple[RequestCategory, TimeLimit | None]]:
    """Every active category with the community's own limits for it (None: the defaults apply)."""
    overrides = {t.category_code: t for t in session.scalars(select(TimeLimit).where(
        TimeLimit.community_id == community.id))}
    return [(category, overrides.get(category.code)) for category in categories(session)]


def departments_serving(session, node) -> list[Department]:
    """Active departments serving the node or a node above it (nearest first)."""
    chain = []
    while node is not None and len(chain) < 10:
        chain.append(node.id)
        node = node.parent
    if not chain:
        return []
    rank = {node_id: index for index, node_id in enumerate(chain)}
    found = session.scalars(select(Department).where(Department.node_id.in_(chain), Department.active.is_(True)))
    return sorted(found, key=lambda d: (rank[d.node_id], d.name))


def dispatch_catalogue_of(session, community) -> list[tuple[RequestCategory, CatalogueEntry | None]]:
    """Every active category with the department the community's catalogue names for it (or None)."""
    entries = {e.category_code: e for e in session.scalars(select(CatalogueEntry).where(
        CatalogueEntry.community_id == community.id))}
    return [(category, entries.get(category.code)) for category in categories(session)]


def save_dispatch_catalogue(session, actor, community, form: dict) -> int:
    """Set the community's dispatch catalogue (派单目录) from fields `department_<code>`: the id of
    an active department serving the community (or a street or district above it), or empty for
    none. Returns how many categories have a department. Flushes."""
    if not request_policy.can_keep_request_settings(actor, community):
        raise Refused()
    serving = {d.id: d for d in departments_serving(session, community)}
    errors, wanted = {}, {}
    for category, _entry in dispatch_catalogue_of(session, community):
        key = f"department_{category.code}"
        chosen = str(form.get(key) or "").strip()
        if chosen and chosen not in serving:
            errors[key] = [_l("Choose a department serving this community.")]
        wanted[category.code] = chosen or None
    if errors:
        raise Invalid(errors)
    for code, department_id in wanted.items():
        entry = session.scalar(select(CatalogueEntry).where(CatalogueEntry.community_id == community.id,
                                                            CatalogueEntry.category_code == code))
        if department_id is None:
            if entry is not None:
                session.delete(entry)
            continue
        if entry is None:
            entry = CatalogueEntry(id=new_id(), community_id=community.id, category_code=code)
            session.add(entry)
        entry.department_id = department_id
    session.flush()
    return sum(1 for department_id in wanted.values() if department_id)


def catalogue_department(session, request) -> Department | None:
    """The department the community's catalogue names for the request's category, if it is
    active and serves whoever holds the request now (a dispatch to it would be accepted)."""
    department_id = session.scalar(select(CatalogueEntry.department_id).where(
        CatalogueEntry.community_id == request.community_id, CatalogueEntry.category_code == request.category))
    if department_id is None:
        return None
    return next((d for d in departments_serving(session, request.holder) if d.id == department_id), None)


def save_time_limits(session, actor, community, form: dict) -> int:
    """Set a community's time limits from fields `accept_hours_<code>` and `resolve_days_<code>`
    (whole numbers; both empty: the category's defaults). New limits apply to the clocks started
    from now on. Returns how many categories have limits of their own. Flushes."""
    if not request_policy.can_keep_request_settings(actor, community):
        raise Refused()
    errors, wanted = {}, {}
    for category, _override in time_limits_of(session, community):
        values = {}
        for name, (low, high) in TIME_LIMIT_BOUNDS.items():
            key = f"{name}_{category.code}"
            raw = str(form.get(key) or "").strip()
            if not raw:
                values[name] = None
                continue
            try:
                number = int(raw)
            except ValueError:
                errors[key] = [_l("A whole number.")]
                continue
            if not low <= number <= high:
                errors[key] = [_("Between %(low)d and %(high)d.", low=low, high=high)]
                continue
            values[name] = number
        wanted[category] = values
    if errors:
        raise Invalid(errors)
    own = 0
    for category, values in wanted.items():
        override = session.scalar(select(TimeLimit).where(TimeLimit.community_id == community.id,
                                                          TimeLimit.category_code == category.code))
        if values.get("accept_hours") is None and values.get("resolve_days") is None:
            if override is not None:
                session.delete(override)
            continue
        if override is None:
            override = TimeLimit(community_id=community.id, category_code=category.code)
            session.add(override)
        override.accept_hours = values.get("accept_hours") or category.accept_hours
        override.resolve_days = values.get("resolve_days") or category.resolve_days
        own += 1
    session.flush()
    return own


def add_department(session, actor, node, name: str, contact: str = "") -> Department:
    """A partner department serving `node` (a street, district or community). Flushes."""
    if not request_policy.can_keep_department(actor, node):
        raise Refused()
    name, contact = (name or "").strip(), (contact or "").strip()
    errors = {}
    if not name:
        errors["name"] = [_l("Give the department's name.")]
    elif len(name) > 100:
        errors["name"] = [_("At most %(n)d characters.", n=100)]
    if len(contact) > 200:
        errors["contact"] = [_("At most %(n)d characters.", n=200)]
    if errors:
        raise Invalid(errors)
    department = Department(id=new_id(), node_id=node.id, name=name, contact=contact, active=True,
                            created_at=utcnow())
    session.add(department)
    session.flush()
    return department


def retire_department(session, actor, department) -> None:
    """No more dispatches to it; requests it already holds keep it. Flushes."""
    if not request_policy.can_keep_department(actor, department.node):
        raise Refused()
    department.active = False
    session.flush()


def reply_templates(session, community_id: str | None) -> list:
    if not community_id:
        return []
    return list(session.scalars(select(ReplyTemplate).where(ReplyTemplate.community_id == community_id)
                                .order_by(ReplyTemplate.sort_order, ReplyTemplate.title, ReplyTemplate.id)))


def _reply_template_fields(title: str, body: str) -> tuple[str, str]:
    """The title and reply, trimmed and checked; Invalid names the field at fault."""
    title, body = (title or "").strip(), (body or "").strip()
    errors = {}
    if not title:
        errors["title"] = [_l("Give the template a short title.")]
    elif len(title) > 60:
        errors["title"] = [_("At most %(n)d characters.", n=60)]
    if not body:
        errors["body"] = [_l("Write the reply.")]
    elif len(body) > 2000:
        errors["body"] = [_("At most %(n)d characters.", n=2000)]
    if errors:
        raise Invalid(errors)
    return title, body


def add_reply_template(session, actor, community, title: str, body: str):
    """A ready answer for the community's reply forms. Flushes."""
    if not request_policy.can_keep_request_settings(actor, community):
        raise Refused()
    title, body = _reply_template_fields(title, body)
    count = len(reply_templates(session, community.id))
    template = ReplyTemplate(id=new_id(), community_id=community.id, title=title, body=body,
                             sort_order=(count + 1) * 10, created_by_id=actor.id, created_at=utcnow())
    session.add(template)
    session.flush()
    return template


def edit_reply_template(session, actor, template, title: str, body: str):
    """A template's new title and reply; replies sent with it earlier keep their text. Flushes."""
    if not request_policy.can_keep_request_settings(actor, template.community):
        raise Refused()
    template.title, template.body = _reply_template_fields(title, body)
    session.flush()
    return template


def delete_reply_template(session, actor, template) -> None:
    if not request_policy.can_keep_request_settings(actor, template.community):
        raise Refused()
    session.delete(template)
    session.flush()
