"""Booking rooms: overlaps refused (every occurrence of a weekly booking too), adjacent slots
allowed, opening hours kept, approval, maintenance blocks, cancelling frees the slot, the next free
slot offered to a loser, and `book_slot` for other areas."""

import os

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from backend.errors import Conflict, Invalid, NotAllowedNow, Refused
from backend.extensions import db
from backend.rooms import services
from backend.rooms.models import Booking, BookingSlot
from tests.backend.rooms.conftest import DAY, at, book, utc


def _active(room):
    return db.session.scalar(select(func.count()).select_from(BookingSlot).where(BookingSlot.room_id == room.id,
                                                                               BookingSlot.active.is_(True)))


def test_an_overlap_is_refused_naming_the_slot_and_offering_the_next_free(world, rooms):
    hall = rooms["hall"]
    first = book(world.resident1, hall, start="10:00", end="11:00")
    assert first.status == "confirmed" and [(s.starts_at, s.ends_at) for s in first.slots] == [
        (utc(DAY, "10:00"), utc(DAY, "11:00"))]
    with pytest.raises(services.SlotTaken) as caught:
        book(world.resident2, hall, start="10:30", end="11:30")
    db.session.rollback()
    problem = caught.value.problem()
    assert problem["status"] == 409 and "starts_at" in problem["errors"]
    assert problem["slot"] == {"starts_at": "2026-11-30T02:30:00Z", "ends_at": "2026-11-30T03:30:00Z"}
    assert problem["next_free"] == {"starts_at": "2026-11-30T03:00:00Z", "ends_at": "2026-11-30T04:00:00Z"}
    assert "书法绘画室" in problem["detail"]
    assert db.session.scalar(select(func.count()).select_from(Booking)) == 1


def test_adjacent_slots_are_allowed(world, rooms):
    hall = rooms["hall"]
    book(world.resident1, hall, start="10:00", end="11:00")
    book(world.resident2, hall, start="11:00", end="12:00")
    book(world.resident2, hall, start="09:00", end="10:00")
    assert _active(hall) == 3


def test_every_occurrence_of_a_weekly_booking_is_checked(world, rooms):
    hall = rooms["hall"]
    book(world.resident2, hall, day="2026-12-21", start="10:30", end="11:30")  # the 4th Monday
    with pytest.raises(services.SlotTaken) as caught:
        book(world.resident1, hall, start="10:00", end="11:00", recurrence={"weekly": 4})
    db.session.rollback()
    assert caught.value.slot["starts_at"] == "2026-12-21T02:00:00Z"
    assert _active(hall) == 1
    weekly = book(world.resident1, hall, start="10:00", end="11:00", recurrence={"weekly": 3})
    assert [s.starts_at.day for s in weekly.slots] == [30, 7, 14]
    with pytest.raises(services.SlotTaken):
        book(world.resident2, hall, day="2026-12-14", start="10:59", end="11:30")
    db.session.rollback()


def test_outside_the_opening_hours_or_in_the_past_is_refused_naming_the_field(world, rooms):
    hut = rooms["hut"]
    for start, end, day in (("08:00", "10:00", DAY), ("16:00", "17:30", DAY), ("10:00", "11:00", "2026-12-05")):
        with pytest.raises(Invalid) as caught:
            book(world.resident1, hut, day=day, start=start, end=end)
        db.session.rollback()
        assert set(caught.value.errors) == {"starts_at"}
    with pytest.raises(Invalid) as caught:
        book(world.resident1, hut, day="2026-11-20")
    assert set(caught.value.errors) == {"starts_at"}
    db.session.rollback()
    with pytest.raises(Invalid) as caught:
        book(world.resident1, hut, start="11:00", end="10:00")
    assert set(caught.value.errors) == {"ends_at"}
    db.session.rollback()
    with pytest.raises(Invalid) as caught:  # a weekly series running into the weekend's closure is fine, a
        book(world.resident1, hut, start="16:00", end="18:00", recurrence={"weekly": 2})  # late one is not
    assert set(caught.value.errors) == {"starts_at"}
    db.session.rollback()


