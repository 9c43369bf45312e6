"""Small helpers every area uses: ids and time."""

import uuid
from datetime import UTC, datetime


def new_id() -> str:
    return str(uuid.uuid4())


def utcnow() -> datetime:
    """Naive UTC: every timestamp is stored in UTC; display converts to Asia/Shanghai."""
    return datetime.now(UTC).replace(tzinfo=None)


def is_uuid(value) -> bool:
    try:
        uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return False
    return True
