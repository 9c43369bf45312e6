"""Moving a node of the tree moves everything placed under it, through the
change feed (issue 11, defect 2): residents, visits, tasks, requests with their
steps and ratings, patrol reports."""

from sqlalchemy import select

from backend.auth.models import User
from backend.extensions import db
from backend.fieldwork.patrols.models import PatrolReport
from backend.fieldwork.visits.models import Visit, VisitTask
from backend.org import services as org
from backend.ratings.models import Rating
from backend.registry.models import Household, Resident
from backend.requests import services as requests
from backend.requests.models import Request, RequestEvent
from sync.models import Tombstone
from tests.factories import DepartmentFactory
from tests.placing import h1_life

MODELS = {"visits": Visit, "visit_tasks": VisitTask, "requests": Request, "request_events": RequestEvent,
          "ratings": Rating}


def places_of_h1(world, life) -> set:
    """(grid, community) of H1, its residents and everything placed in it."""
    db.session.expire_all()
    found = {(h.grid_id, h.community_id) for h in [db.session.get(Household, world.H1.id)]}
    found |= {(r.grid_id, r.community_id) for r in db.session.scalars(
        select(Resident).where(Resident.household_id == world.H1.id))}
    for name, ids in life.of_h1().items():
        model = MODELS[name]
        found |= {(r.grid_id, r.community_id) for r in db.session.scalars(select(model).where(model.id.in_(ids)))}
    return found


def test_a_building_moved_to_another_grid_takes_its_households_lives(world, ctx):
    life = h1_life(world)
    org.move_node(world.staff1, world.B1, world.G2.id)
    assert places_of_h1(world, life) == {(world.G2.id, world.C1.id)}
    assert db.session.get(PatrolReport, life.patrol).grid_id == world.G1.id  # in the grid, not the building
    # Worker 1 covers G1 only: the request dispatched to them is let go.
    assert db.session.get(Request, life.open_request).assignee_id is None
    gone = set(db.session.scalars(select(Tombstone.record_id).where(Tombstone.grid_id == world.G1.id)))
    assert {world.H1.id, world.R1.id, world.R1b.id, life.visit, life.task, life.open_request, life.rating} <= gone


def test_a_grid_moved_to_another_community_takes_everything_in_it(world, ctx):
    life = h1_life(world)
    org.move_node(world.admin, world.G1, world.C2.id)
    assert places_of_h1(world, life) == {(world.G1.id, world.C2.id)}
    assert db.session.get(PatrolReport, life.patrol).community_id == world.C2.id
    request = db.session.get(Request, life.open_request)
    assert request.holder_node_id == world.C2.id  # the new community's staff hold it
    assert request.assignee_id == world.worker1.id  # still their grid
    spaces = set(db.session.scalars(select(Tombstone.space_id).where(Tombstone.record_id == world.R1b.id)))
    assert spaces == {world.C1.id}




def test_a_department_that_no_longer_serves_a_moved_request_lets_it_go(world, ctx):
    """A community's own department serves none of another community's requests;
    the street's department serves every community of the street."""
    life = h1_life(world)
    own = DepartmentFactory(node=world.C1, name="幸福社区物业")
    street = DepartmentFactory(node=world.S1, name="东街道城管科")
    request = db.session.get(Request, life.open_request)
    requests.transition(db.session, world.staff1, request, "dispatch", {"department_id": own.id})
    db.session.commit()
    org.move_node(world.admin, world.G1, world.C2.id)  # C2 is in the same street
    request = db.session.get(Request, life.open_request)
    assert (request.holder_node_id, request.department_id) == (world.C2.id, None)
    requests.transition(db.session, world.staff2, request, "dispatch", {"department_id": street.id})
    db.session.commit()
    org.move_node(world.admin, world.G1, world.C1.id)
    assert db.session.get(Request, life.open_request).department_id == street.id

def test_a_residents_account_follows_its_household_to_another_community(world, ctx):
    org.move_node(world.admin, world.G1, world.C2.id)
    db.session.expire_all()
    assert db.session.get(User, world.resident1.id).community_id == world.C2.id
    assert db.session.get(User, world.volunteer1.id).community_id == world.C1.id  # no household: stays
    org.move_node(world.admin, world.G1, world.C1.id)
    db.session.expire_all()
    assert db.session.get(User, world.resident1.id).community_id == world.C1.id

def test_a_community_moved_to_another_street_hands_over_its_street_level_requests(world, ctx):
    life = h1_life(world)
    request = db.session.get(Request, life.open_request)
    requests.transition(db.session, world.staff1, request, "escalate", {"message": "需要街道协调"})
    db.session.commit()
    assert request.holder_node_id == world.S1.id
    org.move_node(world.admin, world.C1, world.S2.id)
    assert places_of_h1(world, life) == {(world.G1.id, world.C1.id)}
    assert db.session.get(Request, life.open_request).holder_node_id == world.S2.id
    assert db.session.get(Request, life.closed_request).holder_node_id == world.C1.id

