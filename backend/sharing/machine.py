"""The exchanges' state machine as ONE table: (state, action) -> (next state, who may).

An answer (pending) is accepted by the post's author (an exchange begins: the item or the
place is promised), declined, or withdrawn by the one who answered. An accepted lend is
handed over (with a due date) and returned; any other exchange is marked done. Then each
side confirms and rates the other, never waiting for the other side; the sweep closes an
exchange CLOSE_DAYS after it was done (backend/sharing/exchanges.py, `sweep`).

The services check a step against the table, the policy reads who may take it, the pages
and the API offer the actions it allows, and the field app receives it (`capabilities`)."""

from backend.sharing.models import KINDS, REACHES

AUTHOR, RESPONDER, EITHER = "author", "responder", "either"

# Roles who post and answer on behalf of a resident with no phone (consent noted).
ON_BEHALF_ROLES = frozenset({"admin", "community_staff", "grid_worker", "station_operator"})

# An exchange done this many days ago closes, rated or not, confirmed or not.
CLOSE_DAYS = 7
# A lent item due within this many hours gets its reminder (reminded_at; the field app shows it).
REMIND_HOURS = 24

# action, from states, to state (None: unchanged), who may, the kinds of post it applies to.
_ROWS = (
    ("accept", ("pending",), "accepted", AUTHOR, KINDS),
    ("decline", ("pending",), "declined", AUTHOR, KINDS),
    ("withdraw", ("pending",), "withdrawn", RESPONDER, KINDS),
    ("cancel", ("accepted",), "cancelled", EITHER, KINDS),
    ("hand_over", ("accepted",), "lent", AUTHOR, ("lend",)),
    ("return", ("lent",), "done", AUTHOR, ("lend",)),
    ("done", ("accepted",), "done", EITHER, ("give", "skill", "help")),
    ("confirm", ("done",), None, EITHER, KINDS),
    ("rate", ("done", "confirmed"), None, EITHER, KINDS),
)

TABLE = {(state, action): (to, who) for action, states, to, who, _kinds in _ROWS for state in states}
ACTIONS = tuple(action for action, *_rest in _ROWS)
ACTORS = {action: who for action, _states, _to, who, _kinds in _ROWS}
ACTION_KINDS = {action: kinds for action, _states, _to, _who, kinds in _ROWS}
# States an exchange holds its place in (the post's `taken` counts them).
HOLDING = ("accepted", "lent", "done", "confirmed", "closed")
OPEN_STATES = ("pending", "accepted", "lent", "done", "confirmed")
TERMINAL = ("closed", "declined", "withdrawn", "cancelled")


def transitions() -> dict:
    """action -> (states it is allowed from, the state it leads to, the kinds of post)."""
    return {action: (tuple(states), to, kinds) for action, states, to, _who, kinds in _ROWS}


def capabilities() -> dict:
    """What the field app needs to know of the rules, as JSON."""
    machine = {}
    for (state, action), (to, who) in TABLE.items():
        machine.setdefault(state, {})[action] = {"to": to, "who": who, "kinds": list(ACTION_KINDS[action])}
    return {"machine": machine, "kinds": list(KINDS), "reaches": list(REACHES), "close_days": CLOSE_DAYS,
            "remind_hours": REMIND_HOURS, "open_states": list(OPEN_STATES),
            "on_behalf_roles": sorted(ON_BEHALF_ROLES)}
