"""The demo seed comes with field work: weeks of visits by the grids' workers,
patrol reports, open and overdue tasks, consistent with the generator."""

from sqlalchemy import func, select

from backend.auth.models import User
from backend.extensions import db
from backend.fieldwork.patrols.models import PatrolReport
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
