"""Time limits on a frozen clock: the clocks of each stage count hours and working days."""

from datetime import date, datetime, timedelta

from backend.extensions import db
from backend.requests import deadlines, services
from backend.workdays import services as workdays
from tests.backend.requests.conftest import NOW, raise_request
from tests.factories import TimeLimitFactory


def test_due_times_count_working_days(world, ctx):
    assert NOW.weekday() == 4  # a Friday (10:00 in Shanghai)
    request = raise_request(world, category="environment")  # 2 hours to accept, 3 working days to resolve
    assert request.accept_due_at == NOW + timedelta(hours=2)
    services.transition(db.session, world.staff1, request, "accept", {}, now=NOW)
    assert request.resolve_due_at == datetime(2026, 12, 2, 2, 0)  # Mon, Tue, Wed: Wednesday 10:00
    saturday = datetime(2026, 11, 28, 2, 0)
    assert deadlines.add_working_days(db.session, saturday, 1) == datetime(2026, 11, 30, 2, 0)  # the Monday


def test_due_times_follow_the_working_calendar(world, ctx):
    """Friday 27 November: a holiday on Monday to Wednesday, and Sunday worked in exchange."""
    workdays.mark(db.session, world.admin, {"first": "2026-11-30", "last": "2026-12-02", "kind": "holiday",
                                             "name": "测试假期"})
    workdays.mark(db.session, world.admin, {"first": "2026-11-29", "kind": "workday", "name": "调休"})
    db.session.commit()
    request = raise_request(world, category="environment")  # 3 working days: Sunday, Thursday, Friday
    services.transition(db.session, world.staff1, request, "accept", {}, now=NOW)
    assert request.resolve_due_at == datetime(2026, 12, 4, 2, 0)
    assert request.accept_due_at == NOW + timedelta(hours=2)  # hours run on the clock, holiday or not
    # From the holiday's first day (Monday 02:00 in Shanghai), one working day on is Thursday 02:00.
    assert deadlines.add_working_days(db.session, datetime(2026, 11, 29, 18, 0), 1) == datetime(2026, 12, 2, 18, 0)
    # The calendar changes: a clock already running keeps its due time; a new one follows.
    workdays.unmark(db.session, world.admin, date(2026, 11, 29))
    db.session.commit()
    assert request.resolve_due_at == datetime(2026, 12, 4, 2, 0)
    later = raise_request(world, category="environment")
    services.transition(db.session, world.staff1, later, "accept", {}, now=NOW)
    assert later.resolve_due_at == datetime(2026, 12, 7, 2, 0)  # Thursday, Friday, Monday


def test_a_community_overrides_a_category(world):
    TimeLimitFactory(community=world.C1, category_code="environment", accept_hours=8, resolve_days=1)
    db.session.commit()
    request = raise_request(world, category="environment")
    assert request.accept_due_at == NOW + timedelta(hours=8)
    other = raise_request(world, category="safety")  # category default: 1 hour
    assert other.accept_due_at == NOW + timedelta(hours=1)


def test_late_requests_are_counted_without_the_sweep(world):
    request = raise_request(world)
    assert not deadlines.is_late(request, NOW + timedelta(hours=1))
    assert deadlines.is_late(request, NOW + timedelta(hours=3))


def test_each_state_works_against_the_limit_of_its_stage(world):
    request = raise_request(world)
    request.resolve_due_at = NOW + timedelta(days=3)
    for status in deadlines.ACCEPT_STAGE:
        request.status = status
        assert deadlines.stage(request) == ("accept", request.accept_due_at), status
    for status in deadlines.RESOLVE_STAGE:
        request.status = status
        assert deadlines.stage(request) == ("resolve", request.resolve_due_at), status
    for status in ("resolved", "closed", "withdrawn", "merged"):
        request.status = status
        assert deadlines.stage(request) == (None, None), status
        assert not deadlines.is_late(request, NOW + timedelta(days=30))
    db.session.rollback()


def test_limits_come_from_the_community_then_the_category(world):
    TimeLimitFactory(community=world.C1, category_code="safety", accept_hours=5, resolve_days=9)
    db.session.commit()
    assert deadlines.limits(db.session, world.C1.id, "safety") == (5, 9)
    assert deadlines.limits(db.session, world.C2.id, "safety") == (1, 1)
    assert deadlines.limits(db.session, world.C1.id, "elderly_care") == (1, 2)
    assert deadlines.limits(db.session, world.C1.id, "no-such-category") == (2, 3)
