"""The sweep: a reminder before a loan is due, the overdue flag after, exchanges closed CLOSE_DAYS after
they were done (signalling help the helped side confirmed), each once, on the controlled clock."""

from datetime import timedelta

from backend.extensions import db
from backend.sharing import exchanges
from backend.sharing.machine import CLOSE_DAYS
from backend.sharing.signals import help_confirmed
from tests.backend.sharing.conftest import NOW, answer, make_post, step


def test_a_loan_is_reminded_then_flagged_once_and_unflagged_when_returned(world, neighbours):
    post = make_post(world.resident1)
    loan = answer(post, neighbours["resident2"])
    step(loan, world.resident1, "accept")
    step(loan, world.resident1, "hand_over", due_at=(NOW + timedelta(days=3)).isoformat() + "Z")
    assert exchanges.sweep(db.session, now=NOW + timedelta(days=1)) == {"reminded": 0, "overdue": 0, "closed": 0}
    day_before = NOW + timedelta(days=2, hours=1)
    assert exchanges.sweep(db.session, now=day_before)["reminded"] == 1 and loan.reminded_at == day_before
    assert exchanges.sweep(db.session, now=day_before)["reminded"] == 0
    late = NOW + timedelta(days=4)
    assert exchanges.sweep(db.session, now=late) == {"reminded": 0, "overdue": 1, "closed": 0}
    assert loan.overdue and exchanges.overdue_count(db.session, world.staff1) == 1
    assert exchanges.overdue_count(db.session, world.staff2) == 0
    assert exchanges.sweep(db.session, now=late)["overdue"] == 0
    step(loan, world.resident1, "return", now=late)
    assert not loan.overdue and exchanges.overdue_count(db.session, world.staff1) == 0


def test_done_exchanges_close_after_the_days_and_help_confirmed_by_the_helped_side_is_signalled(world, neighbours):
    received = []

    def receiver(sender, session, now):
        received.append(sender.id)

    help_confirmed.connect(receiver)
    try:
        asked = make_post(world.resident1, kind="help", title="水龙头漏水")
        helped = answer(asked, neighbours["resident2"], message="我可以帮助你")
        step(helped, world.resident1, "accept")
        step(helped, neighbours["resident2"], "done")
        step(helped, world.resident1, "confirm")  # the helped side says so; the helper never confirms
        unconfirmed = answer(make_post(world.resident1, kind="help", title="搬家"), neighbours["resident2"])
        step(unconfirmed, world.resident1, "accept")
        step(unconfirmed, world.resident1, "done")
        almost = NOW + timedelta(days=CLOSE_DAYS) - timedelta(minutes=1)
        assert exchanges.sweep(db.session, now=almost)["closed"] == 0
        after = NOW + timedelta(days=CLOSE_DAYS, minutes=1)
        assert exchanges.sweep(db.session, now=after)["closed"] == 2
        assert (helped.status, helped.closed_at, unconfirmed.status) == ("closed", after, "closed")
        assert received == [helped.id]
        assert exchanges.sweep(db.session, now=after + timedelta(days=1))["closed"] == 0
        assert received == [helped.id]
        assert exchanges.actions_for(world.resident1, helped) == []  # closed: no more ratings
    finally:
        help_confirmed.disconnect(receiver)
