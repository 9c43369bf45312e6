"""The alert on unusual reveals: recorded exactly once per account and local day,
when that day's reveals (and exports) reach the threshold, never below it."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from backend import clock
from backend.audit import alerts
from backend.audit import services as audit
from backend.audit.models import RevealAlert
from backend.extensions import db
from backend.registry import services as registry
from tests.timing import EPOCH


@pytest.fixture
def threshold(app, monkeypatch):
    monkeypatch.setitem(app.config, "REVEAL_ALERT_PER_DAY", 3)
    return 3


def _alerts():
    db.session.expire_all()
    return [(a.user_id, a.day, a.count, a.threshold) for a in
            db.session.scalars(select(RevealAlert).order_by(RevealAlert.day, RevealAlert.user_id))]


def _reveal(user, n=1, action="reveal"):
    for _ in range(n):
        audit.record(user, action, "resident", "r-1", {"field": "phone"})
    db.session.commit()


def test_the_alert_fires_once_at_the_threshold_and_not_below(world, threshold):
    day = alerts.local_day(clock.now())
    _reveal(world.worker1, 2)
    assert _alerts() == []
    _reveal(world.worker1)
    assert _alerts() == [(world.worker1.id, day, 3, 3)]
    _reveal(world.worker1, 4)
    assert _alerts() == [(world.worker1.id, day, 3, 3)]


def test_each_account_is_counted_alone_and_other_actions_do_not_count(world, threshold):
    _reveal(world.worker1, 2)
    _reveal(world.worker2, 2)
    for _ in range(5):
        audit.record(world.worker1, "update", "resident", "r-1", {"fields": ["phone"]})
    audit.record(None, "reveal", "resident", "r-1")
    db.session.commit()
    assert _alerts() == []
    _reveal(world.worker2, 1, action="export")
    assert [a[0] for a in _alerts()] == [world.worker2.id]


def test_the_day_is_the_deployments_local_day(world, threshold):
    # 23:30 in Shanghai is 15:30 UTC; half an hour later a new local day starts.
    late = datetime(2026, 11, 27, 15, 30)
    clock.run_from(late)
    _reveal(world.worker1, 2)
    clock.run_from(late + timedelta(hours=1))
    _reveal(world.worker1)
    assert _alerts() == []
    _reveal(world.worker1, 2)
    assert _alerts() == [(world.worker1.id, datetime(2026, 11, 28).date(), 3, 3)]


def test_a_new_day_raises_a_new_alert(world, threshold):
    _reveal(world.worker1, 3)
    clock.run_from(EPOCH + timedelta(days=1))
    _reveal(world.worker1, 2)
    assert len(_alerts()) == 1
    _reveal(world.worker1)
    assert [a[1] for a in _alerts()] == [alerts.local_day(EPOCH), alerts.local_day(EPOCH + timedelta(days=1))]


def test_a_threshold_of_zero_turns_the_alert_off(world, app, monkeypatch):
    monkeypatch.setitem(app.config, "REVEAL_ALERT_PER_DAY", 0)
    _reveal(world.worker1, 30)
    assert _alerts() == []


def test_the_default_threshold_is_twenty(world):
    _reveal(world.staff1, 19)
    assert _alerts() == []
    _reveal(world.staff1)
    assert _alerts()[0][2:] == (20, 20)


def test_reveals_through_the_registry_raise_it(world, threshold):
    for _ in range(3):
        assert registry.reveal(world.staff1, world.R1, "id_number") == "11010119400101123X"
    db.session.commit()
    assert [a[0] for a in _alerts()] == [world.staff1.id]


def test_day_bounds_cover_the_local_day_in_utc(ctx):
    start, end = alerts.day_bounds(datetime(2026, 11, 28).date())
    assert (start, end) == (datetime(2026, 11, 27, 16, 0), datetime(2026, 11, 28, 16, 0))
