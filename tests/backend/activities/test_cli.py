"""`flask activities-sweep`: offers expire and go to the next, reminders, attendance closes; one
transaction, on the controlled clock, idempotent."""

from datetime import timedelta

from backend import clock
from backend.activities.models import Activity, Signup
from backend.extensions import db
from tests.backend.activities.conftest import NOW, START, make_activity, sign, step


def test_the_sweep_command_expires_reminds_closes_and_commits(app, world, residents):
    activity = make_activity(world, capacity=1)
    first, second, third = (sign(activity, r) for r in residents[:3])
    step(first, residents[0], "cancel")
    ids = (activity.id, second.id, third.id)
    clock.run_from(NOW + timedelta(hours=25))
    result = app.test_cli_runner().invoke(args=["activities-sweep"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "1 offers expired, 0 reminded, 0 closed, 0 hours posted"
    db.session.remove()
    assert db.session.get(Signup, ids[1]).status == "expired" and db.session.get(Signup, ids[2]).status == "offered"
    clock.run_from(START + timedelta(hours=3))
    result = app.test_cli_runner().invoke(args=["activities-sweep"])
    assert result.output.strip() == "1 offers expired, 0 reminded, 1 closed, 0 hours posted"  # the offer ended
    again = app.test_cli_runner().invoke(args=["activities-sweep"])
    assert again.output.strip() == "0 offers expired, 0 reminded, 0 closed, 0 hours posted"
    db.session.remove()
    assert db.session.get(Activity, ids[0]).status == "done"
