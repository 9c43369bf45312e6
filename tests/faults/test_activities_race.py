"""The last place under real concurrency: fifty residents sign up at the same moment through a real
gunicorn (four workers) over the test database, SQLite or PostgreSQL. The server decides inside the
write transaction: exactly one is confirmed; the others wait in line with distinct positions in the
order they were decided (or, when the activity keeps no waitlist, are told `rejected` 409), and the
activity's counts agree with its rows."""

import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from backend.activities import menu, signups
from backend.activities.models import Activity, Signup
from backend.auth.services import issue_device_token
from backend.extensions import db
from tests.factories import UserFactory, build_world
from tests.faults.conftest import HttpClient, Server
from tests.faults.test_points_races import _at_once

RACERS = 50


@pytest.fixture(scope="module")
def gunicorn(app, database_url, tmp_path_factory):
    running = Server(database_url, workers=4, log_path=tmp_path_factory.mktemp("activities") / "gunicorn.log")
    try:
        running.start()
        yield running
    finally:
        running.stop()


def _setup(waitlist: bool):
    """An activity of C1 starting in three days (the server keeps the wall clock) with one place left,
    and fifty residents of C1 with a phone each."""
    world = build_world()
    starts = datetime.fromtimestamp(time.time(), UTC).replace(tzinfo=None, microsecond=0) + timedelta(days=3)
    activity = menu.create_activity(db.session, world.staff1, {
        "community_id": world.C1.id, "title": "一碗腊八粥", "capacity": 2, "waitlist": waitlist,
        "starts_at": starts.isoformat() + "Z", "ends_at": (starts + timedelta(hours=2)).isoformat() + "Z"})
    menu.publish(db.session, world.staff1, activity)
    signups.sign_up(db.session, world.resident1, {"activity_id": activity.id})
    racers = [UserFactory(role="resident", home=world.H2 if i % 2 else world.H1) for i in range(RACERS)]
    db.session.flush()
    phones = []
    for user in racers:
        device_id = str(uuid.uuid4())
        token, _device = issue_device_token(user, device_id, "phone", None)
        phones.append((device_id, {"Authorization": f"Bearer {token}"}))
    db.session.commit()
    return activity.id, phones


def _counts(activity_id):
    db.session.rollback()
    activity = db.session.get(Activity, activity_id)
    rows = {status: db.session.scalar(select(func.count()).select_from(Signup).where(
        Signup.activity_id == activity_id, Signup.status == status)) for status in ("confirmed", "waitlisted")}
    return activity, rows


@pytest.mark.slow
def test_fifty_api_signups_for_the_last_place_one_wins_the_others_wait_in_line(gunicorn, ctx):
    activity_id, phones = _setup(waitlist=True)

    def sign_up(headers):
        response = HttpClient(gunicorn.url).post("/api/v1/activities/signups", json={"activity_id": activity_id},
                                                 headers=headers)
        return response.status_code, response.get_json()

    answers = _at_once([lambda h=h: sign_up(h) for _d, h in phones])
    assert all(status == 201 for status, _body in answers), answers
    won = [body for _s, body in answers if body["status"] == "confirmed"]
    waiting = sorted(body["position"] for _s, body in answers if body["status"] == "waitlisted")
    assert len(won) == 1 and waiting == list(range(1, RACERS)), answers
    activity, rows = _counts(activity_id)
    assert rows == {"confirmed": 2, "waitlisted": RACERS - 1}
    assert (activity.confirmed_count, activity.held_count, activity.waitlist_count) == (2, 2, RACERS - 1)


@pytest.mark.slow
def test_fifty_offline_phones_for_the_last_place_without_a_waitlist_one_wins_the_others_are_told(gunicorn, ctx):
    activity_id, phones = _setup(waitlist=False)

    def push(phone):
        device_id, headers = phone
        mutation = {"id": str(uuid.uuid4()), "collection": "signups", "record_id": str(uuid.uuid4()),
                    "op": "create", "data": {"activity_id": activity_id}}
        response = HttpClient(gunicorn.url).post("/api/v1/sync/push", json={
            "device_id": device_id, "schema_version": 1, "mutations": [mutation]}, headers=headers)
        assert response.status_code == 200, response.get_json()
        return response.get_json()["results"][0]

    results = _at_once([lambda p=p: push(p) for p in phones])
    applied = [r for r in results if r["status"] == "applied"]
    rejected = [r for r in results if r["status"] == "rejected"]
    assert len(applied) == 1 and len(rejected) == RACERS - 1, results
    assert all(r["error"]["status"] == 409 and "activity_id" in r["error"]["errors"] for r in rejected)
    activity, rows = _counts(activity_id)
    assert rows == {"confirmed": 2, "waitlisted": 0}
    assert (activity.confirmed_count, activity.held_count, activity.waitlist_count) == (2, 2, 0)
