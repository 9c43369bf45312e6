"""/api/v1/points: residents' balance, history and redeemable rewards; staff's pool, flows, rules,
grants, hours and reversals; problems naming the field; nothing of another community."""

import pytest

from backend.extensions import db
from backend.points import rewards
from tests.backend.points.conftest import give


@pytest.fixture
def shop(funded):
    give(funded, funded.resident1, 100)
    cheap = rewards.create_reward(db.session, funded.staff1, funded.C1.id, {"title": "理发", "points": 50, "stock": 2})
    rewards.create_reward(db.session, funded.staff1, funded.C1.id, {"title": "电饭煲", "points": 200, "stock": 1})
    db.session.commit()
    return funded, cheap.id


def test_a_resident_sees_balance_history_and_what_they_can_redeem(shop, client, auth):
    _w, cheap = shop
    headers = auth.headers("resident1")
    me = client.get("/api/v1/points/me", headers=headers).get_json()
    assert me["balance"] == 100 and [e["amount"] for e in me["entries"]] == [100]
    assert [r["id"] for r in me["redeemable"]] == [cheap]
    assert me["partners"] == []
    assert len(client.get("/api/v1/points/rewards", headers=headers).get_json()["items"]) == 2
    made = client.post("/api/v1/points/redemptions", json={"reward_id": cheap}, headers=headers)
    assert made.status_code == 201 and made.get_json()["status"] == "reserved"
    redemption = made.get_json()["id"]
    listed = client.get("/api/v1/points/redemptions", headers=headers).get_json()["items"]
    assert [r["id"] for r in listed] == [redemption]
    cancelled = client.post(f"/api/v1/points/redemptions/{redemption}/cancel", json={}, headers=headers)
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"
    entries = client.get("/api/v1/points/entries", headers=headers).get_json()["items"]
    assert [e["amount"] for e in entries] == [50, -50, 100]


def test_refusals_are_problems_with_the_reason_or_the_field(shop, client, auth):
    w, _cheap = shop
    headers = auth.headers("resident1")
    dear = next(r for r in rewards.catalogue(db.session, w.resident1) if r.points == 200)
    short = client.post("/api/v1/points/redemptions", json={"reward_id": dear.id}, headers=headers)
    assert short.status_code == 409 and short.mimetype == "application/problem+json"
    assert short.get_json()["title"] == "Rejected"
    bad = client.post("/api/v1/points/donations", json={"to_kind": "nobody", "amount": "3"}, headers=headers)
    assert bad.status_code == 422 and set(bad.get_json()["errors"]) == {"to_kind", "amount"}
    unknown = client.post("/api/v1/points/redemptions", json={"reward_id": "nope"}, headers=headers)
    assert unknown.status_code == 422 and set(unknown.get_json()["errors"]) == {"reward_id"}
    staff_only = client.post("/api/v1/points/grants", json={"community_id": w.C1.id, "amount": 5}, headers=headers)
    assert staff_only.status_code == 422 and "community_id" in staff_only.get_json()["errors"]


def test_staff_see_their_communitys_pool_flows_and_helpers_and_manage_it(shop, client, auth):
    w, cheap = shop
    headers = auth.headers("staff1")
    summary = client.get(f"/api/v1/points/communities/{w.C1.id}", headers=headers).get_json()
    assert summary["pool"] == 900 and summary["top_helpers"][0]["user_id"] == w.resident1.id
    assert client.get(f"/api/v1/points/communities/{w.C2.id}", headers=headers).status_code == 404
    rules = client.put(f"/api/v1/points/communities/{w.C1.id}/rules", json={"hours_rate": 12}, headers=headers)
    assert rules.status_code == 200 and rules.get_json()["hours_rate"] == 12
    hours = client.post("/api/v1/points/hours", json={"user_id": w.resident1.id, "hours": 1, "activity": "巡逻"},
                        headers=headers)
    assert hours.status_code == 201
    transaction = hours.get_json()["transaction_id"]
    reversed_ = client.post(f"/api/v1/points/transactions/{transaction}/reverse", json={"reason": "录错了"},
                            headers=headers)
    assert reversed_.status_code == 201 and reversed_.get_json()["reverses_id"] == transaction
    again = client.post(f"/api/v1/points/transactions/{transaction}/reverse", json={"reason": "x"}, headers=headers)
    assert again.status_code == 409
    patched = client.patch(f"/api/v1/points/rewards/{cheap}", json={"stock": 10, "active": False}, headers=headers)
    assert patched.get_json()["stock_available"] == 10 and patched.get_json()["active"] is False
    other = auth.headers("staff2")
    assert client.get(f"/api/v1/points/transactions/{transaction}", headers=other).status_code == 404
    assert client.patch(f"/api/v1/points/rewards/{cheap}", json={"stock": 1}, headers=other).status_code == 404


def test_a_resident_learns_the_communities_paired_with_theirs(shop, client, auth):
    w, _cheap = shop
    from backend.points import rules

    rules.pair(db.session, w.staff1, w.C1.id, w.V1.id)
    db.session.commit()
    me = client.get("/api/v1/points/me", headers=auth.headers("resident1")).get_json()
    assert me["partners"] == [{"id": w.V1.id, "name": "柳树村"}]
    gift = client.post("/api/v1/points/donations", headers=auth.headers("resident1"),
                       json={"to_kind": "paired_community", "to_id": me["partners"][0]["id"], "amount": 10})
    assert gift.status_code == 201, gift.get_json()
