"""The sweep on a frozen clock: overdue flags, automatic escalation, closing what nobody rated."""

from datetime import timedelta

from backend.extensions import db
from backend.requests import services, sweep
from backend.requests.models import RequestEvent
from tests.backend.requests.conftest import NOW, raise_request


def _kinds(request):
    return [e.kind for e in db.session.scalars(db.select(RequestEvent).where(RequestEvent.request_id == request.id)
                                               .order_by(RequestEvent.version))]


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


def test_resolved_requests_nobody_rates_close_after_seven_days(world):
    request = raise_request(world)
    for actor, action, data in [(world.staff1, "accept", {}), (world.staff1, "resolve", {"message": "好了"})]:
        services.transition(db.session, actor, request, action, data, now=NOW)
    assert sweep.sweep(db.session, NOW + timedelta(days=6))["closed"] == 0
    assert sweep.sweep(db.session, NOW + timedelta(days=8))["closed"] == 1
    assert request.status == "closed" and _kinds(request)[-1] == "closed"
    assert sweep.sweep(db.session, NOW + timedelta(days=9))["closed"] == 0
