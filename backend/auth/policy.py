"""The one place that answers "may this user read / change this record?".

Pages, the JSON API and the sync engine all ask here; nothing else decides
access. Every staff account is scoped to nodes of the tree; a record is in
scope when its node's materialised path starts with a scope node's path.

Verbs:
- ``read``: see the record.
- ``change``: create (asked of the parent or target), edit or move it.
- ``retire``: retire it (households, residents, nodes).
- ``reveal``: see a sensitive field in clear (audited by the caller).
- ``manage``: for accounts: edit, deactivate, assign scopes, revoke devices.
"""

from sqlalchemy import false, or_, select, true

from backend.auth.models import Device, User, user_scopes
from backend.open311.models import Open311Key
from backend.org.models import Node
from backend.patrols.models import PatrolReport
from backend.ratings.models import Rating
from backend.registry.models import Household, Resident
from backend.requests import machine
from backend.requests.machine import HOLDER, HOLDER_OR_ASSIGNEE, REOPENER, REQUESTER, WITHDRAWER, WORKER
from backend.requests.models import Request, RequestEvent
from backend.visits.models import Visit, VisitTask

FIELD_RECORDS = (Visit, VisitTask, PatrolReport)

READ, CHANGE, RETIRE, REVEAL, MANAGE = "read", "change", "retire", "reveal", "manage"

# Node kinds each role may create, edit, move and retire inside its area.
NODE_KINDS_CHANGED_BY = {
    "admin": {"district", "street", "community", "grid", "building", "station"},
    "district_officer": {"street", "community", "grid", "building", "station"},
    "street_officer": {"community", "grid", "building", "station"},
    "community_staff": {"grid", "building", "station"},
}

# Who keeps the household registry (and may reveal sensitive fields).
REGISTRY_KEEPERS = {"admin", "community_staff", "grid_worker", "station_operator"}
# Retiring a household or a resident (moved away, deceased) is a staff decision.
REGISTRY_RETIRERS = {"admin", "community_staff", "station_operator"}
# Street and district officers see the registry of their area, read-only,
# without sensitive fields or sensitive care tags.
REGISTRY_READERS = REGISTRY_KEEPERS | {"district_officer", "street_officer"}

# Lower rank manages higher rank.
ROLE_RANK = {
    "admin": 0,
    "district_officer": 1,
    "street_officer": 2,
    "community_staff": 3,
    "grid_worker": 4,
    "station_operator": 4,
    "volunteer": 4,
    "resident": 5,
}
# Roles each manager may create, and which node kinds the new account is scoped to.
ROLES_CREATED_BY = {
    "admin": {"admin", "district_officer", "street_officer", "community_staff", "grid_worker",
              "station_operator", "volunteer", "resident"},
    "district_officer": {"street_officer", "community_staff", "grid_worker", "station_operator",
                         "volunteer"},
    "street_officer": {"community_staff", "grid_worker", "station_operator", "volunteer"},
    "community_staff": {"grid_worker", "station_operator", "volunteer"},
}
SCOPE_KINDS_FOR_ROLE = {
    "admin": set(),
    "district_officer": {"district"},
    "street_officer": {"street"},
    "community_staff": {"community"},
    "grid_worker": {"grid"},
    "station_operator": {"station"},
    "volunteer": {"community"},
    "resident": set(),
}


def area_paths(user) -> list[str]:
    """Path prefixes of everything the user's scope covers. Admin: the root.
    A station operator serves the village or street the station is attached to."""
    if user is None or not getattr(user, "is_active", False):
        return []
    if user.role == "admin":
        return ["/"]
    if user.role == "resident":
        return []
    paths = []
    for node in user.scope_nodes:
        if node.retired_at is not None:
            continue
        if user.role == "station_operator" and node.kind == "station":
            paths.append(node.path[: node.path.rstrip("/").rfind("/") + 1])
        else:
            paths.append(node.path)
    return paths


def _within(path: str, prefixes: list[str]) -> bool:
    return any(path.startswith(prefix) for prefix in prefixes)


