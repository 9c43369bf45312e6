"""Who reads rooms and bookings: residents their community's active rooms and their own bookings
only; staff of the community everything; staff elsewhere nothing."""

from backend.auth import policy
from backend.extensions import db
from backend.rooms import policy as room_policy
from backend.rooms import services
from tests.backend.rooms.conftest import book
from tests.factories import UserFactory


def test_residents_read_their_own_bookings_only_and_staff_of_the_community_all(world, rooms):
    mine = book(world.resident1, rooms["hall"])
    assert policy.can(world.resident1, policy.READ, mine)
    assert not policy.can(world.resident2, policy.READ, mine)
    assert policy.can(world.staff1, policy.READ, mine) and policy.can(world.staff1, policy.MANAGE, mine)
    assert not policy.can(world.staff2, policy.READ, mine)
    assert not policy.can(world.resident1, policy.MANAGE, mine)
    assert policy.can(world.worker1, policy.READ, mine) and not policy.can(world.worker1, policy.MANAGE, mine)
    assert room_policy.can_act(world.resident1, mine, "cancel") and not room_policy.can_act(world.resident1, mine,
                                                                                            "approve")
    seen = db.session.scalars(services.visible_bookings(db.session, world.resident2)).all()
    assert seen == []
    assert [b.id for b in db.session.scalars(services.visible_bookings(db.session, world.staff1))] == [mine.id]


def test_residents_see_the_active_rooms_of_their_community(world, rooms):
    hall = rooms["hall"]
    assert policy.can(world.resident1, policy.READ, hall) and not policy.can(world.resident1, policy.CHANGE, hall)
    elsewhere = UserFactory(username="resident5", role="resident", home=world.H5)  # community C2
    assert not policy.can(elsewhere, policy.READ, hall) and not policy.can(world.staff2, policy.READ, hall)
    assert policy.can(world.staff1, policy.CHANGE, hall)
    services.update_room(db.session, world.staff1, hall, {"active": False})
    db.session.commit()
    assert not policy.can(world.resident1, policy.READ, hall) and policy.can(world.staff1, policy.READ, hall)
    names = {r.name for r in db.session.scalars(services.visible_rooms(db.session, world.resident1))}
    assert names == {"健康小屋"}
