"""A user's replication scope, as partitions of community spaces.

A partition is (space, kind, key): kind "all" is a whole community, "grid"
one grid of it, "household" one household; "public" the community's records
shared with its residents, "street" a community's records shared with the
whole street (served to the residents of the street's other communities),
"user" the records of a community naming one user (docs/SYNC.md, "Partition
kinds"). Derived from the same scope nodes the central authorization
(backend/auth/policy.py) reads, and tested to deliver exactly what
`policy.can(user, "read", record)` allows."""

import hashlib
from dataclasses import dataclass

from sqlalchemy import select

from backend.auth import policy
from backend.org.models import Node
from backend.registry import policy as registry_policy

KINDS = ("all", "grid", "household", "public", "street", "user")


@dataclass(frozen=True, order=True)
class Partition:
    space: str
    kind: str
    key: str = ""

    def __str__(self) -> str:
        return f"{self.space}:{self.kind}:{self.key}"

    @classmethod
    def parse(cls, text: str) -> "Partition":
        space, kind, key = text.split(":", 2)
        if kind not in KINDS:
            raise ValueError(kind)
        return cls(space, kind, key)


def partitions(session, user) -> list[Partition]:
    if user is None or not user.is_active or user.status != "active":
        return []
    if user.role in ("resident", "volunteer"):
        if not user.household_id or user.household is None:
            return []  # a volunteer without a home: nothing, as in version 1
        return _neighbourhood(session, user)
    if user.role not in registry_policy.REGISTRY_READERS:
        return []
    if user.role == "grid_worker":
        grids = [n for n in user.scope_nodes if n.kind == "grid" and n.retired_at is None]
        return sorted(Partition(g.parent_id, "grid", g.id) for g in grids)
    prefixes = policy.area_paths(user)
    if not prefixes:
        return []
    query = select(Node.id).where(Node.kind == "community", policy.path_condition(Node.path, prefixes))
    return sorted(Partition(space, "all") for space in session.scalars(query))


def _neighbourhood(session, user) -> list[Partition]:
    """A resident's partitions: for their own community C, their household (a
    resident's only: the registry's policy lets a volunteer read no household),
    C's public records and those naming them; for every other live community N
    of C's street, N's street-shared records and those naming them."""
    own = user.household.community_id
    parts = [Partition(own, "public"), Partition(own, "user", user.id)]
    if user.role == "resident":
        parts.append(Partition(own, "household", user.household_id))
    street = select(Node.parent_id).where(Node.id == own).scalar_subquery()
    neighbours = session.scalars(select(Node.id).where(Node.kind == "community", Node.parent_id == street,
                                                       Node.id != own, Node.retired_at.is_(None)))
    for neighbour in neighbours:
        parts += [Partition(neighbour, "street"), Partition(neighbour, "user", user.id)]
    return sorted(parts)


def fingerprint(parts) -> str:
    return hashlib.sha256("|".join(map(str, sorted(parts))).encode()).hexdigest()[:16]


def sees_sensitive(user) -> bool:
    return registry_policy.sees_sensitive_tags(user)


def sees_notes(user) -> bool:
    """Staff notes reach the devices of the community's staff and the grid's workers only."""
    return registry_policy.sees_staff_notes(user)


# What a role's records hold on its devices: its "view". When a field leaves a
# role's records (staff notes left residents' and officers' in view 2), the
# role's number goes up: a cursor made under an older view is answered with
# `reset: true` and a fresh pull, so devices drop the records they hold and
# receive them without the field (docs/SYNC.md, "Views"). Roles not listed are
# at view 1; their cursors carry none and stay good.
VIEWS = {"resident": 2, "street_officer": 2, "district_officer": 2}


def view(user) -> int:
    return VIEWS.get(user.role, 1)
