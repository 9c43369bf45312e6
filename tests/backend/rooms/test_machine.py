"""The bookings' state machine: one table the services, the policy and the field app read."""

from backend.rooms import machine


def test_staff_decide_pending_bookings_and_either_side_cancels_a_holding_one():
    assert machine.transitions() == {"approve": (("pending",), "confirmed"), "refuse": (("pending",), "refused"),
                                     "cancel": (("pending", "confirmed"), "cancelled")}
    assert machine.ACTORS == {"approve": "staff", "refuse": "staff", "cancel": "either"}


def test_the_field_app_receives_the_machine_as_json():
    caps = machine.capabilities()
    assert caps["machine"]["pending"]["approve"] == {"to": "confirmed", "who": "staff"}
    assert "refused" not in caps["machine"] and caps["holding"] == ["pending", "confirmed"]
    assert caps["max_weeks"] == machine.MAX_WEEKS
