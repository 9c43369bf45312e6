"""Rewards and redemptions: reserve holds points and one item; fulfil spends them; cancel gives
both back; never past the balance or the stock, and each redemption closes once."""

import pytest

from backend.errors import Conflict, Invalid, NotAllowedNow, Refused
from backend.extensions import db
from backend.points import rewards, services, verify
from backend.points.models import Reward
from tests.backend.points.conftest import give
from tests.factories import user


@pytest.fixture
def shop(funded):
    give(funded, funded.resident1, 100)
    reward = rewards.create_reward(db.session, funded.staff1, funded.C1.id,
                                   {"title": "电饭煲", "points": 60, "stock": 1})
    db.session.commit()
    return funded, reward


def test_reserve_then_fulfil(shop):
    w, reward = shop
    redemption = rewards.reserve(db.session, w.resident1, reward.id)
    db.session.commit()
    assert redemption.status == "reserved" and reward.stock_available == 0
    assert services.balance_of(db.session, w.resident1) == 40
    rewards.fulfil(db.session, w.staff1, redemption)
    db.session.commit()
    assert redemption.status == "fulfilled" and services.balance_of(db.session, w.resident1) == 40
    with pytest.raises(NotAllowedNow):
        rewards.cancel(db.session, w.resident1, redemption)
    db.session.rollback()
    assert verify.problems(db.session) == []


def test_cancel_gives_points_and_stock_back_once(shop):
    w, reward = shop
    redemption = rewards.reserve(db.session, w.resident1, reward.id)
    rewards.cancel(db.session, w.resident1, redemption, "不需要了")
    db.session.commit()
    assert services.balance_of(db.session, w.resident1) == 100
    assert db.session.get(Reward, reward.id).stock_available == 1
    with pytest.raises(NotAllowedNow):
        rewards.cancel(db.session, w.staff1, redemption)
    with pytest.raises(Refused):
        rewards.fulfil(db.session, w.resident1, redemption)


def test_out_of_stock_and_short_balance_are_refused_leaving_everything(shop):
    w, reward = shop
    rewards.reserve(db.session, w.resident1, reward.id)
    db.session.commit()
    with pytest.raises(Conflict, match="库存不足"):
        rewards.reserve(db.session, w.resident1, reward.id)
    db.session.rollback()
    rewards.update_reward(db.session, w.staff1, reward, {"stock": 3})
    db.session.commit()
    assert (reward.stock_total, reward.stock_available) == (4, 3)
    with pytest.raises(Conflict, match="积分不足"):
        rewards.reserve(db.session, w.resident1, reward.id)  # 40 left, 60 needed
    db.session.rollback()
    assert db.session.get(Reward, reward.id).stock_available == 3
    assert verify.problems(db.session) == []


def test_a_reward_of_another_community_names_the_field(shop):
    w, reward = shop
    outsider = user("resident5", "resident", home=w.H5)
    with pytest.raises(Invalid) as caught:
        rewards.reserve(db.session, outsider, reward.id)
    assert set(caught.value.errors) == {"reward_id"}
    with pytest.raises(Invalid) as bad:
        rewards.create_reward(db.session, w.staff1, w.C1.id, {"title": "", "points": 0, "stock": -1})
    assert set(bad.value.errors) == {"title", "points", "stock"}


def test_the_catalogue_shows_residents_the_active_rewards_of_their_community(shop):
    w, reward = shop
    hidden = rewards.create_reward(db.session, w.staff1, w.C1.id, {"title": "旧", "points": 5, "stock": 1,
                                                                   "active": False})
    db.session.commit()
    assert [r.id for r in rewards.catalogue(db.session, w.resident1)] == [reward.id]
    assert {r.id for r in rewards.catalogue(db.session, w.staff1, include_inactive=True)} == {reward.id, hidden.id}
    assert rewards.catalogue(db.session, w.staff2) == []