def _is_ancestor_of_area(node: Node, prefixes: list[str]) -> bool:
    return any(prefix.startswith(node.path) for prefix in prefixes)


def can(user, verb: str, record) -> bool:
    """May `user` do `verb` to `record`? Unknown records are refused."""
    if user is None or not getattr(user, "is_active", False) or getattr(user, "status", "") != "active":
        return False
    for kind in type(record).__mro__:
        rule = RULES.get(kind) or AREA_RULES.get(kind)
        if rule is not None:
            return rule(user, verb, record)
    return False


# The rules an area declares in its own policy module (backend/areas.py, `Area.policy`):
# model -> rule(user, verb, record), for records this module does not know. Set by create_app.
AREA_RULES: dict = {}


def _can_resident(user, verb, resident: Resident) -> bool:
    return _can_household(user, verb, resident.household, resident=True)


def _can_request(user, verb, request: Request) -> bool:
    if verb == REVEAL:  # the requester's phone: those who keep the registry
        return user.role in REGISTRY_KEEPERS and _can_read_request(user, request)
    return verb == READ and _can_read_request(user, request)


def _can_request_event(user, verb, event: RequestEvent) -> bool:
    return verb == READ and (event.public or user.role != "resident") and _can_read_request(user, event.request)


def _can_rating(user, verb, rating: Rating) -> bool:
    return verb == READ and _can_read_rating(user, rating)


def _can_device(user, verb, device: Device) -> bool:
    if verb not in (READ, MANAGE):
        return False
    return device.user_id == user.id or can(user, MANAGE, device.user)


def _can_open311_key(user, verb, key: Open311Key) -> bool:
    return verb in (READ, MANAGE) and user.role in OPEN311_KEY_MANAGERS and key.node is not None \
        and _within(key.node.path, area_paths(user))


def _can_node(user, verb, node: Node) -> bool:
    prefixes = area_paths(user)
    if verb == READ:
        if user.role == "resident":
            return False
        # Ancestors are readable so people see where they stand in the tree.
        return _within(node.path, prefixes) or _is_ancestor_of_area(node, prefixes)
    if verb in (CHANGE, RETIRE):
        kinds = NODE_KINDS_CHANGED_BY.get(user.role, set())
        return node.kind in kinds and _within(node.path, prefixes)
    return False


def _can_field_record(user, verb, record) -> bool:
    """Visits, visit tasks and patrol reports: staff and workers of the grid
    they belong to. Append-only: nobody changes them."""
    if verb != READ or user.role not in REGISTRY_READERS:
        return False
    grid_path = record.grid.path if record.grid is not None else ""
    return _within(grid_path, area_paths(user))


def can_create_node(user, kind: str, parent: Node | None) -> bool:
    if user is None or not user.is_active:
        return False
    kinds = NODE_KINDS_CHANGED_BY.get(user.role, set())
    if kind not in kinds:
        return False
    if parent is None:
        return user.role == "admin"
    return _within(parent.path, area_paths(user))


def _can_household(user, verb, household: Household, resident: bool = False) -> bool:
    if household is None:
        return False
    if user.role == "resident":
        return verb == READ and user.household_id == household.id
    return _can_household_at(user, verb, household.grid.path if household.grid is not None else "")


def households_allowed(user, verb: str, households) -> set[str]:
    """The ids among (household id, its grid's path) pairs for which
    `can(user, verb, household)` holds, without loading the households: the
    sync engine asks it of hundreds of households a push, read in one query."""
    if user is None or not getattr(user, "is_active", False) or getattr(user, "status", "") != "active":
        return set()
    if user.role == "resident":
        return {household_id for household_id, _path in households
                if verb == READ and user.household_id == household_id}
    prefixes = area_paths(user)
    by_path: dict = {}  # the answer depends on the grid alone: asked once per grid
    allowed = set()
    for household_id, path in households:
        decision = by_path.get(path)
        if decision is None:
            decision = by_path[path] = _can_household_at(user, verb, path or "", prefixes)
        if decision:
            allowed.add(household_id)
    return allowed


