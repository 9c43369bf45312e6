"""The working calendar's page: administrators mark and unmark days, with messages at
the field at fault; the rest of the request office reads it; nobody else sees it."""

import re

import pytest
from sqlalchemy import select

from backend import clock
from backend.extensions import db
from backend.workdays.models import CalendarDay
from tests.frontend.requests.conftest import error_for
from tests.timing import EPOCH


def _days(html):
    return re.findall(r'data-day="([\d-]+)" data-kind="(\w+)"', html)


def test_an_administrator_marks_a_holiday_and_a_make_up_day_then_removes_one(world, browser):
    admin = browser("admin")
    html = admin.get("/requests/calendar?year=2026").get_data(as_text=True)
    assert "2026 has 261 working days." in html and 'id="calendar-form"' in html and _days(html) == []
    response = admin.post("/requests/calendar?year=2026",
                          {"first": "2026-10-01", "last": "2026-10-07", "kind": "holiday", "name": "国庆节"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/requests/calendar?year=2026")
    assert "7 days marked: Holiday (a day off)." in admin.get("/requests/calendar?year=2026").get_data(
        as_text=True)
    admin.post("/requests/calendar", {"first": "2026-10-10", "kind": "workday", "name": "国庆节调休"})
    html = admin.get("/requests/calendar?year=2026").get_data(as_text=True)
    assert "1 day marked: Make-up working day (a weekend day worked)." in html
    assert _days(html)[0] == ("2026-10-01", "holiday") and _days(html)[-1] == ("2026-10-10", "workday")
    assert len(_days(html)) == 8 and "国庆节调休" in html and "Thursday" in html
    assert "2026 has 257 working days." in html  # five weekdays off, one Saturday worked
    assert admin.post("/requests/calendar/2026-10-02/unmark").status_code == 303
    html = admin.get("/requests/calendar?year=2026").get_data(as_text=True)
    assert ("2026-10-02", "holiday") not in _days(html) and "2026 has 258 working days." in html
    assert _days(admin.get("/requests/calendar?year=2027").get_data(as_text=True)) == []


def test_a_bad_mark_re_renders_with_the_message_and_the_input(world, browser):
    admin = browser("admin")
    response = admin.post("/requests/calendar?year=2026",
                          {"first": "2026-10-07", "last": "2026-10-01", "kind": "holiday", "name": "倒过来"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert error_for(html, "e-last") == "The last day comes before the first."
    assert 'value="倒过来"' in html and 'value="2026-10-07"' in html
    response = admin.post("/requests/calendar", {"first": "2026-09-30", "kind": "workday"})
    assert response.status_code == 422 and "2026-09-30 is a weekday" in error_for(response.get_data(as_text=True),
                                                                                "e-first")
    response = admin.post("/requests/calendar", {"first": "x", "kind": "nap"}, htmx=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and error_for(html, "e-first") and error_for(html, "e-kind")
    assert db.session.scalar(select(db.func.count()).select_from(CalendarDay)) == 0


@pytest.mark.parametrize("who", ["district1", "street1", "staff1", "station1"])
def test_the_request_office_reads_the_calendar_without_the_forms(world, browser, who):
    from backend.workdays import services

    services.mark(db.session, world.admin, {"first": "2026-10-01", "kind": "holiday", "name": "国庆节"})
    db.session.commit()
    reader = browser(who)
    html = reader.get("/requests/calendar?year=2026").get_data(as_text=True)
    assert _days(html) == [("2026-10-01", "holiday")]
    assert 'id="calendar-form"' not in html and "/unmark" not in html
    assert reader.post("/requests/calendar", {"first": "2026-10-02", "kind": "holiday"}).status_code == 403
    assert reader.post("/requests/calendar/2026-10-01/unmark").status_code == 403
    db.session.rollback()
    assert db.session.scalar(select(db.func.count()).select_from(CalendarDay)) == 1


def test_the_field_roles_and_strangers_do_not_see_it(world, browser, client):
    assert "/sign-in" in client.get("/requests/calendar").headers["Location"]
    from backend.workdays import services

    services.mark(db.session, world.admin, {"first": "2026-10-01", "kind": "holiday"})
    db.session.commit()
    assert client.post("/requests/calendar/2026-10-01/unmark").status_code in (302, 400)  # sign-in, or no CSRF
    assert client.post("/requests/calendar", data={"first": "2026-10-02", "kind": "holiday"}).status_code in (302, 400)
    db.session.rollback()
    assert db.session.scalar(select(db.func.count()).select_from(CalendarDay)) == 1
    assert browser("worker1").get("/requests/calendar").status_code == 403
    assert browser("resident1", staff=False).get("/requests/calendar").status_code == 404


def test_odd_addresses_are_not_errors(world, browser):
    admin = browser("admin")
    assert admin.post("/requests/calendar/not-a-day/unmark").status_code == 404
    assert admin.get("/requests/calendar?year=abc").status_code == 200
    assert admin.get("/requests/calendar?year=99999").status_code == 200
    assert admin.post("/requests/calendar/2026-02-30/unmark").status_code == 404


def _year_shown(html):
    return int(re.search(r"<h1>Working calendar · (\d+)</h1>", html).group(1))


def test_the_calendar_opens_on_this_year_and_stays_within_its_years(world, browser):
    admin = browser("admin")
    this_year = _year_shown(admin.get("/requests/calendar").get_data(as_text=True))
    assert this_year == EPOCH.year
    clock.run_from(EPOCH.replace(year=2031))  # the clock's year, not the machine's
    assert _year_shown(admin.get("/requests/calendar").get_data(as_text=True)) == 2031
    clock.run_from(EPOCH)
    html = admin.get("/requests/calendar?year=99999").get_data(as_text=True)
    assert _year_shown(html) == 2100 and 'rel="next"' not in html and 'rel="prev"' in html
    html = admin.get("/requests/calendar?year=1").get_data(as_text=True)
    assert _year_shown(html) == 2000 and 'rel="prev"' not in html
    assert _year_shown(admin.get("/requests/calendar?year=abc").get_data(as_text=True)) == this_year
