"""Time limits of requests, and the sweep that flags and escalates overdue ones.

- accept_due_at = created (or reopened, or escalated) + accept_hours, wall-clock hours;
- resolve_due_at = accepted (or escalated) + resolve_days working days in the local time
  zone, as the working calendar has them (backend/workdays: Monday to Friday, less the
  public holidays, plus the make-up weekend days, 调休), read when the clock starts.
A community may override a category's limits (TimeLimit).

`sweep(session, now)` (cron: `flask requests-sweep` every few minutes) flags every open
request past the time limit of its current stage (overdue=True, overdue_stage, an
"overdue" event) and escalates it one level (an "auto_escalated" event; the holder
becomes the parent street, then the district; new due times start). At the district it
is only flagged. Resolved requests nobody rated close REOPEN_DAYS after resolution.
Idempotent: a deadline already flagged is not flagged again."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import and_, or_, select

from backend.requests import machine
from backend.requests.models import Request, RequestCategory, RequestEvent, TimeLimit
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


def _flagged(session, request, stage_name, due) -> bool:
    """Was this deadline flagged already? An "overdue" event for the stage at or after the due time
    can only belong to this deadline: every later deadline is set after it, and lies in its future."""
    return session.scalar(select(RequestEvent.id).where(
        RequestEvent.request_id == request.id, RequestEvent.kind == "overdue", RequestEvent.created_at >= due)
        .limit(1)) is not None


def sweep(session, now: datetime | None = None) -> dict:
    """Flag and escalate overdue requests; close resolved ones nobody rated. The caller commits.
    Returns counts."""
    from backend.common import utcnow
    from backend.requests import services

    now = now or utcnow()
    counts = {"overdue": 0, "auto_escalated": 0, "closed": 0}
    query = select(Request).where(or_(
        and_(Request.status.in_(ACCEPT_STAGE), Request.accept_due_at < now),
        and_(Request.status.in_(RESOLVE_STAGE), Request.resolve_due_at < now),
    )).order_by(Request.created_at, Request.id)
    for request in session.scalars(query).all():
        stage_name, due = stage(request)
        if due is None or _flagged(session, request, stage_name, due):
            continue
        services.mark_overdue(session, request, stage_name, due, now)
        counts["overdue"] += 1
        if request.level != "district":
            services.auto_escalate(session, request, now)
            counts["auto_escalated"] += 1
    stale = select(Request).where(Request.status == "resolved",
                                  Request.resolved_at < now - timedelta(days=REOPEN_DAYS))
    for request in session.scalars(stale).all():
        services.auto_close(session, request, now)
        counts["closed"] += 1
    return counts


@click.command("requests-sweep")
@with_appcontext
def sweep_command():
    """Flag overdue requests, escalate them, close resolved ones nobody rated (run from cron)."""
    from backend.extensions import db

    counts = sweep(db.session)
    db.session.commit()
    click.echo(f"{counts['overdue']} overdue, {counts['auto_escalated']} escalated automatically, "
               f"{counts['closed']} closed without a rating")
