"""An activity in a function room holds the room: publishing books its time (kind "activity",
reference "activity:<id>"), an edit of its time or room moves the booking in the same transaction,
cancelling frees it; a taken slot refuses the publish or the edit naming `room_id` and offering the
next free slot; the room must be of the activity's community."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from backend.activities import menu, venue
from backend.errors import Invalid
from backend.extensions import db
from backend.rooms.models import Booking, BookingSlot
from tests.backend.activities.conftest import NOW, START, make_activity
from tests.factories import BookingFactory, RoomFactory
from tests.timing import aware


def _holding(activity):
    booking = db.session.scalar(select(Booking).where(Booking.reference == f"activity:{activity.id}"))
    if booking is None or booking.status != "confirmed":
        return None
    slots = db.session.scalars(select(BookingSlot).where(BookingSlot.booking_id == booking.id,
                                                         BookingSlot.active.is_(True))).all()
    return [(s.room_id, s.starts_at, s.ends_at) for s in slots]


def test_publish_books_edit_moves_cancel_frees(world):
    room, other = RoomFactory(community=world.C1), RoomFactory(community=world.C1)
    db.session.commit()
    activity = make_activity(world, publish=False, room_id=room.id)
    assert _holding(activity) is None  # a draft holds nothing
    menu.publish(db.session, world.staff1, activity, now=NOW)
    db.session.commit()
    assert _holding(activity) == [(room.id, START, START + timedelta(hours=2))]
    booking = db.session.scalar(select(Booking).where(Booking.reference == f"activity:{activity.id}"))
    assert booking.kind == "activity"

    later = START + timedelta(hours=3)
    menu.update_activity(db.session, world.staff1, activity, {"starts_at": aware(later).isoformat(),
                                                              "ends_at": aware(later + timedelta(hours=1)).isoformat()},
                         now=NOW)
    db.session.commit()
    assert _holding(activity) == [(room.id, later, later + timedelta(hours=1))]
    # the old time is free again: someone else may book it
    BookingFactory(room=room, starts_at=START, hours=2)
    db.session.commit()

    menu.update_activity(db.session, world.staff1, activity, {"room_id": other.id}, now=NOW)
    db.session.commit()
    assert _holding(activity) == [(other.id, later, later + timedelta(hours=1))]

    menu.cancel(db.session, world.staff1, activity, {"reason": "天气原因"}, now=NOW)
    db.session.commit()
    assert _holding(activity) is None
    BookingFactory(room=other, starts_at=later, hours=1)  # freed
    db.session.commit()


def test_a_taken_slot_refuses_publish_and_edit_naming_the_room(world):
    room = RoomFactory(community=world.C1)
    db.session.commit()
    BookingFactory(room=room, starts_at=START, hours=1)
    db.session.commit()
    activity = make_activity(world, publish=False, room_id=room.id)
    with pytest.raises(venue.RoomTaken) as caught:
        menu.publish(db.session, world.staff1, activity, now=NOW)
    db.session.rollback()
    problem = caught.value.problem()
    assert "room_id" in problem["errors"] and problem["next_free"] is not None
    db.session.refresh(activity)
    assert activity.status == "draft" and _holding(activity) is None

    # published elsewhere in time, then moved onto the taken slot: refused, the old booking kept
    free_at = START + timedelta(hours=4)
    menu.update_activity(db.session, world.staff1, activity, {
        "starts_at": aware(free_at).isoformat(), "ends_at": aware(free_at + timedelta(hours=1)).isoformat()}, now=NOW)
    menu.publish(db.session, world.staff1, activity, now=NOW)
    db.session.commit()
    with pytest.raises(venue.RoomTaken):
        menu.update_activity(db.session, world.staff1, activity, {
            "starts_at": aware(START).isoformat(), "ends_at": aware(START + timedelta(hours=1)).isoformat()}, now=NOW)
    db.session.rollback()
    db.session.refresh(activity)
    assert activity.starts_at == free_at
    assert _holding(activity) == [(room.id, free_at, free_at + timedelta(hours=1))]


def test_the_room_must_be_of_the_activitys_community(world):
    elsewhere = RoomFactory(community=world.C2)
    db.session.commit()
    with pytest.raises(Invalid) as caught:
        make_activity(world, publish=False, room_id=elsewhere.id)
    assert "room_id" in caught.value.errors
    db.session.rollback()
    activity = make_activity(world, publish=False)
    with pytest.raises(Invalid):
        menu.update_activity(db.session, world.staff1, activity, {"room_id": elsewhere.id}, now=NOW)
    db.session.rollback()


def test_the_api_names_room_id_and_offers_the_next_free_slot(world, client, auth):
    room = RoomFactory(community=world.C1)
    db.session.commit()
    BookingFactory(room=room, starts_at=START, hours=1)
    db.session.commit()
    activity = make_activity(world, publish=False, room_id=room.id)
    response = client.post(f"/api/v1/activities/{activity.id}/publish", json={}, headers=auth.headers("staff1"))
    assert response.status_code == 409
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert "room_id" in body["errors"] and body["next_free"]["starts_at"]
