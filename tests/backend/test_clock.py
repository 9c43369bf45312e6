"""The one clock (backend/clock.py): set, it runs on from the moment it was set;
unset, it is the wall clock; today is the day in Shanghai unless told."""

from datetime import UTC, date, datetime, timedelta, timezone

from backend import clock
from backend.common import utcnow


def test_the_clock_runs_on_from_the_moment_it_is_set():
    moment = datetime(2031, 2, 28, 23, 59, 30)
    clock.run_from(moment)
    first = utcnow()
    second = clock.now()
    assert moment <= first <= second < moment + timedelta(seconds=5)
    assert clock.today() == datetime(2031, 3, 1).date()  # 07:59 on 1 March in Shanghai
    assert clock.aware_now().tzinfo is UTC


def test_an_aware_moment_is_taken_as_utc():
    clock.run_from(datetime(2030, 6, 1, 8, 0, tzinfo=UTC))
    assert datetime(2030, 6, 1, 8, 0) <= utcnow() < datetime(2030, 6, 1, 8, 0, 5)


def test_given_back_the_wall_clock_reads_it():
    clock.run_from(datetime(2001, 1, 1))
    clock.run_from(None)
    assert abs(utcnow() - datetime.now(UTC).replace(tzinfo=None)) < timedelta(seconds=5)


def test_today_is_the_day_in_the_zone_asked_for():
    clock.run_from(datetime(2030, 12, 31, 16, 30))  # 00:30 on 1 January in Shanghai
    assert clock.today() == date(2031, 1, 1)
    assert clock.today(UTC) == date(2030, 12, 31)
    assert clock.today(timezone(timedelta(hours=-10))) == date(2030, 12, 31)


def test_now_is_naive_utc_and_aware_now_the_same_moment():
    clock.run_from(datetime(2030, 6, 1, 8, 0, tzinfo=timezone(timedelta(hours=8))))
    naive, aware = clock.now(), clock.aware_now()
    assert naive.tzinfo is None
    assert datetime(2030, 6, 1, 0, 0) <= naive < datetime(2030, 6, 1, 0, 0, 5)
    assert timedelta(0) <= aware - naive.replace(tzinfo=UTC) < timedelta(seconds=5)


def test_setting_the_clock_again_starts_from_the_new_moment():
    clock.run_from(datetime(2040, 1, 1))
    clock.run_from(datetime(2020, 1, 1))
    assert datetime(2020, 1, 1) <= clock.now() < datetime(2020, 1, 1, 0, 0, 5)
