"""The working calendar (工作日历): which days count when a time limit is given in
working days.

A day is worked if it is Monday to Friday and not marked a holiday, or if it is a
weekend day marked a workday (调休: worked in exchange for a holiday). With nothing
marked, that is the plain week. Each year the State Council publishes the public
holidays and make-up days; an administrator enters them here, a range at a time.

Time limits read the calendar when their clock starts (backend/requests/deadlines.py);
a clock already running keeps its due time when the calendar changes."""

from datetime import date, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from backend.audit import services as audit
from backend.common import utcnow
from backend.errors import Invalid, Refused
from backend.workdays import policy as calendar_policy
from backend.workdays.models import KINDS, CalendarDay

MAX_SPAN = 31  # days marked at once; the longest holiday (春节) is eight or nine
NAME_MAX = 50
FIRST_YEAR, LAST_YEAR = 2000, 2100


def is_working(day: date, marks: dict[date, str]) -> bool:
    kind = marks.get(day)
    if kind == "holiday":
        return False
    if kind == "workday":
        return True
    return day.weekday() < 5


def marks_between(session, first: date, last: date) -> dict[date, str]:
    """{day: kind} of the marked days from `first` to `last`, inclusive."""
    rows = session.execute(select(CalendarDay.day, CalendarDay.kind).where(CalendarDay.day >= first,
                                                                          CalendarDay.day <= last))
    return {day: kind for day, kind in rows}


def add_working_days(session, start: date, days: int) -> date:
    """The day `days` working days after `start` (`start` itself is not counted). The
    calendar is read a window at a time, so a long run of holidays only reads further."""
    window = timedelta(days=2 * days + 30)
    day, read_to, marks = start, start, {}
    remaining = days
    while remaining > 0:
        day += timedelta(days=1)
        if day > read_to:
            read_to = day + window
            marks.update(marks_between(session, day, read_to))
        if is_working(day, marks):
            remaining -= 1
    return day


def year_marks(session, year: int) -> list[CalendarDay]:
    return session.scalars(select(CalendarDay).where(CalendarDay.day >= date(year, 1, 1),
                                                     CalendarDay.day <= date(year, 12, 31))
                           .order_by(CalendarDay.day)).all()


def working_days_in(session, year: int) -> int:
    first, last = date(year, 1, 1), date(year, 12, 31)
    marks = marks_between(session, first, last)
    return sum(is_working(first + timedelta(days=n), marks) for n in range((last - first).days + 1))


def _day(raw) -> date | None:
    try:
        value = date.fromisoformat(str(raw or "").strip())
    except ValueError:
        return None
    return value if FIRST_YEAR <= value.year <= LAST_YEAR else None


def _span(form: dict, errors: dict) -> tuple[date | None, date | None]:
    """The form's first and last days (last empty: the first alone); what is wrong goes to `errors`."""
    first = _day(form.get("first"))
    if first is None:
        errors["first"] = [_("A date between %(low)d and %(high)d, written as 2026-10-01.",
                             low=FIRST_YEAR, high=LAST_YEAR)]
    last = first
    if str(form.get("last") or "").strip():
        last = _day(form.get("last"))
        if last is None:
            errors["last"] = [_("A date between %(low)d and %(high)d, written as 2026-10-07.",
                                low=FIRST_YEAR, high=LAST_YEAR)]
        elif first is not None and last < first:
            errors["last"] = [_l("The last day comes before the first.")]
        elif first is not None and (last - first).days + 1 > MAX_SPAN:
            errors["last"] = [_("At most %(n)d days at once.", n=MAX_SPAN)]
    return first, last


def mark(session, actor, form: dict, address: str | None = None) -> list[date]:
    """Mark the days from `first` to `last` (inclusive; `last` empty: `first` alone) as `kind`
    ("holiday" or "workday"), named `name` (春节, 国庆节…). A mark already on one of those
    days is replaced. Returns the days marked. Flushes; the caller commits."""
    if not calendar_policy.can_keep_calendar(actor):
        raise Refused()
    errors = {}
    first, last = _span(form, errors)
    kind = str(form.get("kind") or "")
    if kind not in KINDS:
        errors["kind"] = [_l("Choose a holiday or a make-up working day.")]
    name = str(form.get("name") or "").strip()
    if len(name) > NAME_MAX:
        errors["name"] = [_("At most %(n)d characters.", n=NAME_MAX)]
    if errors:
        raise Invalid(errors)
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    weekdays = [day for day in days if day.weekday() < 5]
    if kind == "workday" and weekdays:
        raise Invalid({"first" if len(days) == 1 else "last": [
            _("Only a Saturday or Sunday can be made a working day: %(day)s is a weekday.",
              day=weekdays[0].isoformat())]})
    now = utcnow()
    for day in days:
        record = session.get(CalendarDay, day)
        if record is None:
            record = CalendarDay(day=day)
            session.add(record)
        record.kind, record.name, record.updated_by_id, record.updated_at = kind, name, actor.id, now
    audit.record(actor, "mark_calendar", "calendar", first.isoformat(),
                 {"first": first.isoformat(), "last": last.isoformat(), "kind": kind, "name": name}, address)
    session.flush()
    return days


def unmark(session, actor, day: date, address: str | None = None) -> None:
    """The day goes back to the plain week. Flushes."""
    if not calendar_policy.can_keep_calendar(actor):
        raise Refused()
    record = session.get(CalendarDay, day)
    if record is None:
        return
    audit.record(actor, "unmark_calendar", "calendar", day.isoformat(),
                 {"kind": record.kind, "name": record.name}, address)
    session.delete(record)
    session.flush()
