"""What the field-work pages read (backend/fieldwork/visits/reports.py): who
may view them; the communities, grids and authors of a user's area; visits
and patrol reports filtered by place, author, follow-up and local dates;
coverage scoped to the households the user may read; overdue tasks by
assignee. (Coverage and the overdue list on a larger example, with their
pages: tests/frontend/fieldwork/test_fieldwork_pages.py.)"""

from datetime import datetime, timedelta

import pytest

from backend.common import utcnow
from backend.extensions import db
from backend.fieldwork.visits import reports, services
from backend.registry.models import CareTag
from tests.factories import PatrolReportFactory, VisitFactory, VisitTaskFactory, node


@pytest.fixture
def today(ctx):
    return services.local_today()


def local(day, hour, minute=0) -> datetime:
    """The stored (naive UTC) moment of a local time."""
    return services.local_midnight_utc(day) + timedelta(hours=hour, minutes=minute)


def ids(query) -> list:
    return [record.id for record in db.session.scalars(query)]


@pytest.mark.parametrize(("username", "views"), [
    ("admin", True), ("district", True), ("street1", True), ("staff1", True), ("station1", True),
    ("worker1", False), ("volunteer1", False), ("resident1", False),
])
def test_who_may_view_the_field_work_pages(world, username, views):
    assert reports.may_view(world.users[username]) is views


def test_nobody_and_inactive_accounts_may_not_view(world):
    assert not reports.may_view(None)
    world.staff1.status = "pending"
    assert not reports.may_view(world.staff1)


def test_the_communities_and_grids_of_a_users_area(world):
    node("community", "已撤销社区", world.S1, retired_at=utcnow())
    db.session.commit()
    assert {c.id for c in reports.communities_of(world.admin)} == {world.C1.id, world.C2.id, world.V1.id}
    assert {c.id for c in reports.communities_of(world.street1)} == {world.C1.id, world.C2.id}
    assert [c.id for c in reports.communities_of(world.staff1)] == [world.C1.id]
    assert reports.communities_of(world.worker1) == []  # a grid is not a whole community
    assert [g.id for g in reports.grids_of(world.admin, None)] == [world.G1.id, world.G2.id, world.G3.id,
                                                                    world.G5.id]  # by code
    assert [g.id for g in reports.grids_of(world.street1, world.C1)] == [world.G1.id, world.G2.id]
    assert [g.id for g in reports.grids_of(world.staff2, world.C1)] == []


def test_visits_by_place_author_and_follow_up_newest_first(world, today):
    mine = VisitFactory(household=world.H1, author=world.worker1, visited_at=local(today, 9), follow_up=True)
    staffs = VisitFactory(household=world.H1, author=world.staff1, visited_at=local(today, 8))
    g2 = VisitFactory(household=world.H2, author=world.worker2, visited_at=local(today, 10))
    c2 = VisitFactory(household=world.H5, author=world.staff2, visited_at=local(today, 11))
    db.session.commit()
    assert ids(reports.visits_query(world.admin)) == [c2.id, g2.id, mine.id, staffs.id]
    assert ids(reports.visits_query(world.staff1)) == [g2.id, mine.id, staffs.id]  # not C2's
    assert ids(reports.visits_query(world.admin, community=world.C2)) == [c2.id]
    assert ids(reports.visits_query(world.admin, grid_id=world.G1.id)) == [mine.id, staffs.id]
    assert ids(reports.visits_query(world.admin, author_id=world.staff1.id)) == [staffs.id]
    assert ids(reports.visits_query(world.admin, follow_up=True)) == [mine.id]
    assert {u.id for u in reports.authors_of(world.staff1, world.C1)} == {world.worker1.id, world.staff1.id,
                                                                          world.worker2.id}
    assert [u.id for u in reports.authors_of(world.admin, world.C2)] == [world.staff2.id]


def test_dates_are_local_days(world, today):
    """Shanghai's day begins at 16:00 UTC the evening before."""
    day = today - timedelta(days=3)
    early = VisitFactory(household=world.H1, author=world.worker1, visited_at=local(day, 0, 30))
    late = VisitFactory(household=world.H1, author=world.worker1, visited_at=local(day, 23, 30))
    before = VisitFactory(household=world.H1, author=world.worker1, visited_at=local(day, -1))
    after = VisitFactory(household=world.H1, author=world.worker1, visited_at=local(day, 24, 30))
    db.session.commit()
    assert early.visited_at.date() == day - timedelta(days=1)  # stored in UTC: the day before
    assert ids(reports.visits_query(world.admin, since=day, until=day)) == [late.id, early.id]
    assert ids(reports.visits_query(world.admin, since=day)) == [after.id, late.id, early.id]
    assert ids(reports.visits_query(world.admin, until=day - timedelta(days=1))) == [before.id]


