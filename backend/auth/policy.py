"""The one place that answers "may this user read / change this record?".

Pages, the JSON API and the sync engine all ask `can(user, verb, record)`;
nothing else decides access. This module is the core: the verbs, the scope
of an account (the paths of the nodes it serves), the helpers every area's
rules are written with, and the rules for accounts and devices. Each area
keeps its own rules in its `policy` module (`backend/<area>/policy.py`,
named by `Area.policy`), exporting `RULES = {Model: rule(user, verb, record)}`
and the helpers its services, API, pages and sync module ask; create_app
loads every area's RULES into AREA_RULES, and `can` looks a record's class up
there. The core imports no area's models: every area may import it.

Every staff account is scoped to nodes of the tree; a record is in scope
when its node's materialised path starts with a scope node's path.

Verbs:
- ``read``: see the record.
- ``change``: create (asked of the parent or target), edit or move it.
- ``retire``: retire it (households, residents, nodes).
- ``reveal``: see a sensitive field in clear (audited by the caller).
- ``manage``: for accounts: edit, deactivate, assign scopes, revoke devices.
"""


from sqlalchemy import false, or_, true

from backend.auth.models import Device, User

READ, CHANGE, RETIRE, REVEAL, MANAGE = "read", "change", "retire", "reveal", "manage"

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


# --- the one entry point ---------------------------------------------------------

def can(user, verb: str, record) -> bool:
    """May `user` do `verb` to `record`? Unknown records are refused."""
    if not active(user):
        return False
    for kind in type(record).__mro__:
        rule = RULES.get(kind) or AREA_RULES.get(kind)
        if rule is not None:
            return rule(user, verb, record)
    return False


# The rules the areas declare in their own policy modules (backend/areas.py, `Area.policy`):
# model -> rule(user, verb, record). Set by create_app.
AREA_RULES: dict = {}


# --- scope: the helpers every area's rules are written with ------------------------

def active(user) -> bool:
    """An account that may do anything at all: active, and not pending or rejected."""
    return bool(getattr(user, "is_active", False)) and getattr(user, "status", "") == "active"


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


def within(path: str, prefixes: list[str]) -> bool:
    """Does this node path lie inside one of these area paths?"""
    return any(path.startswith(prefix) for prefix in prefixes)


def path_condition(column, prefixes):
    """The query twin of `within`: a condition that a path column lies inside these area paths."""
    if not prefixes:
        return false()
    if "/" in prefixes:
        return true()
    return or_(*(column.startswith(prefix, autoescape=True) for prefix in prefixes))


def area_condition(user, path_column):
    """Condition: the node path lies inside the user's area (no ancestors)."""
    return path_condition(path_column, area_paths(user))


# --- accounts and devices ----------------------------------------------------------

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
            return within(other.household.grid.path, prefixes)
        return other.community is not None and within(other.community.path, prefixes)
    nodes = other.scope_nodes
    return bool(nodes) and all(within(node.path, prefixes) for node in nodes)


def _can_device(user, verb, device: Device) -> bool:
    if verb not in (READ, MANAGE):
        return False
    return device.user_id == user.id or can(user, MANAGE, device.user)


# The rule `can` asks for each kind of record the core knows (looked up along the record's classes).
RULES = {
    User: _can_user,
    Device: _can_device,
}


# --- moved to the areas' policy modules ----------------------------------------------
#
