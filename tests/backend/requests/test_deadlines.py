"""Time limits on a frozen clock: working days, overdue flags, automatic escalation."""

from datetime import date, datetime, timedelta

from backend.extensions import db
from backend.requests import deadlines, services, sweep
from backend.requests.models import RequestEvent, TimeLimit
from backend.workdays import services as workdays
from tests.backend.requests.conftest import NOW, raise_request


def _kinds(request):
    return [e.kind for e in db.session.scalars(db.select(RequestEvent).where(RequestEvent.request_id == request.id)
                                               .order_by(RequestEvent.version))]


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
    db.session.add(TimeLimit(community_id=world.C1.id, category_code="environment", accept_hours=8, resolve_days=1))
    db.session.commit()
    request = raise_request(world, category="environment")
    assert request.accept_due_at == NOW + timedelta(hours=8)
    other = raise_request(world, category="safety")  # category default: 1 hour
    assert other.accept_due_at == NOW + timedelta(hours=1)


def test_sweep_flags_and_escalates_once(world):
    request = raise_request(world, category="environment")
    assert sweep.sweep(db.session, NOW + timedelta(hours=1))["overdue"] == 0
    assert not request.overdue
    later = NOW + timedelta(hours=3)
    counts = sweep.sweep(db.session, later)
    db.session.commit()
    assert counts == {"overdue": 1, "auto_escalated": 1, "closed": 0}
    assert request.overdue and request.overdue_stage == "accept"
    assert (request.status, request.level, request.holder_node_id) == ("escalated", "street", world.S1.id)
    assert request.accept_due_at == later + timedelta(hours=2) and request.escalations == 1
    assert sweep.sweep(db.session, later + timedelta(minutes=5))["overdue"] == 0  # idempotent
    assert _kinds(request) == ["submitted", "overdue", "auto_escalated"]
    overdue = db.session.scalar(db.select(RequestEvent).where(RequestEvent.kind == "overdue"))
    assert not overdue.public and overdue.created_at == later
    # The street misses its limit too: up to the district; the district is only flagged, once.
    sweep.sweep(db.session, later + timedelta(hours=3))
    assert (request.level, request.holder_node_id) == ("district", world.D.id)
    at_district = later + timedelta(hours=6)
    assert sweep.sweep(db.session, at_district) == {"overdue": 1, "auto_escalated": 0, "closed": 0}
    assert sweep.sweep(db.session, at_district + timedelta(days=1))["overdue"] == 0
    assert request.level == "district" and _kinds(request).count("overdue") == 3


def test_the_resolve_stage_has_its_own_limit(world):
    request = raise_request(world, category="environment")
    services.transition(db.session, world.staff1, request, "accept", {}, now=NOW + timedelta(hours=1))
    assert sweep.sweep(db.session, NOW + timedelta(days=3))["overdue"] == 0  # the weekend does not count
    sweep.sweep(db.session, NOW + timedelta(days=6))
    assert request.overdue_stage == "resolve" and request.level == "street" and request.status == "escalated"


def test_late_requests_are_counted_without_the_sweep(world):
    request = raise_request(world)
    assert not deadlines.is_late(request, NOW + timedelta(hours=1))
    assert deadlines.is_late(request, NOW + timedelta(hours=3))


def test_resolved_requests_nobody_rates_close_after_seven_days(world):
    request = raise_request(world)
    for actor, action, data in [(world.staff1, "accept", {}), (world.staff1, "resolve", {"message": "好了"})]:
        services.transition(db.session, actor, request, action, data, now=NOW)
    assert sweep.sweep(db.session, NOW + timedelta(days=6))["closed"] == 0
    assert sweep.sweep(db.session, NOW + timedelta(days=8))["closed"] == 1
    assert request.status == "closed" and _kinds(request)[-1] == "closed"
    assert sweep.sweep(db.session, NOW + timedelta(days=9))["closed"] == 0


def test_the_sweep_command_runs(world, app):
    raise_request(world)
    result = app.test_cli_runner().invoke(args=["requests-sweep"])
    assert result.exit_code == 0, result.output
    assert "escalated automatically" in result.output
