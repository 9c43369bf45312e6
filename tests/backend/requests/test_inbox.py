"""What the request office reads: the inbox's filters and order, its counts, the
overdue, and whom and which departments a request may be dispatched to."""

from datetime import timedelta

import pytest
from werkzeug.datastructures import MultiDict

from backend.extensions import db
from backend.requests import inbox, services
from tests.backend.requests.conftest import NOW, in_state, raise_request
from tests.factories import DepartmentFactory, user

CODES = {"environment", "safety"}


def _ids(query):
    return [r.id for r in db.session.scalars(query)]


@pytest.fixture
def office(world):
    """Requests of C1 in several states, one of no grid (from Open311), one of another community."""
    made = {
        "submitted": raise_request(world, now=NOW - timedelta(minutes=30)),
        "resolved": in_state(world, "resolved", category="safety"),
        "street": in_state(world, "escalated", level="street"),
        "mine": in_state(world, "dispatched", assignee=world.worker1),
        "other": raise_request(world, actor=world.staff2, household_id=world.H5.id),
    }
    made["no_grid"] = services.create_open311_request(db.session, world.staff1, world.C1, {
        "category": "environment", "description": "路灯不亮"}, now=NOW - timedelta(minutes=10))
    db.session.commit()
    return made


def test_filters_from_a_query_string_ignore_what_they_do_not_know():
    filters = inbox.Filters.from_args(MultiDict({"status": "flying", "category": "nope", "level": "moon",
                                                 "grid": "g-1", "overdue": "1", "mine": "yes"}), CODES)
    assert filters == inbox.Filters(status="open", category=None, grid_id="g-1", overdue=True, mine=False,
                                    level=None)
    assert inbox.Filters.from_args(MultiDict(), CODES) == inbox.Filters()
    kept = inbox.Filters.from_args(MultiDict({"status": "", "category": "safety", "level": "street",
                                              "mine": "1"}), CODES)
    assert (kept.status, kept.category, kept.level, kept.mine) == ("", "safety", "street", True)


def test_the_inbox_filters_within_the_users_scope(world, office):
    def listed(user, **given):
        return set(_ids(inbox.inbox_query(db.session, user, inbox.Filters(**given), NOW)))

    ids = {name: request.id for name, request in office.items()}
    assert listed(world.staff1) == {ids["submitted"], ids["street"], ids["mine"], ids["no_grid"]}
    assert listed(world.staff1, status="") == listed(world.staff1) | {ids["resolved"]}
    assert listed(world.staff1, status="resolved") == {ids["resolved"]}
    assert listed(world.staff1, status="", category="safety") == {ids["resolved"]}
    assert listed(world.staff1, grid_id=inbox.NO_GRID) == {ids["no_grid"]}
    assert listed(world.staff1, grid_id=world.G1.id) == {ids["submitted"], ids["street"], ids["mine"]}
    assert listed(world.staff1, level="street") == {ids["street"]}
    assert listed(world.worker1, mine=True) == {ids["mine"]}
    assert listed(world.staff1, mine=True) == set()
    assert listed(world.staff2) == {ids["other"]}


def test_overdue_is_flagged_or_late_and_open(world, office):
    soon = NOW + timedelta(hours=1)
    assert inbox.overdue_count(db.session, world.staff1, soon) == 0
    office["mine"].overdue = True  # the sweep flagged it once: it stays overdue
    office["resolved"].overdue = True  # resolved since: no longer counted
    db.session.commit()
    flagged = inbox.Filters(overdue=True)
    assert _ids(inbox.inbox_query(db.session, world.staff1, flagged, soon)) == [office["mine"].id]
    assert inbox.is_overdue(office["mine"], soon) and not inbox.is_overdue(office["resolved"], soon)
    # Three hours on, the submitted, the escalated and Open311's missed their two hours to accept.
    later = NOW + timedelta(hours=3)
    assert inbox.overdue_count(db.session, world.staff1, later) == 4
    assert inbox.is_overdue(office["submitted"], later) and not inbox.is_overdue(office["submitted"], soon)
    assert inbox.overdue_count(db.session, world.staff2, later) == 1


def test_officers_see_their_level_first_then_the_overdue_then_the_newest(world, office):
    office["mine"].overdue = True
    db.session.commit()
    order = _ids(inbox.inbox_query(db.session, world.street1, inbox.Filters(), NOW))
    assert order[:2] == [office["street"].id, office["mine"].id]
    staff_order = _ids(inbox.inbox_query(db.session, world.staff1, inbox.Filters(), NOW))
    assert staff_order[0] == office["mine"].id  # no level of their own first: the overdue lead
    newest = [office["street"], office["no_grid"], office["submitted"]]  # created now, 10 and 30 minutes ago
    assert staff_order[1:] == [r.id for r in sorted(newest, key=lambda r: r.created_at, reverse=True)]


def test_status_counts_of_the_users_scope(world, office):
    counts = inbox.status_counts(db.session, world.staff1)
    assert (counts["submitted"], counts["escalated"], counts["dispatched"], counts["resolved"]) == (2, 1, 1, 1)
    assert counts["open"] == 4 and counts["all"] == 5 and counts["closed"] == 0
    assert inbox.status_counts(db.session, world.resident1)["all"] == 4  # their household's
    assert inbox.status_counts(db.session, world.volunteer1)["all"] == 0


def test_a_request_is_assignable_to_the_active_workers_and_staff_covering_it(world, office):
    user("pending_worker", "grid_worker", [world.G1], status="pending")
    db.session.commit()
    assert inbox.assignable(db.session, office["submitted"]) == [world.staff1, world.worker1]
    assert inbox.assignable(db.session, office["no_grid"]) == [world.staff1]  # no grid: no grid worker
    assert inbox.assignable(db.session, office["other"]) == [world.staff2]


def test_departments_for_a_request_serve_its_holder(world, office):
    district = DepartmentFactory(node=world.D, name="区民政局")
    street = DepartmentFactory(node=world.S1, name="城管执法中队")
    community = DepartmentFactory(node=world.C1, name="物业服务站")
    DepartmentFactory(node=world.S2, name="西街道维修所")
    DepartmentFactory(node=world.S1, name="已撤销", active=False)
    db.session.commit()
    assert inbox.departments_for(db.session, office["submitted"]) == [community, street, district]
    assert inbox.departments_for(db.session, office["street"]) == [street, district]  # held by the street now
