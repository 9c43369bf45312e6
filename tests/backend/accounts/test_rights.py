"""Whose credentials an account may set (backend/accounts/rights.py): the whole
matrix of roles. An account may create, or reset the password of, only an
account that ranks below it and whose rights over residents' data are a subset
of its own; read-only officers never set the credentials of anyone who may
reveal (issue 12)."""

import pytest

from backend.accounts import rights
from backend.auth.models import ROLES
from backend.auth.policy import CHANGE, READ, RETIRE, REVEAL, ROLE_RANK, ROLES_CREATED_BY

REVEALERS = {"community_staff", "grid_worker", "station_operator"}

# The matrix spelled out: who may set whose credentials (create or reset), role by role.
EXPECTED = {
    "admin": set(ROLES),
    "district_officer": {"street_officer", "volunteer", "resident"},
    "street_officer": {"volunteer", "resident"},
    "community_staff": {"grid_worker", "station_operator", "volunteer", "resident"},
    "grid_worker": {"resident"},
    "station_operator": {"resident"},
    "volunteer": {"resident"},
    "resident": set(),
}


def test_rights_of_each_role():
    assert rights.rights_of("admin") == {READ, CHANGE, REVEAL, RETIRE}
    assert rights.rights_of("community_staff") == {READ, CHANGE, REVEAL, RETIRE}
    assert rights.rights_of("station_operator") == {READ, CHANGE, REVEAL, RETIRE}
    assert rights.rights_of("grid_worker") == {READ, CHANGE, REVEAL}
    assert rights.rights_of("street_officer") == rights.rights_of("district_officer") == {READ}
    assert rights.rights_of("volunteer") == rights.rights_of("resident") == frozenset()


@pytest.mark.parametrize("actor", ROLES)
@pytest.mark.parametrize("role", ROLES)
def test_within_rights_matrix(actor, role):
    assert rights.within_rights(actor, role) == (role in EXPECTED[actor])
    if actor != "admin" and role in REVEALERS and REVEAL not in rights.rights_of(actor):
        assert not rights.within_rights(actor, role)


def test_unknown_roles_are_never_within():
    assert not rights.within_rights("street_officer", "emperor")
    assert not rights.within_rights("emperor", "resident")


@pytest.mark.parametrize("role", ROLES)
def test_creatable_roles_are_the_managers_table_within_rights(world, role):
    actor = next(user for user in world.users.values() if user.role == role)
    expected = {r for r in ROLES_CREATED_BY.get(role, set()) if r in EXPECTED[role]}
    assert rights.creatable_roles(actor) == expected
    actor.is_active_flag = False
    assert rights.creatable_roles(actor) == set()


def test_officers_create_no_one_who_may_reveal(world):
    for officer in (world.district, world.street1):
        assert not rights.creatable_roles(officer) & REVEALERS
    assert rights.creatable_roles(world.staff1) == {"grid_worker", "station_operator", "volunteer"}


def test_may_reset_needs_manage_and_rights(world):
    assert rights.may_reset(world.staff1, world.worker1)
    assert rights.may_reset(world.staff1, world.resident1)
    assert not rights.may_reset(world.staff2, world.worker1)  # outside C2
    assert not rights.may_reset(world.street1, world.staff1)  # read-only over a revealer
    assert not rights.may_reset(world.street1, world.worker1)
    assert not rights.may_reset(world.district, world.staff1)
    assert rights.may_reset(world.district, world.street1)  # same rights, lower rank
    assert rights.may_reset(world.street1, world.volunteer1)
    assert not rights.may_reset(world.staff1, world.staff1)  # one's own: change it instead
    assert not rights.may_reset(world.worker1, world.volunteer1)  # not a manager
    assert rights.may_reset(world.admin, world.staff1)
    assert sorted(ROLE_RANK) == sorted(ROLES)
