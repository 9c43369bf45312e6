"""The one clock.

Every service, model default, command and the sync engine read the time here,
never the wall clock directly, so that no result depends on the day it is
computed and a test (or a training deployment) can say what time it is.
`tests/test_clock.py` holds the rest of the code base to that.

The time is naive UTC, as every timestamp is stored; pages show it in the
reader's zone (Asia/Shanghai by default)."""

import time
from datetime import UTC, date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")

# None: the wall clock. Otherwise (moment, monotonic reading when it was set):
# the clock runs on from `moment` at the real pace, so time still passes
# between two readings, as ordering and rate limits expect.
_start: tuple[datetime, float] | None = None


def now() -> datetime:
    """The current moment, naive UTC."""
    if _start is None:
        return datetime.now(UTC).replace(tzinfo=None)
    moment, since = _start
    return moment + timedelta(seconds=time.monotonic() - since)


def aware_now() -> datetime:
    """The current moment with its zone (UTC)."""
    return now().replace(tzinfo=UTC)


def today(zone: tzinfo = SHANGHAI) -> date:
    """Today's date in `zone` (China Standard Time unless told)."""
    return aware_now().astimezone(zone).date()


def run_from(moment: datetime | None) -> None:
    """From now on the clock reads `moment` (naive UTC, or aware) and runs on from
    there; None gives the wall clock back."""
    global _start
    if moment is None:
        _start = None
        return
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    _start = (moment, time.monotonic())
