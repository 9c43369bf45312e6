"""The sweep of requests past their time limits (backend/requests/deadlines.py).

`sweep(session, now)` (cron: `flask requests-sweep`, backend/requests/cli.py, every few minutes) flags every open
request past the time limit of its current stage (overdue=True, overdue_stage, an
"overdue" event) and escalates it one level (an "auto_escalated" event; the holder
becomes the parent street, then the district; new due times start). At the district it
is only flagged. Resolved requests nobody rated close REOPEN_DAYS after resolution.
Idempotent: a deadline already flagged is not flagged again."""

from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select

from backend.common import utcnow
from backend.requests import services
from backend.requests.deadlines import ACCEPT_STAGE, REOPEN_DAYS, RESOLVE_STAGE, stage
from backend.requests.models import Request, RequestEvent


def _flagged(session, request, stage_name, due) -> bool:
    """Was this deadline flagged already? An "overdue" event for the stage at or after the due time
    can only belong to this deadline: every later deadline is set after it, and lies in its future."""
    return session.scalar(select(RequestEvent.id).where(
        RequestEvent.request_id == request.id, RequestEvent.kind == "overdue", RequestEvent.created_at >= due)
        .limit(1)) is not None


def sweep(session, now: datetime | None = None) -> dict:
    """Flag and escalate overdue requests; close resolved ones nobody rated. The caller commits.
    Returns counts."""
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
