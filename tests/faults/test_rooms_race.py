"""Never double booked under real concurrency: fifty bookings of one slot at the same moment
through a real gunicorn (four workers) over the test database, SQLite or PostgreSQL, by the API
and by offline phones' pushes. Exactly one wins; every other is refused (409 "Slot taken") with
the next free slot, and the room holds exactly one active slot there."""

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from backend.common import utcnow
from backend.extensions import db
from backend.rooms import services
from backend.rooms.models import Booking, BookingSlot
from tests.factories import OPEN_ALL_WEEK, UserFactory, build_world
from tests.faults.conftest import HttpClient, Server
from tests.faults.test_points_races import _at_once, _tokens

RACERS = 50


@pytest.fixture(scope="module")
def gunicorn(app, database_url, tmp_path_factory):
    running = Server(database_url, workers=4, log_path=tmp_path_factory.mktemp("rooms") / "gunicorn.log")
    try:
        running.start()
        yield running
    finally:
        running.stop()


def _setup():
    world = build_world()
    room = services.create_room(db.session, world.staff1, {"community_id": world.C1.id, "name": "书法绘画室",
                                                           "opening_hours": OPEN_ALL_WEEK})
    db.session.commit()
    day = services.local(utcnow()).date() + timedelta(days=7)
    return world, room.id, f"{day.isoformat()}T10:00:00+08:00", f"{day.isoformat()}T11:00:00+08:00"


def _one_slot_held(room_id):
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Booking)) == 1
    assert db.session.scalar(select(func.count()).select_from(BookingSlot).where(
        BookingSlot.room_id == room_id, BookingSlot.active.is_(True))) == 1


def test_fifty_api_bookings_of_one_slot_one_wins(gunicorn, ctx):
    world, room_id, starts, ends = _setup()
    people = [world.resident1] + [UserFactory(role="resident", home=world.H2) for _ in range(4)]
    db.session.commit()
    headers = [h for person in people for _device, h in _tokens(person, 1)]

    def book(index):
        response = HttpClient(gunicorn.url).post("/api/v1/rooms/bookings", json={
            "room_id": room_id, "starts_at": starts, "ends_at": ends}, headers=headers[index % len(headers)])
        return response.status_code, response.get_json()

    answers = _at_once([lambda i=i: book(i) for i in range(RACERS)])
    won = [body for status, body in answers if status == 201]
    lost = [body for status, body in answers if status != 201]
    assert len(won) == 1, answers
    assert all(status in (201, 409) for status, _body in answers), answers
    assert all(body["title"] == "Slot taken" and body["next_free"]["starts_at"].endswith("03:00:00Z")
               for body in lost), lost[:3]
    _one_slot_held(room_id)


def test_fifty_offline_phones_booking_one_slot_one_wins_the_others_are_offered_the_next(gunicorn, ctx):
    world, room_id, starts, ends = _setup()
    phones = _tokens(world.resident1, RACERS)

    def push(phone):
        device_id, headers = phone
        mutation = {"id": str(uuid.uuid4()), "collection": "bookings", "record_id": str(uuid.uuid4()),
                    "op": "create", "data": {"room_id": room_id, "starts_at": starts, "ends_at": ends}}
        response = HttpClient(gunicorn.url).post("/api/v1/sync/push", json={
            "device_id": device_id, "schema_version": 1, "mutations": [mutation]}, headers=headers)
        assert response.status_code == 200, response.get_json()
        return response.get_json()["results"][0]

    results = _at_once([lambda p=p: push(p) for p in phones])
    applied = [r for r in results if r["status"] == "applied"]
    rejected = [r for r in results if r["status"] == "rejected"]
    assert len(applied) == 1 and len(rejected) == RACERS - 1, results
    assert all(r["error"]["status"] == 409 and r["error"]["title"] == "Slot taken" and r["error"]["next_free"]
               for r in rejected)
    _one_slot_held(room_id)
