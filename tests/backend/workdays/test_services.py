"""The working calendar: which days are worked, how days are marked, who may mark them."""

from datetime import date

import pytest
from sqlalchemy import select

from backend.audit.models import AuditEntry
from backend.errors import Invalid, Refused
from backend.extensions import db
from backend.workdays import services
from backend.workdays.models import CalendarDay

FRIDAY = date(2026, 11, 27)


def _mark(world, **form):
    days = services.mark(db.session, world.admin, form)
    db.session.commit()
    return days


def test_with_nothing_marked_monday_to_friday_are_worked(world):
    assert services.add_working_days(db.session, FRIDAY, 1) == date(2026, 11, 30)
    assert services.add_working_days(db.session, FRIDAY, 5) == date(2026, 12, 4)
    assert services.add_working_days(db.session, date(2026, 11, 28), 1) == date(2026, 11, 30)  # from a Saturday
    assert services.add_working_days(db.session, FRIDAY, 0) == FRIDAY
    assert services.working_days_in(db.session, 2026) == 261  # 2026 has 52 weeks and Thursday 31 December


def test_holidays_are_skipped_and_make_up_days_worked(world):
    _mark(world, first="2026-11-30", last="2026-12-02", kind="holiday", name="测试假期")
    _mark(world, first="2026-11-28", kind="workday", name="调休")
    # Saturday (worked), then Monday to Wednesday off, then Thursday and Friday.
    assert services.add_working_days(db.session, FRIDAY, 1) == date(2026, 11, 28)
    assert services.add_working_days(db.session, FRIDAY, 2) == date(2026, 12, 3)
    assert services.add_working_days(db.session, FRIDAY, 3) == date(2026, 12, 4)
    assert services.working_days_in(db.session, 2026) == 261 - 3 + 1


def test_a_long_holiday_reads_past_the_first_window(world):
    """Holidays longer than the window read at first: the count goes on past them."""
    _mark(world, first="2027-01-04", last="2027-01-31", kind="holiday", name="长假")
    _mark(world, first="2027-02-01", last="2027-02-28", kind="holiday", name="长假")
    assert services.add_working_days(db.session, date(2027, 1, 1), 1) == date(2027, 3, 1)
    assert services.add_working_days(db.session, date(2027, 1, 1), 2) == date(2027, 3, 2)


def test_a_mark_replaces_the_earlier_mark_of_its_days_and_unmarking_restores_the_week(world):
    _mark(world, first="2026-10-01", last="2026-10-07", kind="holiday", name="国庆节")
    _mark(world, first="2026-10-03", last="2026-10-04", kind="workday", name="调休")
    marks = {d.day: (d.kind, d.name) for d in services.year_marks(db.session, 2026)}
    assert len(marks) == 7
    assert marks[date(2026, 10, 3)] == ("workday", "调休") and marks[date(2026, 10, 5)] == ("holiday", "国庆节")
    assert all(d.updated_by_id == world.admin.id for d in services.year_marks(db.session, 2026))
    services.unmark(db.session, world.admin, date(2026, 10, 5))
    services.unmark(db.session, world.admin, date(2026, 10, 5))  # twice: nothing to do
    db.session.commit()
    assert date(2026, 10, 5) not in {d.day for d in services.year_marks(db.session, 2026)}
    assert services.year_marks(db.session, 2025) == []
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.target_type == "calendar")).all()
    assert sorted(actions) == ["mark_calendar", "mark_calendar", "unmark_calendar"]


@pytest.mark.parametrize(("form", "field"), [
    ({"first": "", "kind": "holiday"}, "first"),
    ({"first": "2026-13-01", "kind": "holiday"}, "first"),
    ({"first": "1999-12-31", "kind": "holiday"}, "first"),
    ({"first": "2026-10-07", "last": "2026-10-01", "kind": "holiday"}, "last"),
    ({"first": "2026-10-01", "last": "2026-11-01", "kind": "holiday"}, "last"),  # 32 days
    ({"first": "2026-10-01", "last": "tomorrow", "kind": "holiday"}, "last"),
    ({"first": "2026-10-01", "kind": "rest"}, "kind"),
    ({"first": "2026-10-01", "kind": "holiday", "name": "假" * 51}, "name"),
    ({"first": "2026-09-30", "kind": "workday"}, "first"),  # a Wednesday cannot be a make-up day
    ({"first": "2026-09-26", "last": "2026-09-28", "kind": "workday"}, "last"),  # Saturday to Monday
])
def test_bad_marks_say_which_field_and_change_nothing(world, form, field):
    with pytest.raises(Invalid) as caught:
        services.mark(db.session, world.admin, form)
    assert field in caught.value.errors and caught.value.errors[field][0]
    db.session.rollback()
    assert db.session.scalar(select(db.func.count()).select_from(CalendarDay)) == 0


def test_thirty_one_days_at_once_are_allowed(world):
    assert len(_mark(world, first="2026-10-01", last="2026-10-31", kind="holiday")) == 31


@pytest.mark.parametrize("who", ["district", "street1", "staff1", "worker1", "station1", "resident1"])
def test_only_administrators_keep_the_calendar(world, who):
    _mark(world, first="2026-10-01", kind="holiday")
    with pytest.raises(Refused):
        services.mark(db.session, world.users[who], {"first": "2026-10-02", "kind": "holiday"})
    with pytest.raises(Refused):
        services.unmark(db.session, world.users[who], date(2026, 10, 1))
    db.session.rollback()
    assert [d.day for d in services.year_marks(db.session, 2026)] == [date(2026, 10, 1)]
