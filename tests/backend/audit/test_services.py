"""Recording an audit entry: part of the caller's transaction, who did what to which record."""

from sqlalchemy import func, select

from backend.audit import services as audit
from backend.audit.models import AuditEntry
from backend.extensions import db


def _count():
    return db.session.scalar(select(func.count()).select_from(AuditEntry))


def test_an_entry_names_the_actor_the_action_and_the_record(world):
    entry = audit.record(world.staff1, "reveal", "resident", world.R1.id, {"field": "phone"}, "10.0.0.7")
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(AuditEntry, entry.id)
    assert (stored.actor_id, stored.action, stored.target_type, stored.target_id, stored.detail, stored.address) \
        == (world.staff1.id, "reveal", "resident", world.R1.id, {"field": "phone"}, "10.0.0.7")


def test_without_an_actor_or_detail_the_entry_says_so(world):
    entry = audit.record(None, "sweep", "request", "r-1")
    db.session.commit()
    assert entry.actor_id is None and entry.detail == {} and entry.address is None


def test_the_entry_goes_with_the_callers_transaction(world):
    audit.record(world.admin, "mark_calendar", "calendar", "2026-10-01")
    db.session.rollback()
    assert _count() == 0
    audit.record(world.admin, "mark_calendar", "calendar", "2026-10-01")
    db.session.commit()
    assert _count() == 1