def test_a_room_needing_approval_holds_the_slot_while_pending_and_refusal_frees_it(world, rooms):
    hut = rooms["hut"]
    asked = book(world.resident1, hut)
    assert asked.status == "pending" and _active(hut) == 1
    with pytest.raises(services.SlotTaken):
        book(world.resident2, hut)
    db.session.rollback()
    assert services.actions_for(world.resident1, asked) == ["cancel"]
    assert services.actions_for(world.staff1, asked) == ["approve", "refuse", "cancel"]
    with pytest.raises(Refused):
        services.transition(db.session, world.resident1, asked, "approve")
    db.session.rollback()
    services.transition(db.session, world.staff1, asked, "refuse", {"reason": "设备检修"})
    db.session.commit()
    assert (asked.status, asked.reason, asked.decided_by_id) == ("refused", "设备检修", world.staff1.id)
    assert _active(hut) == 0
    second = book(world.resident2, hut)
    services.transition(db.session, world.staff1, second, "approve")
    db.session.commit()
    assert second.status == "confirmed" and _active(hut) == 1
    with pytest.raises(NotAllowedNow):
        services.transition(db.session, world.staff1, second, "approve")
    db.session.rollback()


def test_cancel_frees_the_slot_and_only_the_booker_or_staff_cancel(world, rooms):
    hall = rooms["hall"]
    mine = book(world.resident1, hall, recurrence={"weekly": 2})
    with pytest.raises(Refused):
        services.transition(db.session, world.resident2, mine, "cancel")
    db.session.rollback()
    services.transition(db.session, world.resident1, mine, "cancel")
    db.session.commit()
    assert mine.status == "cancelled" and _active(hall) == 0
    again = book(world.resident2, hall, day="2026-12-07")
    assert again.status == "confirmed"


def test_staff_block_for_maintenance_at_any_hour_but_not_over_a_booking(world, rooms):
    hut = rooms["hut"]
    block = services.block(db.session, world.staff1, hut, {"starts_at": at(DAY, "06:00"), "ends_at": at(DAY, "10:00"),
                                                           "purpose": "消毒"})
    db.session.commit()
    assert (block.kind, block.status) == ("maintenance", "confirmed")
    with pytest.raises(services.SlotTaken) as caught:
        book(world.resident1, hut, start="09:30", end="10:30")
    db.session.rollback()
    assert caught.value.next_free == {"starts_at": "2026-11-30T02:00:00Z", "ends_at": "2026-11-30T03:00:00Z"}
    book(world.resident1, hut, start="10:00", end="11:00")
    with pytest.raises(services.SlotTaken):
        services.block(db.session, world.staff1, hut, {"starts_at": at(DAY, "10:30"), "ends_at": at(DAY, "12:00")})
    db.session.rollback()
    with pytest.raises(Refused):
        services.block(db.session, world.resident1, hut, {"starts_at": at(DAY, "18:00"), "ends_at": at(DAY, "19:00")})
    db.session.rollback()


def test_free_slots_are_the_opening_hours_less_what_is_held(world, rooms):
    hut = rooms["hut"]
    book(world.resident1, hut, start="10:00", end="11:00")
    free, held = services.free_ranges(db.session, hut, services.local(utc(DAY, "12:00")).date(),
                                      services.local(utc("2026-12-01", "12:00")).date())
    assert held == [(utc(DAY, "10:00"), utc(DAY, "11:00"))]
    assert free == [(utc(DAY, "09:00"), utc(DAY, "10:00")), (utc(DAY, "11:00"), utc(DAY, "17:00")),
                    (utc("2026-12-01", "09:00"), utc("2026-12-01", "17:00"))]


def test_the_next_free_slot_skips_closed_days(world, rooms):
    hut = rooms["hut"]
    services.block(db.session, world.staff1, hut, {"starts_at": at(DAY, "09:00"), "ends_at": at("2026-12-04", "17:00")})
    db.session.commit()
    offer = services.next_free(db.session, hut, utc(DAY, "11:00") - utc(DAY, "10:00"), utc(DAY, "10:00"))
    assert offer == {"starts_at": "2026-12-07T01:00:00Z", "ends_at": "2026-12-07T02:00:00Z"}  # Monday 09:00


