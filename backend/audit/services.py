from backend.audit import alerts
from backend.audit.models import AuditEntry
from backend.extensions import db


def record(actor, action: str, target_type: str, target_id: str, detail=None, address=None):
    """Add an audit entry to the current transaction; the caller commits.
    A reveal (or export) may raise the day's alert for the actor's managers."""
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None),
        action=action,
        target_type=target_type,
        target_id=target_id,
        detail=detail or {},
        address=address,
    )
    db.session.add(entry)
    if action in alerts.REVEALING and entry.actor_id is not None:
        db.session.flush()
        alerts.check(db.session, entry.actor_id, entry.at)
    return entry
