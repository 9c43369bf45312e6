"""Who may read a request (接诉即办) and its events, act on it, raise one,
receive one, and keep the request office's settings and partner departments.
Asked through the one `policy.can` (backend/auth/policy.py), which loads RULES.

Reading: residents their household's requests (and those they raised);
grid workers their grids'; station operators, community staff, street and
district officers every request of the communities in their area; admin all.
Acting: `can_act_on_request` says whether the user's role and place allow an
action; the state machine (backend/requests/machine.py) says whether the
request's state does."""

from sqlalchemy import false, select, true

from backend.auth.policy import CHANGE, READ, REVEAL, active, area_paths, can, path_condition, within
from backend.org.models import Node
from backend.registry.policy import REGISTRY_KEEPERS
from backend.requests import machine
from backend.requests.machine import HOLDER, HOLDER_OR_ASSIGNEE, REOPENER, REQUESTER, WITHDRAWER, WORKER
from backend.requests.models import Request, RequestEvent

# Who holds a request at each level.
LEVEL_ROLE = {"community": "community_staff", "street": "street_officer", "district": "district_officer"}
# Roles reading every request of the communities in their area.
REQUEST_AREA_READERS = {"community_staff", "street_officer", "district_officer", "station_operator"}
# Roles raising a request on behalf of a resident (with the resident's consent).
ON_BEHALF_CREATORS = machine.ON_BEHALF_CREATORS
# Roles a request may be dispatched to (inside the request's scope).
ASSIGNEE_ROLES = {"grid_worker", "community_staff"}

# action -> who may do it, from the state machine's table (backend/requests/machine.py);
# the request's state is the state machine's business.
REQUEST_ACTORS = machine.ACTORS

# The office pages of requests (inbox, request pages): the roles that read requests
# of whole communities. Grid workers handle theirs in the field app.
REQUEST_OFFICE_ROLES = ("admin", "district_officer", "street_officer", "community_staff", "station_operator")
# Who sets a community's time limits and keeps its reply templates: its staff and the offices above.
REQUEST_SETTINGS_KEEPERS = {"admin", "district_officer", "street_officer", "community_staff"}
# Who adds and retires partner departments (of the streets, districts and communities in their area).
DEPARTMENT_KEEPERS = {"admin", "district_officer", "street_officer"}
DEPARTMENT_NODE_KINDS = ("district", "street", "community")


# --- the records: `can` asks these ---------------------------------------------------

def can_request(user, verb, request: Request) -> bool:
    if verb == REVEAL:  # the requester's phone: those who keep the registry
        return user.role in REGISTRY_KEEPERS and can_read_request(user, request)
    return verb == READ and can_read_request(user, request)


def can_request_event(user, verb, event: RequestEvent) -> bool:
    return verb == READ and (event.public or user.role != "resident") and can_read_request(user, event.request)


def can_read_request(user, request) -> bool:
    if request is None:
        return False
    if user.role == "admin":
        return True
    if user.role == "resident":
        return (request.household_id is not None and request.household_id == user.household_id) \
            or request.requester_id == user.id
    if user.role == "grid_worker":
        return request.grid is not None and within(request.grid.path, area_paths(user))
    if user.role in REQUEST_AREA_READERS:
        return request.community is not None and within(request.community.path, area_paths(user))
    return False


def request_filter(user):
    """Condition on Request for those the user may read: the same rule as `can`."""
    if user is None or not active(user):
        return false()
    if user.role == "admin":
        return true()
    if user.role == "resident":
        mine = Request.requester_id == user.id
        return (Request.household_id == user.household_id) | mine if user.household_id else mine
    prefixes = area_paths(user)
    if user.role == "grid_worker":
        grids = select(Node.id).where(Node.kind == "grid", path_condition(Node.path, prefixes))
        return Request.grid_id.in_(grids)
    if user.role in REQUEST_AREA_READERS:
        communities = select(Node.id).where(Node.kind == "community", path_condition(Node.path, prefixes))
        return Request.community_id.in_(communities)
    return false()


# --- acting on a request ---------------------------------------------------------------

def is_request_holder(user, request) -> bool:
    """Staff of the node holding the request at its level (community staff for
    a community, the street officer for a street, …), or admin."""
    if not active(user) or not can_read_request(user, request):
        return False
    if user.role == "admin":
        return True
    if LEVEL_ROLE.get(request.level) != user.role or request.holder is None:
        return False
    return within(request.holder.path, area_paths(user))


def is_requester_side(user, request) -> bool:
    """The resident the request is for: its requester (not on behalf), or a resident of its household."""
    if not active(user) or user.role != "resident":
        return False
    if request.household_id is not None and request.household_id == user.household_id:
        return True
    return request.requester_id == user.id and not request.on_behalf


def can_act_on_request(user, request, action: str) -> bool:
    """May the user's role and place do `action` to this request (whatever its state)?"""
    who = REQUEST_ACTORS.get(action)
    if who is None or not active(user) or not can_read_request(user, request):
        return False
    assignee = request.assignee_id is not None and request.assignee_id == user.id
    if who == HOLDER:
        return is_request_holder(user, request)
    if who == HOLDER_OR_ASSIGNEE:
        return is_request_holder(user, request) or assignee
    if who == WORKER:  # the assignee; the holder's staff for a department
        return assignee or (request.assignee_id is None and is_request_holder(user, request))
    if who == REQUESTER:
        return is_requester_side(user, request)
    if who == REOPENER:  # the resident; or the holder's staff, who may find the fix did not hold
        return is_requester_side(user, request) or is_request_holder(user, request)
    if who == WITHDRAWER:  # the resident; or whoever raised it on their behalf (a mistaken filing)
        return is_requester_side(user, request) or (request.on_behalf and request.requester_id == user.id)
    return False


def can_raise_request(user, household=None, grid=None) -> bool:
    """May the user raise a request for this household (or, staff only, in this grid)?"""
    if not active(user):
        return False
    if user.role == "resident":
        return household is not None and user.household_id == household.id
    if user.role not in ON_BEHALF_CREATORS:
        return False
    if household is not None:
        return can(user, CHANGE, household)
    if grid is not None and user.role in ("admin", "community_staff"):
        return grid.kind == "grid" and grid.retired_at is None and within(grid.path, area_paths(user))
    return False


def can_be_assigned(assignee, request) -> bool:
    """May a request be dispatched to this account?"""
    return assignee is not None and active(assignee) and assignee.role in ASSIGNEE_ROLES \
        and can_read_request(assignee, request)


# --- the request office ------------------------------------------------------------------

def can_use_request_office(user) -> bool:
    return active(user) and user.role in REQUEST_OFFICE_ROLES


def can_keep_request_settings(user, community: Node | None) -> bool:
    """May the user set this community's time limits and keep its reply templates?"""
    return active(user) and user.role in REQUEST_SETTINGS_KEEPERS and community is not None \
        and community.kind == "community" and community.retired_at is None \
        and within(community.path, area_paths(user))


def can_keep_department(user, node: Node | None) -> bool:
    """May the user add or retire a partner department serving this node?"""
    return active(user) and user.role in DEPARTMENT_KEEPERS and node is not None \
        and node.kind in DEPARTMENT_NODE_KINDS and node.retired_at is None and within(node.path, area_paths(user))


RULES = {
    Request: can_request,
    RequestEvent: can_request_event,
}
