"""Patrol reports are read like the registry of their grid, through the one
`policy.can`, and changed by nobody."""

import pytest

from backend.auth.policy import CHANGE, READ, RETIRE, REVEAL, can
from backend.extensions import db
from tests.factories import PatrolReportFactory


@pytest.mark.parametrize(("username", "reads"), [
    ("admin", True), ("district", True), ("street1", True), ("staff1", True), ("worker1", True),
    ("worker2", False), ("staff2", False), ("street2", False), ("station1", False), ("volunteer1", False),
    ("resident1", False),
])
def test_read_by_the_registrys_readers_of_the_grid_changed_by_nobody(world, username, reads):
    report = PatrolReportFactory(grid=world.G1, author=world.worker1)
    db.session.commit()
    who = world.users[username]
    assert can(who, READ, report) is reads
    assert not any(can(who, verb, report) for verb in (CHANGE, RETIRE, REVEAL))


def test_the_author_loses_sight_of_it_with_the_grid(world):
    report = PatrolReportFactory(grid=world.G1, author=world.worker1)
    world.worker1.scope_nodes = [world.G2]
    db.session.commit()
    assert not can(world.worker1, READ, report)
