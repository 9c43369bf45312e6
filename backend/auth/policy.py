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
from backend.registry.models import Household, Resident
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
    if isinstance(record, Node):
        return _can_node(user, verb, record)
    if isinstance(record, Household):
        return _can_household(user, verb, record)
    if isinstance(record, Resident):
        return _can_household(user, verb, record.household, resident=True)
    if isinstance(record, User):
        return _can_user(user, verb, record)
    if isinstance(record, FIELD_RECORDS):
        return _can_field_record(user, verb, record)
    if isinstance(record, Device):
        if verb not in (READ, MANAGE):
            return False
        return record.user_id == user.id or can(user, MANAGE, record.user)
    if isinstance(record, Open311Key):
        return verb in (READ, MANAGE) and user.role in OPEN311_KEY_MANAGERS and record.node is not None \
            and _within(record.node.path, area_paths(user))
    return False


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
    grid_path = household.grid.path if household.grid is not None else ""
    if not _within(grid_path, area_paths(user)):
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
