"""Who keeps the working calendar: administrators, while their account is active."""

import pytest

from backend.workdays.policy import can_keep_calendar

USERS = ["admin", "district", "street1", "staff1", "worker1", "station1", "resident1", "volunteer1"]


@pytest.mark.parametrize("username", USERS)
def test_administrators_alone_keep_the_calendar(world, username):
    assert can_keep_calendar(world.users[username]) is (username == "admin")


def test_a_deactivated_or_rejected_administrator_does_not(world):
    admin = world.admin
    admin.is_active_flag = False
    assert not can_keep_calendar(admin)
    admin.is_active_flag, admin.status = True, "pending"
    assert not can_keep_calendar(admin)
    assert not can_keep_calendar(None)
