"""The points bank on devices: a resident reserves and cancels through the push (once, however
often it is pushed), is rejected with the reason past the balance or the stock, donates; staff and
grid workers pull the community's rewards with their live stock, staff its redemptions; ledger
entries reach no device until the `user` partition kind (contract section 1) exists."""

from backend.extensions import db
from backend.points import earning, rewards, services
from backend.points.models import Redemption


def _shop(world, points=60, stock=1, balance_hours=10):
    services.grant(db.session, world.staff1, world.C1.id, 1000)
    earning.award(db.session, community_id=world.C1.id, user_id=world.resident1.id, rule="hours",
                  reference="sync:start", quantity=balance_hours)
    reward = rewards.create_reward(db.session, world.staff1, world.C1.id,
                                   {"title": "理发", "points": points, "stock": stock})
    db.session.commit()
    return reward


def results(phone, *mutations):
    response = phone.push_raw(list(mutations))
    assert response.status_code == 200, response.get_json()
    return response.get_json()["results"]


def test_a_reservation_pushed_twice_applies_once_and_staff_see_it_with_the_stock(world, device):
    reward = _shop(world, stock=2)
    phone, staff, worker = device("resident1"), device("staff1"), device("worker1")
    reserve = phone.mutation("redemptions", "create", data={"reward_id": reward.id})
    (first,) = results(phone, reserve)
    (again,) = results(phone, reserve)
    assert first["status"] == "applied" and again["duplicate"] is True
    assert services.balance_of(db.session, world.resident1) == 40
    staff.pull()
    worker.pull()
    assert staff.get("redemptions", reserve["record_id"])["status"] == "reserved"
    assert staff.get("rewards", reward.id)["stock_available"] == 1
    assert worker.get("rewards", reward.id)["stock_available"] == 1
    assert not worker.ids("redemptions") and not staff.ids("points_entries")
    cancel = phone.mutation("redemptions", "action", reserve["record_id"], {"reason": "改天"}, action="cancel")
    (cancelled,) = results(phone, cancel)
    assert cancelled["status"] == "applied"
    staff.pull()
    assert staff.get("redemptions", reserve["record_id"])["status"] == "cancelled"
    assert staff.get("rewards", reward.id)["stock_available"] == 2
    (late,) = results(phone, phone.mutation("redemptions", "action", reserve["record_id"], {}, action="cancel"))
    assert late["status"] == "rejected" and late["error"]["status"] == 409


def test_past_the_balance_or_the_stock_is_rejected_with_the_reason(world, device):
    reward = _shop(world, points=60, stock=1)
    phone = device("resident1")
    (won,) = results(phone, phone.mutation("redemptions", "create", data={"reward_id": reward.id}))
    (lost,) = results(phone, phone.mutation("redemptions", "create", data={"reward_id": reward.id}))
    assert won["status"] == "applied" and lost["status"] == "rejected"
    assert lost["error"]["status"] == 409 and lost["error"]["title"] == "Rejected" and lost["error"]["detail"]
    rewards.update_reward(db.session, world.staff1, reward, {"stock": 5})
    db.session.commit()
    (short,) = results(phone, phone.mutation("redemptions", "create", data={"reward_id": reward.id}))
    assert short["status"] == "rejected" and short["error"]["title"] == "Rejected"
    assert db.session.query(Redemption).count() == 1


def test_donations_apply_once_and_bad_ones_name_the_field(world, device):
    _shop(world)
    phone = device("resident1")
    gift = phone.mutation("donations", "create", data={"to_kind": "community_pool", "amount": 30, "message": "回馈"})
    (applied,) = results(phone, gift)
    (again,) = results(phone, gift)
    assert applied["status"] == "applied" and again["duplicate"] is True
    assert services.balance_of(db.session, world.resident1) == 70
    (bad,) = results(phone, phone.mutation("donations", "create", data={"to_kind": "paired_community",
                                                                         "to_id": world.V1.id, "amount": 5}))
    assert bad["status"] == "rejected" and set(bad["error"]["errors"]) == {"to_id"}


def test_devices_never_write_entries_or_rewards(world, device):
    reward = _shop(world)
    phone = device("staff1")
    (entry,) = results(phone, phone.mutation("points_entries", "create", data={}))
    (changed,) = results(phone, phone.mutation("rewards", "update", reward.id, {"title": "x"}, base_version=1))
    assert entry["status"] == changed["status"] == "rejected"


def test_a_resident_pulls_their_ledger_redemptions_donations_and_the_active_rewards(world, device):
    from tests.factories import user

    reward = _shop(world, stock=3)
    neighbour = user("resident2", "resident", home=world.H2)
    db.session.commit()
    phone, other = device("resident1"), device("resident2")
    reserve = phone.mutation("redemptions", "create", data={"reward_id": reward.id})
    gift = phone.mutation("donations", "create", data={"to_kind": "resident", "to_id": neighbour.id, "amount": 5})
    results(phone, reserve, gift)
    phone.pull()
    other.pull()
    mine = {phone.get("points_entries", i)["amount"] for i in phone.ids("points_entries")}
    assert mine == {100, -60, -5} and all(phone.get("points_entries", i)["owner_id"] == world.resident1.id
                                          for i in phone.ids("points_entries"))
    assert phone.ids("redemptions") == {reserve["record_id"]} and not other.ids("redemptions")
    assert phone.ids("donations") == other.ids("donations") == {gift["record_id"]}
    assert {other.get("points_entries", i)["amount"] for i in other.ids("points_entries")} == {5}
    assert phone.get("rewards", reward.id)["stock_available"] == 2 and other.ids("rewards") == {reward.id}
    rewards.update_reward(db.session, world.staff1, reward, {"active": False})
    db.session.commit()
    phone.pull()
    assert not phone.ids("rewards")  # taken off the catalogue: off residents' devices
    staff = device("staff1")
    staff.pull()
    assert staff.ids("rewards") == {reward.id} and not staff.ids("points_entries")
