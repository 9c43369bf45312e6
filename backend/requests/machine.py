"""The requests' state machine as ONE table: (state, action) -> (next state, who may).

The services (backend/requests/services.py) check a step against it, the
policy (backend/requests/policy.py) reads who may take each action, the pages and
the JSON API offer the actions it allows, and the field app receives it from
the server (`capabilities`, rendered into the app's shell) instead of a copy.
The request's place (which holder, which assignee) is the policy's business;
a few states ask one more thing of the request (see services.allowed_by_state)."""

from backend.requests.models import OPEN_STATES, STATUSES

# Who may take an action (backend/auth/policy.py, can_act_on_request, says what each means).
HOLDER, HOLDER_OR_ASSIGNEE, WORKER, REQUESTER, REOPENER, WITHDRAWER = (
    "holder", "holder_or_assignee", "worker", "requester", "reopener", "withdrawer")

# Who may raise a request on a resident's behalf (with the resident's consent noted).
ON_BEHALF_CREATORS = frozenset({"admin", "community_staff", "grid_worker", "station_operator"})

# Resolved requests nobody rated close, and can no longer be reopened, this many days after resolution.
REOPEN_DAYS = 7

# One row per action: the states it is taken from, the state it leads to (None: unchanged),
# who may take it, and the kind of the event it appends. TABLE below spells it out per state.
_ROWS = (
    ("accept", ("submitted", "reopened"), "accepted", HOLDER, "accepted"),
    ("dispatch", ("accepted", "returned", "reopened", "dispatched", "in_progress"), "dispatched", HOLDER,
     "dispatched"),
    ("start", ("dispatched",), "in_progress", WORKER, "started"),
    ("reply", (*OPEN_STATES, "resolved"), None, HOLDER_OR_ASSIGNEE, "replied"),
    ("note", STATUSES, None, HOLDER_OR_ASSIGNEE, "noted"),
    ("return", ("dispatched", "in_progress"), "returned", WORKER, "returned"),
    ("escalate", ("accepted", "dispatched", "in_progress", "returned", "reopened", "escalated"), "escalated", HOLDER,
     "escalated"),
    ("respond", ("escalated",), "in_progress", HOLDER, "responded"),
    ("resolve", ("accepted", "dispatched", "in_progress"), "resolved", HOLDER_OR_ASSIGNEE, "resolved"),
    ("rate", ("resolved",), "closed", REQUESTER, "rated"),
    ("reopen", ("resolved", "closed"), "reopened", REOPENER, "reopened"),
    ("merge", OPEN_STATES, "merged", HOLDER, "merged"),
    ("withdraw", ("submitted", "accepted", "dispatched", "returned"), "withdrawn", WITHDRAWER, "withdrawn"),
    # A request of no household (from Open311, or raised for a grid) placed in a grid of its community,
    # while nobody is working it.
    ("place", ("submitted", "accepted", "returned", "reopened", "escalated"), None, HOLDER, "placed"),
)

# (state, action) -> (next state (None: unchanged), who may)
TABLE = {(state, action): (to, who) for action, states, to, who, _kind in _ROWS for state in states}
ACTIONS = tuple(action for action, *_rest in _ROWS)
# action -> who may take it
ACTORS = {action: who for action, _states, _to, who, _kind in _ROWS}
# action -> the kind of event it appends
EVENT_KINDS = {action: kind for action, _states, _to, _who, kind in _ROWS}


def transitions() -> dict:
    """action -> (states it is allowed from, the state it leads to, event kind): the services' view."""
    return {action: (tuple(states), to, kind) for action, states, to, _who, kind in _ROWS}


def capabilities() -> dict:
    """What the field app needs to know of the rules, as JSON (backend/areas.py, FieldApp.capabilities)."""
    machine = {}
    for (state, action), (to, who) in TABLE.items():
        machine.setdefault(state, {})[action] = {"to": to, "who": who}
    return {"machine": machine, "open_states": list(OPEN_STATES), "reopen_days": REOPEN_DAYS,
            "on_behalf_roles": sorted(ON_BEHALF_CREATORS)}
