"""A moved household takes its requests (with their steps and ratings) along
(issue 11, defect 3), and a moved resident follows their new household."""

from sqlalchemy import select

from backend.extensions import db
from backend.ratings.models import Rating
from backend.registry import services as registry
from backend.registry.models import Resident
from backend.requests.models import Request, RequestEvent
from sync.models import Tombstone
from tests.placing import h1_life


def test_a_moved_household_takes_its_requests_steps_and_ratings(world, ctx):
    life = h1_life(world)
    registry.move_household(world.admin, world.H1, world.G5.id)
    db.session.expire_all()
    ids = life.of_h1()
    for model, name in ((Request, "requests"), (RequestEvent, "request_events"), (Rating, "ratings")):
        places = {(r.grid_id, r.community_id) for r in db.session.scalars(select(model).where(
            model.id.in_(ids[name])))}
        assert places == {(world.G5.id, world.C2.id)}, name
    for request_id in ids["requests"]:
        request = db.session.get(Request, request_id)
        assert request.holder_node_id == world.C2.id
        assert request.assignee_id is None  # worker 1 does not cover G5
    old = set(db.session.scalars(select(Tombstone.record_id).where(Tombstone.space_id == world.C1.id)))
    assert ids["requests"] | ids["ratings"] | ids["request_events"] <= old


def test_a_request_stays_assigned_when_its_assignee_still_covers_it(world, ctx):
    from backend.accounts import services as accounts

    life = h1_life(world)
    accounts.set_scopes(world.staff1, world.worker1, [world.G1.id, world.G2.id])
    registry.move_household(world.staff1, world.H1, world.G2.id)
    assert db.session.get(Request, life.open_request).assignee_id == world.worker1.id


def test_a_moved_resident_follows_the_new_household(world, ctx):
    registry.move_resident(world.admin, world.R1b, world.H5.id)
    db.session.expire_all()
    resident = db.session.get(Resident, world.R1b.id)
    assert (resident.household_id, resident.grid_id, resident.community_id) == (world.H5.id, world.G5.id,
                                                                                 world.C2.id)
    assert world.H1.member_count == 1 and world.H5.member_count == 2
