"""The points bank's staff pages: a community's pool, flows and helpers; funding, rules, hours,
rewards, redemptions and reversals through forms; messages next to the fields; nothing of a
community the user does not manage; nothing at all for residents."""

import re

import pytest

from backend.extensions import db
from backend.points import rewards, services
from backend.points.models import PointsTransaction, Redemption, Reward
from tests.backend.points.conftest import give


def csrf(client, path="/points/"):
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


@pytest.fixture
def shop(funded):
    give(funded, funded.resident1, 100)
    reward = rewards.create_reward(db.session, funded.staff1, funded.C1.id, {"title": "理发", "points": 50, "stock": 2})
    redemption = rewards.reserve(db.session, funded.resident1, reward.id)
    db.session.commit()
    return funded, reward, redemption


def test_staff_see_the_pool_flows_helpers_and_catalogue(shop, client, auth):
    w, _reward, redemption = shop
    auth.login("staff1")
    page = client.get("/points/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "积分银行" in html  # Chinese first
    assert "data-pool>900<" in html and "理发" in html and f"redemption-{redemption.id}" in html
    assert "resident1 · 100" in html  # the top helper
    assert client.get(f"/points/?community={w.C2.id}").status_code == 404


def test_forms_fund_set_rules_record_hours_and_add_rewards(shop, client, auth):
    w, _reward, _redemption = shop
    auth.login("staff1")
    token = csrf(client)
    assert client.post(f"/points/{w.C1.id}/grant", data={"amount": "500", "csrf_token": token}).status_code == 303
    assert services.pool_balance(db.session, w.C1.id) == 1400
    rules = {"help_points": "12", "help_daily_cap": "36", "hours_rate": "15", "checkin_points": "5",
             "checkin_daily_cap": "20", "csrf_token": token}
    assert client.post(f"/points/{w.C1.id}/rules", data=rules).status_code == 303
    hours = client.post(f"/points/{w.C1.id}/hours", data={"user_id": w.resident1.id, "hours": "2",
                                                          "activity": "敬老院陪护", "csrf_token": token})
    db.session.expire_all()
    assert hours.status_code == 303 and services.balance_of(db.session, w.resident1) == 80  # 100 - 50 + 2 × 15
    added = client.post(f"/points/{w.C1.id}/rewards", data={"title": "大米", "points": "120", "stock": "5",
                                                            "csrf_token": token})
    assert added.status_code == 303 and db.session.query(Reward).count() == 2


def test_bad_input_is_shown_next_to_the_field(shop, client, auth):
    w, _reward, _redemption = shop
    auth.login("staff1")
    token = csrf(client)
    bad = client.post(f"/points/{w.C1.id}/rewards", data={"title": "", "points": "many", "stock": "1",
                                                          "csrf_token": token})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422 and 'id="e-title"' in html and 'id="e-points"' in html
    empty = client.post(f"/points/{w.C1.id}/hours", data={"user_id": "", "hours": "x", "activity": "",
                                                          "csrf_token": token})
    assert empty.status_code == 422 and 'id="e-hours"' in empty.get_data(as_text=True)


def test_redemptions_are_handed_over_and_transactions_reversed(shop, client, auth):
    w, reward, redemption = shop
    auth.login("staff1")
    token = csrf(client)
    page = client.get(f"/points/?community={w.C1.id}").get_data(as_text=True)
    # its own word (兑付), not sharing's 交付物品 for handing an item over
    assert "兑付" in page and "交付物品" not in page
    fulfilled = client.post(f"/points/redemptions/{redemption.id}/fulfil", data={"csrf_token": token})
    db.session.expire_all()
    assert fulfilled.status_code == 303 and db.session.get(Redemption, redemption.id).status == "fulfilled"
    again = client.post(f"/points/redemptions/{redemption.id}/cancel", data={"csrf_token": token})
    assert again.status_code == 422  # told on the page why: it was handed over
    earned = db.session.query(PointsTransaction).filter_by(kind="hours").one()
    no_reason = client.post(f"/points/transactions/{earned.id}/reverse", data={"reason": "", "csrf_token": token})
    assert no_reason.status_code == 422
    spent = client.post(f"/points/transactions/{earned.id}/reverse", data={"reason": "录错了", "csrf_token": token})
    assert spent.status_code == 422  # 50 of the 100 were spent: reversing would overdraw
    changed = client.post(f"/points/rewards/{reward.id}", data={"points": "40", "stock": "9", "csrf_token": token})
    db.session.expire_all()
    assert changed.status_code == 303 and db.session.get(Reward, reward.id).active is False


@pytest.mark.parametrize("username", ["resident1", "worker1"])
def test_residents_and_grid_workers_have_no_points_pages(world, client, auth, username):
    auth.login(username)
    assert client.get("/points/").status_code == 403


def test_another_communitys_records_are_not_found(shop, client, auth):
    _w, reward, redemption = shop
    auth.login("staff2")
    token = csrf(client)
    assert client.post(f"/points/redemptions/{redemption.id}/fulfil", data={"csrf_token": token}).status_code == 404
    assert client.post(f"/points/rewards/{reward.id}", data={"stock": "1", "csrf_token": token}).status_code == 404
