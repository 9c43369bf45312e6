"""Unusual reveals: an account that reveals (or exports) as many records in
one day as the deployment's threshold (LINLI_REVEAL_ALERT_PER_DAY) raises an
alert for its managers. The day is the deployment's local day, read from the
one clock; the alert is recorded once per account and day, whatever the number
of reveals after it and however many workers reveal at the same moment."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from backend import clock
from backend.audit.models import AuditEntry, RevealAlert

# The actions that show a person's data to the actor: counted towards the alert.
REVEALING = ("reveal", "export")
DEFAULT_THRESHOLD = 20


def threshold() -> int:
    """Reveals in a day that raise the alert; 0 turns the alert off."""
    return int(current_app.config.get("REVEAL_ALERT_PER_DAY", DEFAULT_THRESHOLD))


def zone() -> ZoneInfo:
    return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "Asia/Shanghai")


def local_day(moment: datetime):
    """The deployment's calendar day of a stored (naive UTC) moment."""
    return moment.replace(tzinfo=UTC).astimezone(zone()).date()


def day_bounds(day) -> tuple[datetime, datetime]:
    """The naive-UTC moments a local day starts and ends at."""
    start = datetime.combine(day, time(0), tzinfo=zone()).astimezone(UTC).replace(tzinfo=None)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone()).astimezone(UTC)
    return start, end.replace(tzinfo=None)


def reveals_on(session, user_id: str, day) -> int:
    start, end = day_bounds(day)
    return session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.actor_id == user_id, AuditEntry.action.in_(REVEALING),
        AuditEntry.at >= start, AuditEntry.at < end)) or 0


def check(session, user_id: str | None, at: datetime | None = None) -> bool:
    """After a reveal by `user_id`: record the day's alert if the count has reached
    the threshold and none is recorded yet. True when this call recorded it."""
    limit = threshold()
    if user_id is None or limit <= 0:
        return False
    moment = at or clock.now()
    day = local_day(moment)
    count = reveals_on(session, user_id, day)
    if count < limit:
        return False
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(RevealAlert.__table__).values(
        user_id=user_id, day=day, count=count, threshold=limit, at=moment,
    ).on_conflict_do_nothing(index_elements=["user_id", "day"])
    return bool(session.execute(statement).rowcount)
