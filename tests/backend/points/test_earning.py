"""Earning: points from the pool, idempotent on the reference, capped per day; volunteer hours; and
the receiver of sharing's help_confirmed signal."""

from dataclasses import dataclass
from datetime import timedelta

import pytest

from backend import clock
from backend.errors import Invalid, Refused
from backend.extensions import db
from backend.points import earning, ledger, rules, services, verify
from backend.sharing.signals import help_confirmed


def test_an_award_pays_quantity_times_the_rate_from_the_pool_once(funded):
    w = funded
    first = earning.award(db.session, community_id=w.C1.id, user_id=w.resident1.id, rule="hours",
                          reference="hours:a", quantity=1.5)
    again = earning.award(db.session, community_id=w.C1.id, user_id=w.resident1.id, rule="hours",
                          reference="hours:a", quantity=1.5)
    db.session.commit()
    assert again.id == first.id
    assert services.balance_of(db.session, w.resident1) == 15
    assert services.pool_balance(db.session, w.C1.id) == 985


def test_help_is_capped_per_day_partially_then_to_nothing(funded):
    w = funded
    rules.set_rules(db.session, w.staff1, w.C1.id, {"help_points": 20, "help_daily_cap": 30})
    amounts = []
    for n in range(3):
        transaction = earning.award(db.session, community_id=w.C1.id, user_id=w.resident1.id, rule="help",
                                    reference=f"exchange:{n}")
        amounts.append(sum(e.amount for e in transaction.entries if e.amount > 0))
    db.session.commit()
    assert amounts == [20, 10, 0]
    assert ledger.existing(db.session, "exchange:2").memo == "capped"
    tomorrow = earning.award(db.session, community_id=w.C1.id, user_id=w.resident1.id, rule="help",
                             reference="exchange:3", now=clock.now() + timedelta(days=1))
    assert sum(e.amount for e in tomorrow.entries if e.amount > 0) == 20


def test_an_empty_pool_refuses_the_award(world):
    with pytest.raises(ledger.Overdraft) as caught:
        earning.award(db.session, community_id=world.C1.id, user_id=world.resident1.id, rule="hours",
                      reference="hours:b", quantity=1)
    assert "积分池" in caught.value.detail  # Chinese first: "the community's pool is empty"
    db.session.rollback()
    assert services.balance_of(db.session, world.resident1) == 0


def test_hours_are_recorded_by_staff_or_a_grid_worker_with_their_points(funded):
    w = funded
    record = earning.record_hours(db.session, w.worker1, user_id=w.resident1.id, hours=2, activity="敬老院陪护",
                                  worked_on=None)
    db.session.commit()
    assert record.transaction_id and services.balance_of(db.session, w.resident1) == 20
    with pytest.raises(Refused):
        earning.record_hours(db.session, w.staff2, user_id=w.resident1.id, hours=1, activity="x", worked_on=None)
    with pytest.raises(Invalid) as caught:
        earning.record_hours(db.session, w.staff1, user_id="nobody", hours=30, activity="", worked_on=None)
    assert set(caught.value.errors) == {"user_id", "hours", "activity"}


@dataclass
class Exchange:
    """What sharing's PostResponse carries for the signal (contract section 2)."""

    id: str
    community_id: str
    helper_id: str
    kind: str = "help"


def test_a_confirmed_help_exchange_pays_its_helper_once(funded):
    w = funded
    exchange = Exchange(id="0f3c9a1e-0000-4000-8000-000000000001", community_id=w.C1.id, helper_id=w.resident1.id)
    help_confirmed.send(exchange, session=db.session, now=clock.now())
    help_confirmed.send(exchange, session=db.session, now=clock.now())
    db.session.commit()
    assert services.balance_of(db.session, w.resident1) == rules.DEFAULTS.help_points
    assert ledger.existing(db.session, f"exchange:{exchange.id}") is not None
    assert verify.problems(db.session) == []


def test_an_empty_pool_does_not_undo_the_exchange(world):
    exchange = Exchange(id="0f3c9a1e-0000-4000-8000-000000000002", community_id=world.C1.id,
                        helper_id=world.resident1.id)
    help_confirmed.send(exchange, session=db.session, now=clock.now())  # no error reaches sharing
    db.session.commit()
    assert ledger.existing(db.session, f"exchange:{exchange.id}") is None
