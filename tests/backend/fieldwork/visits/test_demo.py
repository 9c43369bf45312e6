"""The demo seed comes with field work: weeks of visits by the grids' workers,
patrol reports, open and overdue tasks, consistent with the generator; the
replay on a small world, and a city too large for it."""

from datetime import timedelta

from sqlalchemy import func, select

from backend.auth.models import User
from backend.extensions import db
from backend.fieldwork.patrols.models import PatrolReport
from backend.fieldwork.visits import demo as fieldwork_demo
from backend.fieldwork.visits import services
from backend.fieldwork.visits.models import Visit, VisitTask
from backend.seed import demo


def test_the_demo_city_has_field_work(ctx):
    summary = demo.build(demo.demo_plan())
    work = summary.fieldwork
    assert work["weeks"] == 8 and work["visits"] >= 100 and work["patrol_reports"] >= 5
    assert work["open_tasks"] > 0 and 0 < work["overdue_tasks"] < work["open_tasks"]
    today = services.local_today()
    oldest = db.session.scalar(select(func.min(Visit.visited_at)))
    assert (today - services.local_date(oldest)).days <= 56
    # Visits in a grid with one worker are that worker's; each completed its task.
    worker1 = db.session.scalar(select(User).where(User.username == "worker1"))
    grid = worker1.scope_nodes[0]
    authors = set(db.session.scalars(select(Visit.author_id).where(Visit.grid_id == grid.id)))
    assert authors == {worker1.id}
    done = db.session.scalar(select(func.count()).select_from(VisitTask).where(VisitTask.status == "done"))
    assert done == work["visits"]
    # Open tasks are what the generator wants today: running it again changes nothing.
    for community in services.communities():
        assert not services.generate_tasks(community, today)
    overdue_workers = set(db.session.scalars(select(VisitTask.assignee_id).where(
        VisitTask.status == "open", VisitTask.due_date < today)))
    assert worker1.id in overdue_workers
    assert db.session.scalar(select(func.count()).select_from(PatrolReport)) == work["patrol_reports"]


def test_the_replay_is_done_by_each_grids_people(world, monkeypatch):
    """On the small world: G1 and G2 have their workers, G5 (和平社区) only its
    staff, the village's G3 nobody, so its household is left overdue."""
    monkeypatch.setattr(fieldwork_demo, "NEGLECTED", 0)  # nobody slips: every grid with people is visited
    today = services.local_today()
    counts = fieldwork_demo.populate(7, today=today, weeks=2)
    visits = list(db.session.scalars(select(Visit)))
    assert counts["visits"] == len(visits) and counts["weeks"] == 2
    people = {world.G1.id: {world.worker1.id}, world.G2.id: {world.worker2.id}, world.G5.id: {world.staff2.id}}
    assert {v.grid_id for v in visits} >= {world.G1.id, world.G2.id}
    for visit in visits:
        assert visit.author_id in people[visit.grid_id]
        assert today - timedelta(days=14) <= services.local_date(visit.visited_at) < today
        task = db.session.get(VisitTask, visit.task_id)
        assert (task.status, task.visit_id) == ("done", visit.id)
    reports = list(db.session.scalars(select(PatrolReport)))
    assert counts["patrol_reports"] == len(reports)
    assert all(r.author_id in people[r.grid_id] and r.grid_id != world.G5.id for r in reports)  # workers only
    [village] = db.session.scalars(select(VisitTask).where(VisitTask.household_id == world.H3.id)).all()
    assert (village.status, village.due_date) == ("open", today - timedelta(days=14))
    assert counts["overdue_tasks"] >= 1 and counts["open_tasks"] >= counts["overdue_tasks"]


def test_a_city_too_large_gets_only_todays_tasks(world):
    plan = demo.make_plan(households=fieldwork_demo.HISTORY_LIMIT + 1, residents=fieldwork_demo.HISTORY_LIMIT + 1)
    counts = fieldwork_demo.seed(plan)
    assert (counts["weeks"], counts["visits"], counts["patrol_reports"]) == (0, 0, 0)
    assert counts["open_tasks"] == 3 and counts["overdue_tasks"] == 0  # H1, H2 and H3, due today
