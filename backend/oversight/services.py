"""The audit page's queries: entries in the viewer's scope, filtered by
account, action, kind of record and a range of local days; the recent alerts.
An entry's detail is shown as recorded, and no caller records a revealed value
in it (a reveal names the field, never its value)."""

from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from backend import clock
from backend.audit import alerts
from backend.audit.models import AuditEntry, RevealAlert
from backend.auth.models import User
from backend.oversight.policy import alert_filter, entry_filter

FILTERS = ("account", "action", "target_type", "since", "until")
ALERT_DAYS = 7  # alerts shown on the audit page: the last week's


def _day(value: str, field: str, errors: dict) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors[field] = [_l("A date such as 2026-12-01.")]
        return None


def parse_filters(args) -> tuple[dict, dict]:
    """(filters, errors) from the page's query string; a bad filter is reported and left out."""
    filters = {name: (args.get(name) or "").strip()[:50] for name in FILTERS}
    errors: dict = {}
    since = _day(filters["since"], "since", errors)
    until = _day(filters["until"], "until", errors)
    if since and until and until < since:
        errors["until"] = [_l("The last day comes before the first.")]
        until = None
    return {**filters, "since": since, "until": until}, errors


def entries(viewer, filters: dict):
    """The select of audit entries the viewer may see, filtered, newest first."""
    query = select(AuditEntry).where(entry_filter(viewer))
    if filters.get("account"):
        text = filters["account"]
        query = query.where(AuditEntry.actor_id.in_(select(User.id).where(
            User.username.icontains(text, autoescape=True) | User.display_name.icontains(text, autoescape=True))))
    if filters.get("action"):
        query = query.where(AuditEntry.action == filters["action"])
    if filters.get("target_type"):
        query = query.where(AuditEntry.target_type == filters["target_type"])
    if filters.get("since"):
        query = query.where(AuditEntry.at >= alerts.day_bounds(filters["since"])[0])
    if filters.get("until"):
        query = query.where(AuditEntry.at < alerts.day_bounds(filters["until"])[1])
    return query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())


def choices(session, viewer) -> tuple[list[str], list[str]]:
    """The actions and the kinds of record found in the viewer's entries, for the filters."""
    scope = entry_filter(viewer)
    actions = session.scalars(select(AuditEntry.action).where(scope).distinct().order_by(AuditEntry.action))
    kinds = session.scalars(select(AuditEntry.target_type).where(scope).distinct()
                            .order_by(AuditEntry.target_type))
    return list(actions), list(kinds)


def recent_alerts(session, viewer, now=None) -> list[RevealAlert]:
    """The alerts of the last week on the accounts the viewer oversees, newest first."""
    today = alerts.local_day(now or clock.now())
    return list(session.scalars(
        select(RevealAlert).where(alert_filter(viewer), RevealAlert.day > today - timedelta(days=ALERT_DAYS))
        .order_by(RevealAlert.day.desc(), RevealAlert.id.desc())))


def alerts_today(session, viewer, now=None) -> int:
    today = alerts.local_day(now or clock.now())
    return session.scalar(select(func.count()).select_from(RevealAlert)
                          .where(alert_filter(viewer), RevealAlert.day == today)) or 0