def test_book_slot_is_idempotent_on_its_reference_and_refuses_an_overlap(world, rooms):
    hall = rooms["hall"]
    first = services.book_slot(db.session, room_id=hall.id, starts_at=utc(DAY, "14:00"), ends_at=utc(DAY, "16:00"),
                               user_id=world.staff1.id, kind="activity", reference="activity:1")
    again = services.book_slot(db.session, room_id=hall.id, starts_at=utc(DAY, "14:00"), ends_at=utc(DAY, "16:00"),
                               user_id=world.staff1.id, kind="activity", reference="activity:1")
    db.session.commit()
    assert first.id == again.id and (first.kind, first.status) == ("activity", "confirmed")
    with pytest.raises(Conflict):
        services.book_slot(db.session, room_id=hall.id, starts_at=utc(DAY, "15:00"), ends_at=utc(DAY, "17:00"),
                           user_id=None, kind="activity", reference="activity:2")
    db.session.rollback()
    services.release_slot(db.session, reference="activity:1")
    db.session.commit()
    assert _active(hall) == 0


@pytest.mark.skipif(os.environ.get("LINLI_TEST_DB", "sqlite") != "postgres",
                    reason="the exclusion constraint is PostgreSQL's; SQLite's guarantee is the check under the lock, "
                           "tested above")
def test_the_database_refuses_an_overlap_that_skips_the_services(world, rooms):
    """PostgreSQL's exclusion constraint (23P01) holds whatever path writes; `insert_slots` turns it
    into SlotTaken. SQLite has no such constraint: its guarantee is the services' check under the lock."""
    hall = rooms["hall"]
    held = book(world.resident1, hall)
    other = Booking(room_id=hall.id, community_id=hall.community_id, user_id=world.resident2.id, purpose="",
                    starts_at=utc(DAY, "10:30"), ends_at=utc(DAY, "11:30"), status="confirmed", kind="booking")
    db.session.add(other)
    db.session.flush()
    with pytest.raises(services.SlotTaken) as caught:
        services.insert_slots(db.session, hall, other, [(utc(DAY, "10:30"), utc(DAY, "11:30"))])
    assert caught.value.slot["starts_at"] == "2026-11-30T02:30:00Z"
    db.session.rollback()
    with pytest.raises(IntegrityError) as raw:
        db.session.execute(text("INSERT INTO booking_slots (id, booking_id, room_id, starts_at, ends_at, active) "
                                "VALUES ('x', :b, :r, :s, :e, true)"),
                           {"b": held.id, "r": hall.id, "s": utc(DAY, "10:59"), "e": utc(DAY, "12:00")})
    assert services.sqlstate(raw.value) == "23P01"
    db.session.rollback()
    db.session.execute(text("INSERT INTO booking_slots (id, booking_id, room_id, starts_at, ends_at, active) "
                            "VALUES ('y', :b, :r, :s, :e, false)"),  # an inactive slot holds nothing
                       {"b": held.id, "r": hall.id, "s": utc(DAY, "10:30"), "e": utc(DAY, "12:00")})
    db.session.rollback()


def test_rooms_admin_validates_the_opening_hours_and_only_managers_edit(world, rooms):
    hall = rooms["hall"]
    with pytest.raises(Invalid) as caught:
        services.update_room(db.session, world.staff1, hall, {"opening_hours": {"7": [["08:00", "09:00"]]}})
    assert set(caught.value.errors) == {"opening_hours"}
    with pytest.raises(Invalid):
        services.update_room(db.session, world.staff1, hall, {"opening_hours": {"0": [["10:00", "09:00"]]}})
    with pytest.raises(Refused):
        services.update_room(db.session, world.resident1, hall, {"name": "x"})
    with pytest.raises(Refused):
        services.create_room(db.session, world.staff2, {"community_id": world.C1.id, "name": "x"})
    db.session.rollback()
    services.update_room(db.session, world.staff1, hall, {"active": False})
    db.session.commit()
    with pytest.raises(Invalid):  # an inactive room is no longer visible to residents
        book(world.resident1, hall)
    db.session.rollback()
