"""The sign-ups' state machine: one table, what the field app receives."""

from backend.activities import machine


def test_the_table_and_the_capabilities():
    assert machine.TABLE[("offered", "confirm")] == ("confirmed", machine.OWNER)
    assert machine.TABLE[("confirmed", "check_in")] == ("attended", machine.DOOR)
    assert ("waitlisted", "confirm") not in machine.TABLE
    assert not set(machine.HOLDING) & set(machine.TERMINAL)
    caps = machine.capabilities()
    assert caps["machine"]["offered"]["decline"] == {"to": "declined", "who": "owner"}
    assert caps["offer_hours"] == 24 and caps["waiting"] == ["waitlisted", "offered"]
    assert set(machine.transitions()) == set(machine.ACTIONS)
