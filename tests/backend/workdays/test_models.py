"""A marked day of the calendar: one mark a day, stamped by the clock."""

from datetime import date, timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from backend.extensions import db
from backend.workdays.models import CalendarDay
from tests.timing import EPOCH


def test_a_day_is_marked_once_unnamed_unless_named(world):
    day = CalendarDay(day=date(2026, 10, 1), kind="holiday")
    db.session.add(day)
    db.session.commit()
    assert day.name == "" and day.updated_by_id is None
    assert EPOCH <= day.updated_at < EPOCH + timedelta(minutes=1)
    db.session.expunge_all()
    db.session.add(CalendarDay(day=date(2026, 10, 1), kind="workday"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
