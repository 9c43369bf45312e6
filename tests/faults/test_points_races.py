"""No overdraft and no overselling under real concurrency: fifty redemptions at the same moment
through a real gunicorn (four workers) over the test database, SQLite or PostgreSQL. Exactly one
wins; every other is told `rejected` (409) with the reason, and the ledger verifies."""

import contextlib
import threading
import uuid

import pytest
from sqlalchemy import func, select

from backend.auth.services import issue_device_token
from backend.extensions import db
from backend.points import earning, rewards, services, verify
from backend.points.models import Redemption, Reward
from tests.conftest import DB_KIND
from tests.factories import build_world
from tests.faults.conftest import HttpClient, Server

RACERS = 50


@pytest.fixture(scope="module")
def gunicorn(app, database_url, tmp_path_factory):
    """One server for the module; each test builds (and the suite empties) its own data."""
    running = Server(database_url, workers=4, log_path=tmp_path_factory.mktemp("points") / "gunicorn.log")
    try:
        running.start()
        yield running
    finally:
        running.stop()


def _setup(points: int, stock: int, balance_hours: int):
    world = build_world()
    services.grant(db.session, world.staff1, world.C1.id, 10_000)
    earning.award(db.session, community_id=world.C1.id, user_id=world.resident1.id, rule="hours",
                  reference="race:start", quantity=balance_hours)
    reward = rewards.create_reward(db.session, world.staff1, world.C1.id,
                                   {"title": "电饭煲", "points": points, "stock": stock})
    db.session.commit()
    return world, reward.id


def _at_once(calls):
    barrier = threading.Barrier(len(calls))
    answers, errors = [None] * len(calls), []

    def run(index, call):
        try:
            barrier.wait(timeout=60)
            answers[index] = call()
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    assert not any(t.is_alive() for t in threads), "a request never returned"
    assert not errors, errors
    return answers


def _tokens(user, count):
    out = []
    for _ in range(count):
        device_id = str(uuid.uuid4())
        token, _device = issue_device_token(user, device_id, "phone", None)
        out.append((device_id, {"Authorization": f"Bearer {token}"}))
    db.session.commit()
    return out


def test_fifty_api_redemptions_of_the_last_item_one_wins(gunicorn, ctx):
    world, reward_id = _setup(points=10, stock=1, balance_hours=100)  # 1,000 points: only the stock is short
    (_device, headers), = _tokens(world.resident1, 1)

    def redeem():
        response = HttpClient(gunicorn.url).post("/api/v1/points/redemptions", json={"reward_id": reward_id},
                                                 headers=headers)
        return response.status_code, response.get_json()

    answers = _at_once([redeem] * RACERS)
    won = [body for status, body in answers if status == 201]
    lost = [body for status, body in answers if status != 201]
    assert len(won) == 1, answers
    assert all(status in (201, 409) for status, _body in answers), answers
    assert all(body["title"] == "Rejected" and body["detail"] for body in lost)
    db.session.rollback()
    assert db.session.get(Reward, reward_id).stock_available == 0
    assert db.session.scalar(select(func.count()).select_from(Redemption)) == 1
    assert verify.problems(db.session) == []


def test_fifty_offline_phones_that_would_overdraw_one_balance_one_wins(gunicorn, ctx):
    world, reward_id = _setup(points=100, stock=RACERS, balance_hours=10)  # 100 points: enough for one
    phones = _tokens(world.resident1, RACERS)

    def push(phone):
        device_id, headers = phone
        mutation = {"id": str(uuid.uuid4()), "collection": "redemptions", "record_id": str(uuid.uuid4()),
                    "op": "create", "data": {"reward_id": reward_id}}
        response = HttpClient(gunicorn.url).post("/api/v1/sync/push", json={
            "device_id": device_id, "schema_version": 1, "mutations": [mutation]}, headers=headers)
        assert response.status_code == 200, response.get_json()
        return response.get_json()["results"][0]

    results = _at_once([lambda p=p: push(p) for p in phones])
    applied = [r for r in results if r["status"] == "applied"]
    rejected = [r for r in results if r["status"] == "rejected"]
    assert len(applied) == 1 and len(rejected) == RACERS - 1, results
    assert all(r["error"]["status"] == 409 and r["error"]["title"] == "Rejected" for r in rejected)
    db.session.rollback()
    assert db.session.get(Reward, reward_id).stock_available == RACERS - 1
    assert services.balance_of(db.session, world.resident1) == 0
    assert verify.problems(db.session) == []


@pytest.mark.skipif(DB_KIND != "postgres", reason="row locks wait (and deadlock) on PostgreSQL only")
def test_two_crossing_donations_to_paired_communities_in_other_streets_both_apply(app, ctx):
    """resident1 (C1, street S1) gives to V1's pool while a villager (V1, street S2) gives to C1's at
    the same moment: each push holds its own space when the donation reaches for the other's. The
    push takes every space its mutations write in one sorted pass, so neither waits on the other in
    the opposite order: no deadlock (the push's retry is not relied on: apply_batch is called
    directly), both applied."""
    from backend.auth.models import Device, User
    from backend.points import rules
    from sync import push
    from sync.apply import APPLIERS
    from tests.factories import user

    world = build_world()
    villager = user("villager1", "resident", home=world.H3)
    rules.pair(db.session, world.staff1, world.C1.id, world.V1.id)
    services.grant(db.session, world.staff1, world.C1.id, 1000)
    services.grant(db.session, world.admin, world.V1.id, 1000)
    for person, community in ((world.resident1, world.C1), (villager, world.V1)):
        earning.award(db.session, community_id=community.id, user_id=person.id, rule="hours",
                      reference=f"cross:{person.id}", quantity=5)
    phones = {}
    for person in (world.resident1, villager):
        device_id = str(uuid.uuid4())
        _token, device = issue_device_token(person, device_id, "phone", None)
        phones[person.id] = (device_id, device.id)
    db.session.commit()
    gifts = [(world.resident1.id, world.V1.id), (villager.id, world.C1.id)]
    # Both pushes reach their donation before either writes it (unless one already waits on a lock
    # the other holds, as it should: then the barrier times out and the first goes on alone).
    barrier = threading.Barrier(2)
    applier = APPLIERS["donations"]
    real = applier.on_create

    def held(*args, **kwargs):
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=3)
        return real(*args, **kwargs)

    def donate(user_id, to_id):
        with app.app_context():
            session = db.session()
            device_id, device_pk = phones[user_id]
            person, device = session.get(User, user_id), session.get(Device, device_pk)
            batch = push.parse({"device_id": device_id, "schema_version": 1, "mutations": [
                {"id": str(uuid.uuid4()), "collection": "donations", "record_id": str(uuid.uuid4()), "op": "create",
                 "data": {"to_kind": "paired_community", "to_id": to_id, "amount": 20}}]})
            (result,) = push.apply_batch(session, person, device, batch)
            session.commit()
            return result

    applier.on_create = held
    try:
        results = _at_once([lambda g=g: donate(*g) for g in gifts])
    finally:
        applier.on_create = real
    assert [r["status"] for r in results] == ["applied", "applied"], results
    db.session.rollback()
    assert services.balance_of(db.session, world.resident1) == 30
    assert services.balance_of(db.session, villager) == 30
    assert verify.problems(db.session) == []
