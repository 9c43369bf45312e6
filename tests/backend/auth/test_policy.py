"""The scope matrix at the policy level: every role against every kind of
record and every verb, allowed and denied, from the hand-written table in
matrix.py; inactive and pending accounts may do nothing; an account spanning
beyond a manager's area is not theirs. (Each area's own rules and list
filters: tests/backend/<area>/test_policy.py; the accounts list filter:
tests/backend/accounts/test_scope.py.)"""

import pytest

from backend.auth import policy
from backend.auth.services import issue_device_token
from backend.extensions import db
from tests.backend.auth.matrix import CELLS, VERBS, allowed
from tests.backend.shared import empty_tables, new_device_id
from tests.factories import build_world, user


@pytest.fixture(autouse=True)
def _clean_tables():
    """The world of this module is built once and only read; see `shared_world`."""
    yield


@pytest.fixture(scope="module")
def shared_world(app):
    with app.app_context():
        world = build_world()
        devices = {}
        for name in ("worker1", "staff2", "station1", "resident1"):
            _token, devices[name] = issue_device_token(world.users[name], new_device_id(), f"{name} phone", None)
        n = world.nodes
        # Accounts that only the filter comparison looks at: a grid worker whose
        # grids span two communities, a resident waiting for confirmation, a
        # deactivated worker.
        extras = {
            "worker_multi": user("worker_multi", "grid_worker", [n["G1"], n["G5"]]),
            "newcomer": user("newcomer", "resident", community=n["C1"], status="pending"),
            "gone_worker": user("gone_worker", "grid_worker", [n["G2"]], is_active_flag=False),
        }
        db.session.commit()
        yield world, devices, extras
        db.session.remove()
    empty_tables(app)


def record_of(world, devices, key):
    if key.startswith("u:"):
        return world.users[key[2:]]
    if key.startswith("d:"):
        return devices[key[2:]]
    return getattr(world, key)


@pytest.mark.parametrize(("actor", "record"), CELLS, ids=[f"{a}-{r}" for a, r in CELLS])
def test_scope_matrix(shared_world, actor, record):
    world, devices, _extras = shared_world
    who = world.users[actor]
    target = record_of(world, devices, record)
    expected = allowed(actor, record)
    got = {verb for verb in VERBS.values() if policy.can(who, verb, target)}
    assert got == expected, f"{actor} on {record}: allowed {sorted(got)}, expected {sorted(expected)}"


def test_the_brief_examples_hold(shared_world):
    """Spot checks in words, so a wrong table cannot hide them."""
    world, _devices, _extras = shared_world
    u, can = world.users, policy.can
    assert can(u["worker1"], "read", world.G1) and can(u["worker1"], "read", world.H1)
    assert can(u["worker1"], "read", world.R1)
    assert not can(u["worker1"], "read", world.G2) and not can(u["worker1"], "read", world.H2)
    assert can(u["station1"], "read", world.H3) and not can(u["station1"], "read", world.H1)
    for home in (world.H1, world.H2, world.H5):
        assert can(u["street1"], "read", home) and not can(u["street1"], "change", home)
    assert not can(u["street1"], "read", world.H3) and not can(u["street1"], "read", world.V1)
    assert [h for h in world.households.values() if can(u["resident1"], "read", h)] == [world.H1]
    assert not any(can(u["volunteer1"], "read", h) for h in world.households.values())
    assert can(u["staff1"], "manage", u["worker1"])
    assert not can(u["staff1"], "manage", u["staff2"]) and not can(u["staff1"], "manage", u["street1"])


def test_inactive_and_pending_accounts_may_do_nothing(shared_world):
    world, _devices, extras = shared_world
    for who in (extras["gone_worker"], extras["newcomer"]):
        for record in (world.G2, world.H1, world.H2, world.R1, who):
            assert not any(policy.can(who, verb, record) for verb in VERBS.values()), (who, record)


def test_nobody_manages_an_account_spanning_beyond_their_area(shared_world):
    world, _devices, extras = shared_world
    multi = extras["worker_multi"]
    assert not policy.can(world.users["staff1"], "read", multi)
    assert not policy.can(world.users["staff2"], "read", multi)
    assert policy.can(world.users["street1"], "manage", multi)