def _can_household_at(user, verb, grid_path, prefixes=None) -> bool:
    """Staff and workers: by the household's grid alone."""
    if not _within(grid_path, area_paths(user) if prefixes is None else prefixes):
        return False
    if verb == READ:
        return user.role in REGISTRY_READERS
    if verb in (CHANGE, REVEAL):
        return user.role in REGISTRY_KEEPERS
    if verb == RETIRE:
        return user.role in REGISTRY_RETIRERS
    return False


def can_place_household(user, grid: Node) -> bool:
    """May the user create or move a household into this grid?"""
    if grid is None or grid.kind != "grid" or grid.retired_at is not None:
        return False
    return user.role in REGISTRY_KEEPERS and _within(grid.path, area_paths(user))


def can_work_in_grid(user, grid: Node) -> bool:
    """May the user record field work (visits, patrol reports) in this grid?"""
    return can_place_household(user, grid)


def _can_user(user, verb, other: User) -> bool:
    if other.id == user.id:
        return verb == READ
    if verb not in (READ, MANAGE):
        return False
    if user.role == "admin":
        return True
    if user.role not in ROLES_CREATED_BY:
        return False
    if ROLE_RANK[other.role] <= ROLE_RANK[user.role]:
        return False
    prefixes = area_paths(user)
    if other.role == "resident":
        if other.household is not None:
            return _within(other.household.grid.path, prefixes)
        return other.community is not None and _within(other.community.path, prefixes)
    nodes = other.scope_nodes
    return bool(nodes) and all(_within(node.path, prefixes) for node in nodes)


def sees_sensitive_tags(user, household: Household | None = None) -> bool:
    if user.role not in REGISTRY_KEEPERS:
        return False
    return household is None or can(user, REVEAL, household)


# --- query filters: lists use the same rules as `can` ----------------------

def _active(user) -> bool:
    return bool(getattr(user, "is_active", False)) and getattr(user, "status", "") == "active"


def _path_condition(column, prefixes):
    if not prefixes:
        return false()
    if "/" in prefixes:
        return true()
    return or_(*(column.startswith(prefix, autoescape=True) for prefix in prefixes))


def area_condition(user, path_column):
    """Condition: the node path lies inside the user's area (no ancestors)."""
    return _path_condition(path_column, area_paths(user))


def node_filter(user):
    """Condition on Node for the nodes a user may read (area plus ancestors)."""
    if user is None or user.role == "resident" or not _active(user):
        return false()
    prefixes = area_paths(user)
    ancestor_ids = {part for prefix in prefixes for part in prefix.strip("/").split("/") if part}
    condition = _path_condition(Node.path, prefixes)
    if ancestor_ids:
        condition = or_(condition, Node.id.in_(ancestor_ids))
    return condition


def household_filter(user):
    if user is None or not _active(user):
        return false()
    if user.role == "resident":
        return Household.id == user.household_id if user.household_id else false()
    if user.role not in REGISTRY_READERS:
        return false()
    prefixes = area_paths(user)
    if "/" in prefixes:
        return true()
    grids = select(Node.id).where(Node.kind == "grid", _path_condition(Node.path, prefixes))
    return Household.grid_id.in_(grids)


def grid_record_filter(user, model):
    """Condition on a record placed in a grid (visits, visit tasks, patrol
    reports) for those a user may read: the same rule as `can`."""
    if user is None or user.status != "active" or not user.is_active or user.role not in REGISTRY_READERS:
        return false()
    prefixes = area_paths(user)
    if "/" in prefixes:
        return true()
    grids = select(Node.id).where(Node.kind == "grid", _path_condition(Node.path, prefixes))
    return model.grid_id.in_(grids)


