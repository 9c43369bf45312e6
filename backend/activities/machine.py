"""The sign-ups' state machine as ONE table: (state, action) -> (next state, who may).

A sign-up is created confirmed (a place was free) or waitlisted (full: it waits in line by
`position`). A freed place is offered to the first in line (offered, until offer_expires_at):
they confirm or decline; an offer not answered in time expires (the sweep) and goes to the
next. The one who signed up cancels a place or leaves the line; at the door a confirmed
sign-up is checked in (attended); closing attendance marks the others no_show.

"who": "owner" (the user who signed up, or a member of the attendee's household),
"door" (the activity's staff and grid workers)."""

OWNER, DOOR = "owner", "door"

# An offer of a freed place waits this long for an answer (at most until the sign-up window closes).
OFFER_HOURS = 24
# Reminders go out this many hours before the activity starts.
REMIND_HOURS = 24

_ROWS = (
    ("cancel", ("confirmed", "waitlisted", "offered"), "cancelled", OWNER),
    ("confirm", ("offered",), "confirmed", OWNER),
    ("decline", ("offered",), "declined", OWNER),
    ("rate", ("attended",), None, OWNER),
    ("check_in", ("confirmed",), "attended", DOOR),
)

TABLE = {(state, action): (to, who) for action, states, to, who in _ROWS for state in states}
ACTIONS = tuple(action for action, *_rest in _ROWS)
ACTORS = {action: who for action, _states, _to, who in _ROWS}
# States that hold a confirmed place (the activity's confirmed_count counts them).
HOLDING = ("confirmed", "attended")
# States waiting in line (the activity's waitlist_count counts them).
WAITING = ("waitlisted", "offered")
OPEN_STATES = (*HOLDING, *WAITING)
TERMINAL = ("cancelled", "declined", "expired", "no_show")


def transitions() -> dict:
    """action -> (states it is allowed from, the state it leads to, who may)."""
    return {action: (tuple(states), to, who) for action, states, to, who in _ROWS}


def capabilities() -> dict:
    """What the field app needs to know of the rules, as JSON."""
    machine = {}
    for (state, action), (to, who) in TABLE.items():
        machine.setdefault(state, {})[action] = {"to": to, "who": who}
    return {"machine": machine, "offer_hours": OFFER_HOURS, "remind_hours": REMIND_HOURS,
            "holding": list(HOLDING), "waiting": list(WAITING)}
