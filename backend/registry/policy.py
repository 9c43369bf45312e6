"""Who may read, change, retire and reveal households and residents, and who
sees sensitive care tags. Field records (visits, visit tasks, patrol reports)
are read like the registry of their grid: their rule is here too, and the
visits and patrols areas register it for their models. Asked through the one
`policy.can` (backend/auth/policy.py), which loads RULES."""

from sqlalchemy import false, select, true

from backend.auth.policy import CHANGE, READ, RETIRE, REVEAL, active, area_paths, can, path_condition, within
from backend.org.models import Node
from backend.registry.models import Household, Resident

# Who keeps the household registry (and may reveal sensitive fields).
REGISTRY_KEEPERS = {"admin", "community_staff", "grid_worker", "station_operator"}
# Retiring a household or a resident (moved away, deceased) is a staff decision.
REGISTRY_RETIRERS = {"admin", "community_staff", "station_operator"}
# Street and district officers see the registry of their area, read-only,
# without sensitive fields or sensitive care tags.
REGISTRY_READERS = REGISTRY_KEEPERS | {"district_officer", "street_officer"}
# Who reads and writes staff notes: the community's office and the grid's workers.
NOTE_READERS = REGISTRY_KEEPERS


def can_household(user, verb, household: Household, resident: bool = False) -> bool:
    if household is None:
        return False
    if user.role == "resident":
        return verb == READ and user.household_id == household.id
    return _can_household_at(user, verb, household.grid.path if household.grid is not None else "")


def can_resident(user, verb, resident: Resident) -> bool:
    return can_household(user, verb, resident.household, resident=True)


def households_allowed(user, verb: str, households) -> set[str]:
    """The ids among (household id, its grid's path) pairs for which
    `can(user, verb, household)` holds, without loading the households: the
    sync engine asks it of hundreds of households a push, read in one query."""
    if not active(user):
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
    if not within(grid_path, area_paths(user) if prefixes is None else prefixes):
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
    return user.role in REGISTRY_KEEPERS and within(grid.path, area_paths(user))


def sees_sensitive_tags(user, household: Household | None = None) -> bool:
    if user.role not in REGISTRY_KEEPERS:
        return False
    return household is None or can(user, REVEAL, household)


def sees_staff_notes(user, household: Household | None = None) -> bool:
    """Staff notes (`notes` of households and residents, and of visits) are the
    working remarks of the community's office and the grid's workers: they
    never reach a resident, and officers above the community (street,
    district) do not need them either (docs/PRIVACY.md, "Staff notes")."""
    if user is None or not active(user) or user.role not in NOTE_READERS:
        return False
    return household is None or can(user, READ, household)


def household_filter(user):
    if user is None or not active(user):
        return false()
    if user.role == "resident":
        return Household.id == user.household_id if user.household_id else false()
    if user.role not in REGISTRY_READERS:
        return false()
    prefixes = area_paths(user)
    if "/" in prefixes:
        return true()
    grids = select(Node.id).where(Node.kind == "grid", path_condition(Node.path, prefixes))
    return Household.grid_id.in_(grids)


# --- field records: visits, visit tasks, patrol reports ----------------------------

def can_work_in_grid(user, grid: Node) -> bool:
    """May the user record field work (visits, patrol reports) in this grid?"""
    return can_place_household(user, grid)


def can_field_record(user, verb, record) -> bool:
    """Visits, visit tasks and patrol reports: staff and workers of the grid
    they belong to. Append-only: nobody changes them."""
    if verb != READ or user.role not in REGISTRY_READERS:
        return False
    grid_path = record.grid.path if record.grid is not None else ""
    return within(grid_path, area_paths(user))


def grid_record_filter(user, model):
    """Condition on a record placed in a grid (visits, visit tasks, patrol
    reports) for those a user may read: the same rule as `can`."""
    if user is None or user.status != "active" or not user.is_active or user.role not in REGISTRY_READERS:
        return false()
    prefixes = area_paths(user)
    if "/" in prefixes:
        return true()
    grids = select(Node.id).where(Node.kind == "grid", path_condition(Node.path, prefixes))
    return model.grid_id.in_(grids)


RULES = {
    Household: can_household,
    Resident: can_resident,
}