def user_filter(user):
    """Condition on User for accounts the user may see in the accounts list:
    exactly those `can(user, READ, account)` allows."""
    if user is None or not _active(user):
        return false()
    if user.role not in ROLES_CREATED_BY:
        return User.id == user.id
    if user.role == "admin":
        return true()
    prefixes = area_paths(user)
    inside = _path_condition(Node.path, prefixes)
    # Staff accounts: every scope node inside the area (and at least one).
    scoped_inside = select(user_scopes.c.user_id).join(Node, Node.id == user_scopes.c.node_id).where(inside)
    scoped_outside = select(user_scopes.c.user_id).join(Node, Node.id == user_scopes.c.node_id).where(~inside)
    staff = (User.role != "resident") & User.id.in_(scoped_inside) & User.id.not_in(scoped_outside)
    # Residents: by their household's grid once linked, else by the community they registered with.
    homes = select(Household.id).join(Node, Node.id == Household.grid_id).where(inside)
    residents = (User.role == "resident") & (
        User.household_id.in_(homes)
        | (User.household_id.is_(None) & User.community_id.in_(select(Node.id).where(inside)))
    )
    lower = [role for role, rank in ROLE_RANK.items() if rank > ROLE_RANK[user.role]]
    return or_(User.id == user.id, User.role.in_(lower) & (staff | residents))


# --- requests answered fast (接诉即办) ------------------------------------------
#
# Reading: residents their household's requests (and those they raised);
# grid workers their grids'; station operators, community staff, street and
# district officers every request of the communities in their area; admin all.
# Acting: `can_act_on_request` says whether the user's role and place allow an
# action; the state machine (backend/requests/services.py) says whether the
# request's state does.

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


def _can_read_request(user, request) -> bool:
    if request is None:
        return False
    if user.role == "admin":
        return True
    if user.role == "resident":
        return (request.household_id is not None and request.household_id == user.household_id) \
            or request.requester_id == user.id
    if user.role == "grid_worker":
        return request.grid is not None and _within(request.grid.path, area_paths(user))
    if user.role in REQUEST_AREA_READERS:
        return request.community is not None and _within(request.community.path, area_paths(user))
    return False


def _can_read_rating(user, rating) -> bool:
    if user.role == "admin":
        return True
    if user.role == "resident":
        return (rating.household_id is not None and rating.household_id == user.household_id) \
            or rating.rater_id == user.id
    if user.role == "grid_worker":
        return rating.grid is not None and _within(rating.grid.path, area_paths(user))
    if user.role in REQUEST_AREA_READERS:
        return rating.community is not None and _within(rating.community.path, area_paths(user))
    return False


def is_request_holder(user, request) -> bool:
    """Staff of the node holding the request at its level (community staff for
    a community, the street officer for a street, …), or admin."""
    if not _active(user) or not _can_read_request(user, request):
        return False
    if user.role == "admin":
        return True
    if LEVEL_ROLE.get(request.level) != user.role or request.holder is None:
        return False
    return _within(request.holder.path, area_paths(user))


def is_requester_side(user, request) -> bool:
    """The resident the request is for: its requester (not on behalf), or a resident of its household."""
    if not _active(user) or user.role != "resident":
        return False
    if request.household_id is not None and request.household_id == user.household_id:
        return True
    return request.requester_id == user.id and not request.on_behalf


def can_act_on_request(user, request, action: str) -> bool:
    """May the user's role and place do `action` to this request (whatever its state)?"""
    who = REQUEST_ACTORS.get(action)
    if who is None or not _active(user) or not _can_read_request(user, request):
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
    if not _active(user):
        return False
    if user.role == "resident":
        return household is not None and user.household_id == household.id
    if user.role not in ON_BEHALF_CREATORS:
        return False
    if household is not None:
        return can(user, CHANGE, household)
    if grid is not None and user.role in ("admin", "community_staff"):
        return grid.kind == "grid" and grid.retired_at is None and _within(grid.path, area_paths(user))
    return False


def can_be_assigned(assignee, request) -> bool:
    """May a request be dispatched to this account?"""
    return assignee is not None and _active(assignee) and assignee.role in ASSIGNEE_ROLES \
        and _can_read_request(assignee, request)


def request_filter(user):
    """Condition on Request for those the user may read: the same rule as `can`."""
    if user is None or not _active(user):
        return false()
    if user.role == "admin":
        return true()
    if user.role == "resident":
        mine = Request.requester_id == user.id
        return (Request.household_id == user.household_id) | mine if user.household_id else mine
    prefixes = area_paths(user)
    if user.role == "grid_worker":
        grids = select(Node.id).where(Node.kind == "grid", _path_condition(Node.path, prefixes))
        return Request.grid_id.in_(grids)
    if user.role in REQUEST_AREA_READERS:
        communities = select(Node.id).where(Node.kind == "community", _path_condition(Node.path, prefixes))
        return Request.community_id.in_(communities)
    return false()

