"""Function rooms over the sync protocol: two phones book the same slot offline, the server
decides (the loser `rejected`, 409 "Slot taken", with the slot and the next free one); bookings
reach staff and their booker only (never another resident); rooms are read-only on devices."""

import pytest

from backend.extensions import db
from backend.rooms.models import Booking
from tests.backend.rooms.conftest import DAY, at, make_rooms


@pytest.fixture
def rooms(world):
    return make_rooms(world)


def results(phone, *mutations):
    response = phone.push_raw(list(mutations))
    assert response.status_code == 200, response.get_json()
    return response.get_json()["results"]


def _booking(phone, room, start="10:00", end="11:00", **extra):
    return phone.mutation("bookings", "create", data={"room_id": room.id, "starts_at": at(DAY, start),
                                                      "ends_at": at(DAY, end), "purpose": "练字", **extra})


def test_two_offline_bookings_of_one_slot_the_loser_is_told_the_next_free_slot(world, rooms, device):
    hall = rooms["hall"]
    first, second = device("resident1"), device("resident2")
    mine, theirs = _booking(first, hall), _booking(second, hall, "10:30", "11:30")
    (won,) = results(first, mine)
    (lost,) = results(second, theirs)
    (again,) = results(first, mine)
    assert won["status"] == "applied" and again["duplicate"] is True
    assert lost["status"] == "rejected"
    problem = lost["error"]
    assert (problem["status"], problem["title"]) == (409, "Slot taken") and "starts_at" in problem["errors"]
    assert problem["slot"] == {"starts_at": "2026-11-30T02:30:00Z", "ends_at": "2026-11-30T03:30:00Z"}
    assert problem["next_free"] == {"starts_at": "2026-11-30T03:00:00Z", "ends_at": "2026-11-30T04:00:00Z"}
    assert db.session.query(Booking).count() == 1
    offer = problem["next_free"]
    (taken_offer,) = results(second, second.mutation("bookings", "create", data={
        "room_id": hall.id, "starts_at": offer["starts_at"], "ends_at": offer["ends_at"]}))
    assert taken_offer["status"] == "applied"


def test_bookings_reach_staff_and_the_booker_only_and_move_by_actions(world, rooms, device):
    hut = rooms["hut"]
    booker, other, staff = device("resident1"), device("resident2"), device("staff1")
    ask = _booking(booker, hut)
    (applied,) = results(booker, ask)
    assert applied["status"] == "applied"
    booker.pull()
    other.pull()
    staff.pull()
    assert booker.get("bookings", ask["record_id"])["status"] == "pending"
    assert booker.get("bookings", ask["record_id"])["purpose"] == "练字"
    assert ask["record_id"] not in other.ids("bookings")
    assert {hut.id, rooms["hall"].id} <= set(other.ids("rooms"))
    assert staff.get("bookings", ask["record_id"])["user_id"] == world.resident1.id
    (refused,) = results(booker, booker.mutation("bookings", "action", ask["record_id"], {}, action="approve"))
    assert refused["status"] == "rejected" and refused["error"]["status"] == 403
    (approved,) = results(staff, staff.mutation("bookings", "action", ask["record_id"], {"reason": ""},
                                                action="approve"))
    assert approved["status"] == "applied"
    booker.pull()
    assert booker.get("bookings", ask["record_id"])["status"] == "confirmed"
    (cancelled,) = results(booker, booker.mutation("bookings", "action", ask["record_id"], {}, action="cancel"))
    assert cancelled["status"] == "applied"
    (edit,) = results(booker, booker.mutation("bookings", "update", ask["record_id"], {"purpose": "x"},
                                              base_version=1))
    assert edit["status"] == "rejected"


def test_rooms_are_read_only_on_devices_and_bad_input_names_the_field(world, rooms, device):
    staff = device("staff1")
    staff.pull()
    (changed,) = results(staff, staff.mutation("rooms", "update", rooms["hall"].id, {"name": "x"}, base_version=1))
    assert changed["status"] == "rejected"
    (bad,) = results(staff, staff.mutation("bookings", "create", data={"room_id": rooms["hall"].id,
                                                                       "starts_at": "2026-11-30T10:00:00",
                                                                       "ends_at": at(DAY, "11:00")}))
    assert bad["status"] == "rejected" and set(bad["error"]["errors"]) == {"starts_at"}
