"""Whose audit entries and alerts a manager sees: their own and those of the accounts
of their area below their rank; an administrator every entry, the system's too; no one
else any. `can` and the list filters agree on every pair."""

import pytest
from sqlalchemy import select

from backend.audit import services as audit
from backend.audit.models import AuditEntry, RevealAlert
from backend.auth import policy
from backend.extensions import db
from backend.oversight.policy import alert_filter, entry_filter
from tests.factories import RevealAlertFactory

EVERYONE = ("admin", "district1", "street1", "street2", "staff1", "staff2", "worker1", "worker2", "station1",
            "resident1", "volunteer1")
BELOW_S1 = {"staff1", "staff2", "worker1", "worker2", "volunteer1", "resident1"}
SEES = {
    "admin": set(EVERYONE) | {None},
    "district1": set(EVERYONE) - {"admin"},
    "street1": {"street1"} | BELOW_S1,
    "street2": {"street2", "station1"},
    "staff1": {"staff1", "worker1", "worker2", "volunteer1", "resident1"},
    "staff2": {"staff2"},
    "worker1": set(), "worker2": set(), "station1": set(), "resident1": set(), "volunteer1": set(),
}


def _users(world):
    return {u.username: u for u in world.users.values()}


@pytest.fixture
def entries(world):
    users = _users(world)
    for name in EVERYONE:
        audit.record(users[name], "update", "resident", world.R1.id)
    audit.record(None, "apply_retention", "retention", "2026-11-27")
    db.session.commit()
    return users


@pytest.mark.parametrize("viewer", EVERYONE)
def test_each_role_sees_the_entries_of_its_accounts(world, entries, viewer):
    user = entries[viewer]
    listed = db.session.scalars(select(AuditEntry).where(entry_filter(user))).all()
    assert {e.actor.username if e.actor else None for e in listed} == SEES[viewer]
    for entry in db.session.scalars(select(AuditEntry)):
        assert policy.can(user, policy.READ, entry) == (entry in listed)
        assert not policy.can(user, policy.CHANGE, entry)


@pytest.mark.parametrize("viewer", ("admin", "street1", "staff1", "staff2", "worker1"))
def test_alerts_follow_the_same_rule(world, viewer):
    users = _users(world)
    for name in ("street1", "staff1", "worker1", "resident1", "station1"):
        RevealAlertFactory(user=users[name])
    db.session.commit()
    listed = db.session.scalars(select(RevealAlert).where(alert_filter(users[viewer]))).all()
    assert {a.user.username for a in listed} == SEES[viewer] & {"street1", "staff1", "worker1", "resident1",
                                                                 "station1"}
    for alert in db.session.scalars(select(RevealAlert)):
        assert policy.can(users[viewer], policy.READ, alert) == (alert in listed)


def test_a_deactivated_manager_sees_nothing(world, entries):
    world.staff1.is_active_flag = False
    db.session.commit()
    assert db.session.scalars(select(AuditEntry).where(entry_filter(world.staff1))).all() == []
    assert not policy.can(world.staff1, policy.READ, db.session.scalars(select(AuditEntry)).first())