# The office pages of requests (inbox, request pages): the roles that read requests
# of whole communities. Grid workers handle theirs in the field app.
REQUEST_OFFICE_ROLES = ("admin", "district_officer", "street_officer", "community_staff", "station_operator")
# Who sets a community's time limits and keeps its reply templates: its staff and the offices above.
REQUEST_SETTINGS_KEEPERS = {"admin", "district_officer", "street_officer", "community_staff"}
# Who adds and retires partner departments (of the streets, districts and communities in their area).
DEPARTMENT_KEEPERS = {"admin", "district_officer", "street_officer"}
DEPARTMENT_NODE_KINDS = ("district", "street", "community")


def can_use_request_office(user) -> bool:
    return _active(user) and user.role in REQUEST_OFFICE_ROLES


# The working calendar (public holidays, make-up working days) is one for the deployment,
# as the State Council's schedule is one for the country: administrators keep it, and
# everyone in the request office reads it.
CALENDAR_KEEPERS = {"admin"}


def can_keep_calendar(user) -> bool:
    return _active(user) and user.role in CALENDAR_KEEPERS


def can_keep_request_settings(user, community: Node | None) -> bool:
    """May the user set this community's time limits and keep its reply templates?"""
    return _active(user) and user.role in REQUEST_SETTINGS_KEEPERS and community is not None \
        and community.kind == "community" and community.retired_at is None \
        and _within(community.path, area_paths(user))


def can_keep_department(user, node: Node | None) -> bool:
    """May the user add or retire a partner department serving this node?"""
    return _active(user) and user.role in DEPARTMENT_KEEPERS and node is not None \
        and node.kind in DEPARTMENT_NODE_KINDS and node.retired_at is None and _within(node.path, area_paths(user))


# --- Open311 keys --------------------------------------------------------------

# Who issues and revokes Open311 API keys, for the areas they serve.
OPEN311_KEY_MANAGERS = {"admin", "district_officer", "street_officer", "community_staff"}
# A key files requests into a community, or a street or district (naming a community inside).
OPEN311_KEY_NODE_KINDS = ("district", "street", "community")


def can_issue_open311_key(user, node: Node | None) -> bool:
    if user is None or not _active(user) or user.role not in OPEN311_KEY_MANAGERS:
        return False
    if node is None or node.kind not in OPEN311_KEY_NODE_KINDS or node.retired_at is not None:
        return False
    return _within(node.path, area_paths(user))


def can_file_open311_request(issuer, community: Node | None) -> bool:
    """May a request relayed by a key this user issued go to this community?
    While the issuer is active and the community lies in their area."""
    return community is not None and community.kind == "community" and can_issue_open311_key(issuer, community)


def open311_key_filter(user):
    """Condition on Open311Key for the keys a user may see and revoke."""
    if user is None or not _active(user) or user.role not in OPEN311_KEY_MANAGERS:
        return false()
    nodes = select(Node.id).where(_path_condition(Node.path, area_paths(user)))
    return Open311Key.node_id.in_(nodes)


def open311_key_covers(key: Open311Key, community: Node | None) -> bool:
    """May requests of this key go to (and be read from) this community? A
    live community inside the key's area."""
    return (community is not None and community.kind == "community" and community.retired_at is None
            and key.node is not None and community.path.startswith(key.node.path))


# The rule `can` asks for each kind of record (looked up along the record's classes).
RULES = {
    Node: _can_node,
    Household: _can_household,
    Resident: _can_resident,
    User: _can_user,
    **{model: _can_field_record for model in FIELD_RECORDS},
    Request: _can_request,
    RequestEvent: _can_request_event,
    Rating: _can_rating,
    Device: _can_device,
    Open311Key: _can_open311_key,
}
