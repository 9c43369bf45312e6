"""`generate-visit-tasks`: every community or the ones named, as of a date
(default: today in the local zone), with a line per community that changed
and the totals; an unknown community is an error naming it."""

from datetime import timedelta

from click.testing import CliRunner
from flask.cli import ScriptInfo
from sqlalchemy import select

from backend.extensions import db
from backend.fieldwork.visits import services
from backend.fieldwork.visits.cli import generate_visit_tasks_command
from backend.fieldwork.visits.models import VisitTask


def _run(app, *args):
    return CliRunner().invoke(generate_visit_tasks_command, list(args), obj=ScriptInfo(create_app=lambda: app))


def _due_dates():
    db.session.expire_all()
    return {task.household_id: task.due_date for task in db.session.scalars(select(VisitTask))}


def test_the_command(world, app):
    today = services.local_today()
    out = _run(app, "--date", today.isoformat())
    assert out.exit_code == 0, out.output
    assert "3 tasks created" in out.output  # H1, H2 and the village's H3; H5 has no care tag
    out = _run(app, "--community", world.C1.id)
    assert out.exit_code == 0 and "0 tasks created" in out.output
    out = _run(app, "--community", "nope")
    assert out.exit_code != 0 and "No such community" in out.output


def test_a_named_community_only_and_its_line(world, app):
    out = _run(app, "--community", world.V1.id)
    assert out.exit_code == 0, out.output
    assert f"{world.V1.name}: 1 created, 0 updated, 0 cancelled, 0 completed" in out.output
    assert world.C1.name not in out.output  # not asked, not run
    assert out.output.rstrip().endswith("1 tasks created, 0 updated, 0 cancelled, 0 completed")
    assert set(_due_dates()) == {world.H3.id}


def test_the_date_defaults_to_the_local_today(world, app):
    out = _run(app)
    assert out.exit_code == 0, out.output
    today = services.local_today()
    assert f"as of {today.isoformat()}" in out.output
    assert set(_due_dates().values()) == {today}  # never visited: due the day of the run


def test_a_later_date_is_the_day_tasks_fall_due(world, app):
    later = services.local_today() + timedelta(days=10)
    out = _run(app, "--date", later.isoformat(), "--community", world.C1.id)
    assert out.exit_code == 0, out.output
    assert _due_dates() == {world.H1.id: later, world.H2.id: later}


def test_a_malformed_date_is_refused(world, app):
    out = _run(app, "--date", "27/11/2026")
    assert out.exit_code != 0 and "--date" in out.output
    assert _due_dates() == {}
