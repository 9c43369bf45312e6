"""Which accounts a user sees in the accounts list (backend/accounts/scope.py,
`user_filter`): exactly those `can(user, READ, account)` allows. Admin sees
all; a manager sees its own account and lower-ranked accounts wholly inside
its area (staff by their scope nodes, residents by their household's grid or,
before confirmation, the community they registered with); everyone else sees
only themselves, and an inactive account nothing."""

import pytest
from sqlalchemy import select

from backend.accounts.scope import user_filter
from backend.auth import policy
from backend.auth.models import User
from backend.common import utcnow
from backend.extensions import db
from tests.factories import user


def listed(who) -> set[str]:
    return set(db.session.scalars(select(User.username).where(user_filter(who))))


@pytest.fixture
def extras(world):
    """Accounts at the edges: a grid worker spanning two communities, a resident
    waiting for confirmation, a deactivated worker, a resident of another street."""
    n = world.nodes
    made = {
        "worker_multi": user("worker_multi", "grid_worker", [n["G1"], n["G5"]]),
        "newcomer": user("newcomer", "resident", community=n["C1"], status="pending"),
        "gone_worker": user("gone_worker", "grid_worker", [n["G2"]], is_active_flag=False),
        "villager": user("villager", "resident", home=world.H3),
    }
    db.session.commit()
    return made


@pytest.mark.parametrize("name", ["admin", "district", "street1", "street2", "staff1", "staff2", "worker1",
                                  "worker2", "station1", "resident1", "volunteer1",
                                  "worker_multi", "newcomer", "gone_worker", "villager"])
def test_the_filter_gives_what_can_read_gives(world, extras, name):
    who = world.users.get(name) or extras[name]
    accounts = db.session.scalars(select(User)).all()
    assert len(accounts) == 15
    assert listed(who) == {account.username for account in accounts if policy.can(who, policy.READ, account)}


def test_a_community_manager_sees_its_own_lower_accounts_and_registrations(world, extras):
    assert listed(world.staff1) == {"staff1", "worker1", "worker2", "volunteer1", "resident1", "newcomer",
                                    "gone_worker"}
    assert listed(world.staff2) == {"staff2"}  # worker_multi reaches beyond C2 too


def test_a_street_officer_sees_every_account_of_its_street_below_it(world, extras):
    assert listed(world.street1) == {"street1", "staff1", "staff2", "worker1", "worker2", "volunteer1",
                                     "resident1", "newcomer", "gone_worker", "worker_multi"}
    assert listed(world.street2) == {"street2", "station1", "villager"}


def test_admin_sees_every_account(world, extras):
    assert listed(world.admin) == {account.username for account in db.session.scalars(select(User))}


@pytest.mark.parametrize("name", ["worker1", "station1", "resident1", "volunteer1"])
def test_those_who_manage_no_one_see_only_themselves(world, extras, name):
    assert listed(world.users[name]) == {world.users[name].username}


def test_an_inactive_pending_or_missing_account_sees_nothing(world, extras):
    assert listed(extras["gone_worker"]) == set()
    assert listed(extras["newcomer"]) == set()
    assert listed(None) == set()


def test_a_resident_is_seen_where_their_household_is_not_where_they_registered(world):
    # Registered with C1's code, then linked to a household of C2: C2's staff sees them.
    moved = user("moved", "resident", home=world.H5, community=world.C1)
    moved.community_id = world.C1.id
    db.session.commit()
    assert "moved" in listed(world.staff2) and "moved" not in listed(world.staff1)


def test_a_manager_whose_scope_node_is_retired_sees_only_itself(world):
    world.C1.retired_at = utcnow()
    db.session.commit()
    assert listed(world.staff1) == {"staff1"}


def test_a_staff_account_without_a_scope_is_seen_by_admin_only(world):
    user("unplaced", "grid_worker")
    db.session.commit()
    assert "unplaced" in listed(world.admin)
    assert "unplaced" not in listed(world.district) | listed(world.street1) | listed(world.staff1)
