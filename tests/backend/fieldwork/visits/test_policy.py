"""Visits and visit tasks are read like the registry of their grid, through
the one `policy.can`, and changed by nobody (a correction is a new visit)."""

import pytest

from backend.auth.policy import CHANGE, READ, RETIRE, REVEAL, can
from backend.extensions import db
from tests.factories import VisitFactory, VisitTaskFactory


@pytest.mark.parametrize(("username", "reads"), [
    ("admin", True), ("district", True), ("street1", True), ("staff1", True), ("worker2", True),
    ("worker1", False), ("staff2", False), ("street2", False), ("station1", False), ("volunteer1", False),
    ("resident1", False),
])
def test_read_by_the_registrys_readers_of_the_grid_changed_by_nobody(world, username, reads):
    records = (VisitFactory(household=world.H2, author=world.worker2), VisitTaskFactory(household=world.H2))
    db.session.commit()
    who = world.users[username]
    for record in records:
        assert can(who, READ, record) is reads, type(record).__name__
        assert not any(can(who, verb, record) for verb in (CHANGE, RETIRE, REVEAL))


def test_a_resident_does_not_read_the_visits_of_their_own_household(world):
    visit = VisitFactory(household=world.H1, author=world.worker1)
    db.session.commit()
    assert can(world.resident1, READ, world.H1) and not can(world.resident1, READ, visit)