def test_patrol_reports_by_place_category_and_dates(world, today):
    repair = PatrolReportFactory(grid=world.G1, author=world.worker1, category="repair",
                                 reported_at=local(today, 9))
    old = PatrolReportFactory(grid=world.G2, author=world.worker2, reported_at=local(today - timedelta(days=8), 9))
    village = PatrolReportFactory(grid=world.G3, author=world.station1, reported_at=local(today, 10))
    db.session.commit()
    assert ids(reports.patrols_query(world.admin)) == [village.id, repair.id, old.id]
    assert ids(reports.patrols_query(world.street1)) == [repair.id, old.id]
    assert ids(reports.patrols_query(world.admin, community=world.V1)) == [village.id]
    assert ids(reports.patrols_query(world.admin, grid_id=world.G2.id)) == [old.id]
    assert ids(reports.patrols_query(world.admin, category="repair")) == [repair.id]
    assert ids(reports.patrols_query(world.admin, since=today - timedelta(days=7))) == [village.id, repair.id]


def test_users_by_id(world):
    assert reports.users_by_id([world.worker1.id, None, "", world.worker1.id]) == {world.worker1.id: world.worker1}
    assert reports.users_by_id([None]) == {}


def visit(household, author, day):
    return VisitFactory(household=household, author=author, visited_at=local(day, 10))


def test_coverage_counts_what_the_user_may_read(world, today):
    """C1: H1 weekly (elderly living alone, G1), H2 monthly (低保, G2)."""
    visit(world.H1, world.worker1, today - timedelta(days=3))
    visit(world.H2, world.worker2, today - timedelta(days=40))
    db.session.commit()
    report = reports.coverage(world.staff1, world.C1, today - timedelta(days=13), today, today, locale="en")
    assert (report.total.needing, report.total.visited, report.total.covered, report.total.percent) == (2, 1, 1, 50)
    assert [(r.key, r.label, r.needing, r.covered) for r in report.grids] == [
        (world.G1.id, world.G1.name, 1, 1), (world.G2.id, world.G2.name, 1, 0)]
    assert {r.key: (r.label, r.covered) for r in report.tags} == {
        "elderly_alone": ("Elderly living alone", 1), "dibao": (db.session.get(CareTag, "dibao").name_en, 0)}
    worker = reports.coverage(world.worker1, world.C1, today - timedelta(days=13), today, today)
    assert (worker.total.needing, [r.key for r in worker.grids]) == (1, [world.G1.id])


def test_coverage_of_nothing_to_visit_has_no_percent(world, today):
    report = reports.coverage(world.staff2, world.C2, today - timedelta(days=7), today, today)
    assert (report.total.needing, report.total.percent, report.tags) == (0, None, [])


def test_a_visit_just_outside_the_interval_does_not_cover(world, today):
    visit(world.H1, world.worker1, today - timedelta(days=7))  # weekly: seven days ago is one too many
    db.session.commit()
    report = reports.coverage(world.staff1, world.C1, today - timedelta(days=13), today, today)
    assert (report.total.visited, report.total.covered) == (1, 0)
    visit(world.H1, world.worker1, today - timedelta(days=6))
    db.session.commit()
    assert reports.coverage(world.staff1, world.C1, today - timedelta(days=13), today, today).total.covered == 1


def test_overdue_tasks_by_assignee_and_grid(world, today):
    late = VisitTaskFactory(household=world.H1, due_date=today - timedelta(days=4), assignee_id=world.worker1.id)
    later = VisitTaskFactory(household=world.H1, due_date=today - timedelta(days=1), assignee_id=world.worker1.id)
    unassigned = VisitTaskFactory(household=world.H2, due_date=today - timedelta(days=2))
    VisitTaskFactory(household=world.H2, due_date=today)  # due today: not overdue
    VisitTaskFactory(household=world.H1, due_date=today - timedelta(days=9), status="done")
    VisitTaskFactory(household=world.H5, due_date=today - timedelta(days=9))  # another community
    db.session.commit()
    assert ids(reports.overdue_query(world.staff1, today)) == [late.id, unassigned.id, later.id]
    assert ids(reports.overdue_query(world.staff1, today, assignee="none")) == [unassigned.id]
    assert ids(reports.overdue_query(world.staff1, today, assignee=world.worker1.id)) == [late.id, later.id]
    assert ids(reports.overdue_query(world.staff1, today, grid_id=world.G2.id)) == [unassigned.id]
    assert ids(reports.overdue_query(world.admin, today, community=world.C1)) == [late.id, unassigned.id, later.id]
    assert reports.overdue_per_worker(world.staff1, today) == [
        (world.worker1, 2, today - timedelta(days=4)), (None, 1, today - timedelta(days=2))]
    assert reports.overdue_per_worker(world.staff2, today) == [(None, 1, today - timedelta(days=9))]

