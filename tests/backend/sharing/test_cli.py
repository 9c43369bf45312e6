"""`flask sharing-sweep`: the sweep in one transaction, on the controlled clock."""

from datetime import timedelta

from backend import clock
from backend.extensions import db
from backend.sharing.models import PostResponse
from tests.backend.sharing.conftest import NOW, answer, make_post, step


def test_the_sweep_command_flags_and_commits(app, world, neighbours):
    loan = answer(make_post(world.resident1), neighbours["resident2"])
    step(loan, world.resident1, "accept")
    step(loan, world.resident1, "hand_over", due_at=(NOW + timedelta(days=1)).isoformat() + "Z")
    loan_id = loan.id
    clock.run_from(NOW + timedelta(days=2))
    result = app.test_cli_runner().invoke(args=["sharing-sweep"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "1 reminded, 1 overdue, 0 closed"
    db.session.remove()
    assert db.session.get(PostResponse, loan_id).overdue
    again = app.test_cli_runner().invoke(args=["sharing-sweep"])
    assert again.output.strip() == "0 reminded, 0 overdue, 0 closed"
