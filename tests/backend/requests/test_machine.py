"""The one table of the requests' state machine, and what the field app receives of it."""

import json

from backend.requests import machine
from backend.requests.models import OPEN_STATES, STATUSES, TERMINAL_STATES

WHO = {machine.HOLDER, machine.HOLDER_OR_ASSIGNEE, machine.WORKER, machine.REQUESTER, machine.REOPENER,
       machine.WITHDRAWER}


def test_every_step_is_between_known_states_and_names_who_may_take_it():
    for (state, action), (to, who) in machine.TABLE.items():
        assert state in STATUSES and (to is None or to in STATUSES), (state, action)
        assert who in WHO and machine.ACTORS[action] == who, (state, action)
    assert set(machine.ACTORS) == set(machine.ACTIONS) == set(machine.EVENT_KINDS)
    assert len(set(machine.ACTIONS)) == len(machine.ACTIONS)
    assert len(set(machine.EVENT_KINDS.values())) == len(machine.EVENT_KINDS)  # each step its own event


def test_the_services_view_is_the_same_table():
    transitions = machine.transitions()
    assert set(transitions) == set(machine.ACTIONS)
    for action, (states, to, kind) in transitions.items():
        assert {s for (s, a) in machine.TABLE if a == action} == set(states), action
        assert all(machine.TABLE[(state, action)][0] == to for state in states), action
        assert kind == machine.EVENT_KINDS[action]


def test_what_is_over_is_only_noted_and_a_closed_request_only_reopened():
    for state in ("withdrawn", "merged"):
        assert [a for (s, a) in machine.TABLE if s == state] == ["note"], state
    assert sorted(a for (s, a) in machine.TABLE if s == "closed") == ["note", "reopen"]
    assert set(TERMINAL_STATES) | {"resolved"} | set(OPEN_STATES) == set(STATUSES)
    # Every open state is left somehow: no request is stuck open.
    for state in OPEN_STATES:
        assert any(to not in (None, state) for (s, _a), (to, _who) in machine.TABLE.items() if s == state), state


def test_the_field_app_receives_the_table_as_json():
    caps = json.loads(json.dumps(machine.capabilities()))
    assert caps["reopen_days"] == machine.REOPEN_DAYS == 7
    assert caps["open_states"] == list(OPEN_STATES)
    assert caps["on_behalf_roles"] == sorted(machine.ON_BEHALF_CREATORS)
    flattened = {(state, action): (step["to"], step["who"])
                 for state, steps in caps["machine"].items() for action, step in steps.items()}
    assert flattened == machine.TABLE
    assert caps["machine"]["dispatched"]["start"] == {"to": "in_progress", "who": machine.WORKER}
    assert caps["machine"]["resolved"]["reply"] == {"to": None, "who": machine.HOLDER_OR_ASSIGNEE}
