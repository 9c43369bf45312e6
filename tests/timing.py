"""The moment every in-process test starts at.

The one clock (backend/clock.py) is set to EPOCH before each test and runs on
from there, so no test depends on the day the suite runs. Tests that drive a
server in another process or a real browser (tests/e2e, tests/faults) keep the
wall clock instead, and build their data relative to it."""

from datetime import UTC, datetime

# Friday 27 November 2026, 10:00 in Shanghai (naive UTC, as stored).
EPOCH = datetime(2026, 11, 27, 2, 0)


def aware(moment: datetime) -> datetime:
    """A stored (naive UTC) moment with its zone, as a device sends it."""
    return moment.replace(tzinfo=UTC)
