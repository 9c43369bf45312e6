"""Small helpers every area uses: ids and time."""

import re
import uuid
from datetime import datetime

from backend import clock

_CANONICAL_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def new_id() -> str:
    return str(uuid.uuid4())


def utcnow() -> datetime:
    """Naive UTC: every timestamp is stored in UTC; display converts to Asia/Shanghai.
    Read from the one clock (backend/clock.py)."""
    return clock.now()


def is_uuid(value) -> bool:
    if type(value) is str and _CANONICAL_UUID.fullmatch(value):
        return True  # the usual spelling, without building a UUID
    try:
        uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return False
    return True
