"""An audit entry: numbered in order, stamped by the clock, its detail kept as given."""

from datetime import timedelta

from sqlalchemy import select

from backend.audit.models import AuditEntry
from backend.extensions import db
from tests.timing import EPOCH


def test_entries_are_numbered_in_order_and_stamped(world):
    first = AuditEntry(actor_id=world.admin.id, action="reveal", target_type="resident", target_id=world.R1.id,
                       detail={"field": "id_number", "nested": {"n": [1, 2]}})
    second = AuditEntry(action="system", target_type="request", target_id="x")
    db.session.add_all([first, second])
    db.session.commit()
    assert second.id > first.id
    assert EPOCH <= first.at <= second.at < EPOCH + timedelta(minutes=1)
    db.session.expire_all()
    stored = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert stored[0].detail == {"field": "id_number", "nested": {"n": [1, 2]}} and stored[0].actor == world.admin
    assert stored[1].actor is None and stored[1].detail is None and stored[1].address is None
