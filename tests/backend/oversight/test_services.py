"""The audit page's queries: filters by account, action, kind of record and local days,
newest first, inside the viewer's scope; the week's alerts; today's count."""

from datetime import datetime, timedelta

from werkzeug.datastructures import MultiDict

from backend import clock
from backend.audit import services as audit
from backend.extensions import db
from backend.oversight import services
from tests.factories import RevealAlertFactory
from tests.timing import EPOCH


def _listed(viewer, **args):
    filters, errors = services.parse_filters(MultiDict(args))
    assert errors == {}
    return [(e.actor.username if e.actor else None, e.action, e.target_type)
            for e in db.session.scalars(services.entries(viewer, filters))]


def _seed(world):
    clock.run_from(EPOCH - timedelta(days=2))
    audit.record(world.worker1, "reveal", "resident", world.R1.id, {"field": "phone"})
    clock.run_from(EPOCH - timedelta(days=1))
    audit.record(world.worker2, "update", "household", world.H2.id)
    db.session.commit()  # stamped when written
    clock.run_from(EPOCH)
    audit.record(world.staff1, "reveal", "request", "q-1", {"field": "requester_phone"})
    audit.record(world.staff2, "reveal", "resident", world.R5.id, {"field": "phone"})
    db.session.commit()


def test_newest_first_and_only_in_scope(world):
    _seed(world)
    assert _listed(world.staff1) == [("staff1", "reveal", "request"), ("worker2", "update", "household"),
                                     ("worker1", "reveal", "resident")]


def test_filters_by_account_action_and_kind(world):
    world.worker2.display_name = "李网格"
    db.session.commit()
    _seed(world)
    assert _listed(world.street1, account="WORKER1") == [("worker1", "reveal", "resident")]
    assert _listed(world.street1, account="李网") == [("worker2", "update", "household")]
    assert [row[0] for row in _listed(world.street1, action="reveal")] == ["staff2", "staff1", "worker1"]
    assert _listed(world.street1, action="reveal", target_type="resident")[-1] == ("worker1", "reveal", "resident")
    assert {row[0] for row in _listed(world.street1, action="reveal", target_type="resident")} == {"staff2",
                                                                                                   "worker1"}


def test_filters_by_local_days(world):
    _seed(world)
    yesterday = (EPOCH - timedelta(days=1)).date().isoformat()
    assert _listed(world.staff1, since=yesterday, until=yesterday) == [("worker2", "update", "household")]
    assert [row[0] for row in _listed(world.staff1, since=yesterday)] == ["staff1", "worker2"]
    assert [row[0] for row in _listed(world.staff1, until=yesterday)] == ["worker2", "worker1"]


def test_a_late_evening_belongs_to_its_local_day(world):
    clock.run_from(datetime(2026, 11, 27, 16, 30))  # 00:30 on the 28th in Shanghai
    audit.record(world.worker1, "reveal", "resident", world.R1.id)
    db.session.commit()
    assert _listed(world.staff1, since="2026-11-28", until="2026-11-28") == [("worker1", "reveal", "resident")]
    assert _listed(world.staff1, until="2026-11-27") == []


def test_bad_filters_are_reported_and_left_out(ctx):
    filters, errors = services.parse_filters(MultiDict({"since": "yesterday", "until": "2026-13-01"}))
    assert set(errors) == {"since", "until"} and filters["since"] is None and filters["until"] is None
    filters, errors = services.parse_filters(MultiDict({"since": "2026-11-27", "until": "2026-11-01"}))
    assert set(errors) == {"until"} and filters["until"] is None
    filters, _ = services.parse_filters(MultiDict({"account": "x" * 500}))
    assert len(filters["account"]) == 50


def test_choices_come_from_the_viewers_entries(world):
    _seed(world)
    audit.record(world.admin, "mark_calendar", "calendar", "2026-10-01")
    db.session.commit()
    assert services.choices(db.session, world.staff1) == (["reveal", "update"], ["household", "request", "resident"])
    assert "mark_calendar" in services.choices(db.session, world.admin)[0]


def test_the_weeks_alerts_and_todays_count(world):
    today = EPOCH.date()
    RevealAlertFactory(user=world.worker1, day=today)
    RevealAlertFactory(user=world.worker2, day=today - timedelta(days=6))
    RevealAlertFactory(user=world.worker1, day=today - timedelta(days=7))
    RevealAlertFactory(user=world.staff2, day=today)
    db.session.commit()
    listed = services.recent_alerts(db.session, world.staff1)
    assert [(a.user.username, a.day) for a in listed] == [("worker1", today), ("worker2", today - timedelta(days=6))]
    assert services.alerts_today(db.session, world.staff1) == 1
    assert services.alerts_today(db.session, world.street1) == 2
    assert services.alerts_today(db.session, world.worker1) == 0


def test_the_account_filter_is_text_not_a_pattern(world):
    _seed(world)
    assert _listed(world.staff1, account="%") == []
    assert _listed(world.staff1, account="worker_") == []
