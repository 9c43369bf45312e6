"""Time limits of requests: the clocks of each stage, in working days of the calendar.

- accept_due_at = created (or reopened, or escalated) + accept_hours, wall-clock hours;
- resolve_due_at = accepted (or escalated) + resolve_days working days in the local time
  zone, as the working calendar has them (backend/workdays: Monday to Friday, less the
  public holidays, plus the make-up weekend days, 调休), read when the clock starts.
A community may override a category's limits (TimeLimit).

The sweep that acts on them is backend/requests/sweep.py: it uses these clocks and the
state machine's steps (services), which use these clocks too."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select

from backend.requests import machine
from backend.requests.models import RequestCategory, TimeLimit
from backend.workdays import services as workdays

REOPEN_DAYS = machine.REOPEN_DAYS
ACCEPT_STAGE = ("submitted", "reopened", "escalated")
RESOLVE_STAGE = ("accepted", "dispatched", "in_progress", "returned")


def _zone():
    return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "Asia/Shanghai")


def limits(session, community_id: str, category_code: str) -> tuple[int, int]:
    """(accept_hours, resolve_days) for a category in a community."""
    override = session.scalar(select(TimeLimit).where(TimeLimit.community_id == community_id,
                                                      TimeLimit.category_code == category_code))
    if override is not None:
        return override.accept_hours, override.resolve_days
    category = session.get(RequestCategory, category_code)
    if category is None:
        return 2, 3
    return category.accept_hours, category.resolve_days


def add_working_days(session, start: datetime, days: int) -> datetime:
    """`start` (naive UTC) plus `days` working days of the working calendar (local days), at the
    same local time of day. From a day off, the first working day counted is the next one worked."""
    local = start.replace(tzinfo=UTC).astimezone(_zone())
    due = workdays.add_working_days(session, local.date(), days)
    return (local + timedelta(days=(due - local.date()).days)).astimezone(UTC).replace(tzinfo=None)


def start_accept_clock(session, request, now) -> None:
    hours, _days = limits(session, request.community_id, request.category)
    request.accept_due_at = now + timedelta(hours=hours)


def start_resolve_clock(session, request, now) -> None:
    _hours, days = limits(session, request.community_id, request.category)
    request.resolve_due_at = add_working_days(session, now, days)


def stage(request) -> tuple[str | None, datetime | None]:
    """The time limit the request is working against now: ("accept"|"resolve", due) or (None, None)."""
    if request.status in ACCEPT_STAGE:
        return "accept", request.accept_due_at
    if request.status in RESOLVE_STAGE:
        return "resolve", request.resolve_due_at
    return None, None


def is_late(request, now) -> bool:
    """Past the time limit of its current stage (for the inbox's counts)."""
    _stage, due = stage(request)
    return due is not None and due < now
