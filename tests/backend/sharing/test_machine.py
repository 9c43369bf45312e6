"""The exchanges' machine is one table, and the field app receives it whole."""

import json

from backend.sharing import machine
from backend.sharing.models import KINDS, RESPONSE_STATUSES


def test_every_state_and_action_is_known_and_every_open_state_leads_somewhere():
    for (state, action), (to, who) in machine.TABLE.items():
        assert state in RESPONSE_STATUSES and (to is None or to in RESPONSE_STATUSES)
        assert who in (machine.AUTHOR, machine.RESPONDER, machine.EITHER) and action in machine.ACTIONS
    for state in ("pending", "accepted", "lent", "done"):
        assert any(s == state for s, _a in machine.TABLE), state
    for state in machine.TERMINAL:
        assert not any(s == state for s, _a in machine.TABLE), state
    assert machine.ACTION_KINDS["hand_over"] == ("lend",) and set(machine.ACTION_KINDS["accept"]) == set(KINDS)


def test_capabilities_are_json_with_the_rules_the_app_needs():
    caps = json.loads(json.dumps(machine.capabilities()))
    assert caps["machine"]["pending"]["accept"] == {"to": "accepted", "who": "author", "kinds": list(KINDS)}
    assert caps["machine"]["lent"]["return"]["kinds"] == ["lend"]
    assert caps["close_days"] == machine.CLOSE_DAYS == 7 and caps["remind_hours"] == 24
    assert "grid_worker" in caps["on_behalf_roles"] and "resident" not in caps["on_behalf_roles"]
