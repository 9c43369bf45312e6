"""Placement: where a synced record lives (a community, a grid, a household…),
declared once on its model and kept by one service (backend/org/placement/services.py).

A model that lives somewhere says so in its class body:

    __placement__ = Placement(Household, via="household_id")

`parent` is the model it hangs under (its class, or its name where importing
it would make a loop: a rating names "Request"), or a node kind of the tree
(BUILDING, GRID, COMMUNITY); `via` is the column naming that parent. The record's other
placement columns (PLACEMENT_COLUMNS it has besides `via`) are copied from the
parent: a model parent gives its own placement columns, a node gives the ids of
itself and its ancestors by kind (a building: building_id, grid_id,
community_id). A record that may hang in several ways lists its placements in
order: the first whose `via` is set (and whose `when` holds) is its place:

    __placement__ = (Placement(Household, via="household_id"),
                     Placement(GRID, via="grid_id"),
                     Placement(COMMUNITY, via="community_id"))

`when` is {column: value} the record must match (a rating places under a
request only when its target_type is "request"). `after` names a function,
"module:function", called as function(session, records) with the records
whose placement changed and those whose tree above changed (a request's
holder at street level follows its community to another street).

Nothing but the placement service writes placement columns of a record that
exists: the guard installed here refuses it (tests/backend/org/placement/test_init.py)."""

import contextlib
import contextvars
from dataclasses import dataclass, field

from sqlalchemy import event, inspect
from sqlalchemy.orm import Mapper

BUILDING, GRID, COMMUNITY = "building", "grid", "community"
NODE_KINDS = (COMMUNITY, GRID, BUILDING)
# The columns that say where a synced record lives.
PLACEMENT_COLUMNS = ("community_id", "grid_id", "building_id", "household_id")


@dataclass(frozen=True)
class Placement:
    parent: object  # a model class or its name ("Request"), or one of NODE_KINDS
    via: str
    when: dict = field(default_factory=dict)
    after: str | None = None

    @property
    def on_node(self) -> bool:
        return self.parent in NODE_KINDS


def placements_of(model) -> tuple[Placement, ...]:
    declared = getattr(model, "__placement__", None)
    if declared is None:
        return ()
    return declared if isinstance(declared, tuple) else (declared,)


class PlacementWrite(RuntimeError):
    """A placement column of an existing record written outside the placement service."""


_MOVING = contextvars.ContextVar("linli.placement.moving", default=False)


@contextlib.contextmanager
def moving():
    """Inside: the placement service writes placement columns (nobody else)."""
    token = _MOVING.set(True)
    try:
        yield
    finally:
        _MOVING.reset(token)


def _guard(target, value, oldvalue, _initiator):
    if _MOVING.get() or value is oldvalue:
        return value
    state = inspect(target)
    if not state.has_identity:  # being built: construction places it
        return value
    old_key = getattr(oldvalue, "id", oldvalue)
    if getattr(value, "id", value) == old_key:
        return value
    raise PlacementWrite(f"{type(target).__name__}.{_initiator.key} is a placement: move the record with "
                         "backend.org.placement.services")


@event.listens_for(Mapper, "mapper_configured")
def _install_guard(mapper, cls):
    if not placements_of(cls):
        return
    columns = set(PLACEMENT_COLUMNS) & set(mapper.columns.keys())
    for name in columns:
        event.listen(getattr(cls, name), "set", _guard, retval=True, active_history=True)
    for rel in mapper.relationships:
        if {c.key for c in rel.local_columns} & columns and rel.direction.name == "MANYTOONE":
            event.listen(getattr(cls, rel.key), "set", _guard, retval=True, active_history=True)
