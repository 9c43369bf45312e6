"""The bookings' state machine as ONE table: (state, action) -> (next state, who may).

A booking is requested (pending where the room needs approval, else confirmed at once), then
approved or refused by staff, or cancelled by its booker or by staff while it holds the room.
The services check a step against the table, the policy reads who may take it, the pages and the
API offer the actions it allows, and the field app receives it (`capabilities`)."""

from backend.rooms.models import BOOKABLE_BY, HOLDING, KINDS, STATUSES

BOOKER, STAFF, EITHER = "booker", "staff", "either"

# action, from states, to state, who may
_ROWS = (
    ("approve", ("pending",), "confirmed", STAFF),
    ("refuse", ("pending",), "refused", STAFF),
    ("cancel", ("pending", "confirmed"), "cancelled", EITHER),
)

TABLE = {(state, action): (to, who) for action, states, to, who in _ROWS for state in states}
ACTIONS = tuple(action for action, *_rest in _ROWS)
ACTORS = {action: who for action, _states, _to, who in _ROWS}
# The longest weekly series one request may make, and the longest single occurrence.
MAX_WEEKS = 26
MAX_HOURS = 12
# How far ahead the next free slot is looked for.
SEARCH_DAYS = 60


def transitions() -> dict:
    """action -> (states it is allowed from, the state it leads to)."""
    return {action: (tuple(states), to) for action, states, to, _who in _ROWS}


def capabilities() -> dict:
    """What the field app needs to know of the rules, as JSON."""
    machine = {}
    for (state, action), (to, who) in TABLE.items():
        machine.setdefault(state, {})[action] = {"to": to, "who": who}
    return {"machine": machine, "statuses": list(STATUSES), "kinds": list(KINDS), "holding": list(HOLDING),
            "bookable_by": list(BOOKABLE_BY), "max_weeks": MAX_WEEKS, "max_hours": MAX_HOURS}
