from backend.audit.models import AuditEntry
from backend.extensions import db


def record(actor, action: str, target_type: str, target_id: str, detail=None, address=None):
    """Add an audit entry to the current transaction; the caller commits."""
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None),
        action=action,
        target_type=target_type,
        target_id=target_id,
        detail=detail or {},
        address=address,
    )
    db.session.add(entry)
    return entry
