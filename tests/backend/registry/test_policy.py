"""The registry's rules, asked through the one `policy.can`: keepers change
and reveal, retirers retire, street and district officers only read, a
resident reads their own household; who may place a household in a grid; who
sees sensitive tags; field records are read by the registry's readers of
their grid and changed by nobody; and the list filters give what `can` gives.
(The whole role-by-record matrix is tests/backend/auth/test_policy.py.)"""

import pytest
from sqlalchemy import select

from backend.auth.policy import CHANGE, MANAGE, READ, RETIRE, REVEAL, can
from backend.common import utcnow
from backend.extensions import db
from backend.fieldwork.visits.models import Visit
from backend.registry import policy as registry_policy
from backend.registry.models import Household
from tests.factories import VisitFactory, user

VERBS = (READ, CHANGE, RETIRE, REVEAL)


def allowed(who, record) -> set:
    return {verb for verb in VERBS if can(who, verb, record)}


@pytest.mark.parametrize(("username", "verbs"), [
    ("admin", {READ, CHANGE, RETIRE, REVEAL}),
    ("staff1", {READ, CHANGE, RETIRE, REVEAL}),
    ("worker1", {READ, CHANGE, REVEAL}),        # keeps the registry, does not retire
    ("street1", {READ}),                        # reads its street, read-only
    ("district", {READ}),
    ("worker2", set()),                         # another grid
    ("staff2", set()),                          # another community
    ("street2", set()),
    ("volunteer1", set()),
    ("resident1", {READ}),                      # their own household
])
def test_who_may_do_what_to_a_household_and_its_residents(world, username, verbs):
    who = world.users[username]
    assert allowed(who, world.H1) == verbs
    assert allowed(who, world.R1) == verbs  # a resident follows their household


def test_a_station_operator_keeps_and_retires_in_its_village(world):
    assert allowed(world.station1, world.H3) == {READ, CHANGE, RETIRE, REVEAL}
    assert allowed(world.station1, world.H1) == set()


def test_a_resident_reads_only_their_own_household(world):
    assert allowed(world.resident1, world.H2) == set()
    assert allowed(world.resident1, world.R2) == set()
    assert not can(world.resident1, MANAGE, world.H1)


def test_nothing_for_an_account_that_is_not_active(world):
    world.staff1.status = "pending"
    assert allowed(world.staff1, world.H1) == set()
    world.staff1.status = "active"
    world.staff1.is_active_flag = False
    assert allowed(world.staff1, world.H1) == set()


def test_placing_a_household(world):
    place = registry_policy.can_place_household
    assert place(world.worker1, world.G1) and not place(world.worker1, world.G2)
    assert place(world.staff1, world.G2) and place(world.admin, world.G3)
    assert not place(world.street1, world.G1)  # read-only
    assert not place(world.staff1, world.C1) and not place(world.staff1, world.B1)  # not grids
    assert not place(world.staff1, None)
    assert place(world.station1, world.G3) and not place(world.station1, world.G1)  # its village's grids
    world.G2.retired_at = utcnow()
    assert not place(world.staff1, world.G2) and not place(world.admin, world.G2)
    assert registry_policy.can_work_in_grid(world.worker1, world.G1)
    assert not registry_policy.can_work_in_grid(world.worker1, world.G2)


def test_who_sees_sensitive_tags(world):
    sees = registry_policy.sees_sensitive_tags
    assert sees(world.staff1) and sees(world.worker1) and sees(world.station1)
    assert sees(world.staff1, world.H1) and not sees(world.staff2, world.H1)  # only where they may reveal
    for reader in ("street1", "district", "resident1", "volunteer1"):
        assert not sees(world.users[reader]), reader
        assert not sees(world.users[reader], world.H1), reader


@pytest.mark.parametrize("username", ["admin", "district", "street1", "street2", "staff1", "staff2", "worker1",
                                      "worker2", "station1", "volunteer1", "resident1"])
def test_the_household_filter_gives_what_can_read_gives(world, username):
    who = world.users[username]
    listed = set(db.session.scalars(select(Household.id).where(registry_policy.household_filter(who))))
    assert listed == {h.id for h in world.households.values() if can(who, READ, h)}
    pairs = [(h.id, h.grid.path) for h in world.households.values()]
    for verb in VERBS:
        assert registry_policy.households_allowed(who, verb, pairs) == {
            h.id for h in world.households.values() if can(who, verb, h)}, verb


def test_the_filter_lists_nothing_for_nobody(world):
    assert set(db.session.scalars(select(Household.id).where(registry_policy.household_filter(None)))) == set()
    homeless = user("resident9", "resident")
    assert set(db.session.scalars(select(Household.id).where(registry_policy.household_filter(homeless)))) == set()
    world.admin.status = "rejected"
    assert set(db.session.scalars(select(Household.id).where(registry_policy.household_filter(world.admin)))) == set()


@pytest.mark.parametrize(("username", "reads"), [
    ("admin", True), ("district", True), ("street1", True), ("staff1", True), ("worker1", True),
    ("worker2", False), ("staff2", False), ("street2", False), ("volunteer1", False), ("resident1", False),
])
def test_field_records_are_read_by_the_registrys_readers_and_changed_by_nobody(world, username, reads):
    who = world.users[username]
    visit = VisitFactory(household=world.H1, author=world.worker1)
    db.session.commit()
    assert allowed(who, visit) == ({READ} if reads else set())
    listed = set(db.session.scalars(select(Visit.id).where(registry_policy.grid_record_filter(who, Visit))))
    assert listed == ({visit.id} if reads else set())


def test_the_field_record_filter_is_empty_for_an_inactive_account(world):
    VisitFactory(household=world.H1, author=world.worker1)
    world.admin.status = "pending"
    for nobody in (world.admin, None):
        assert db.session.scalars(select(Visit.id).where(registry_policy.grid_record_filter(nobody, Visit))).all() == []


def test_staff_notes_are_read_by_the_office_and_the_grids_workers_only(world):
    from backend.registry.policy import sees_staff_notes

    assert sees_staff_notes(world.staff1, world.H1) and sees_staff_notes(world.worker1, world.H1)
    assert not sees_staff_notes(world.worker2, world.H1)  # another grid
    assert not sees_staff_notes(world.staff2, world.H1)  # another community
    assert not sees_staff_notes(world.resident1, world.H1)  # their own household
    assert not sees_staff_notes(world.street1, world.H1) and not sees_staff_notes(world.district, world.H1)
    assert not sees_staff_notes(None)
