"""Placing a request of no household in a grid of its community."""

import pytest
from sqlalchemy import select

from backend.errors import Invalid
from backend.extensions import db
from backend.ratings.models import Rating
from backend.requests import services
from backend.requests.models import RequestEvent
from tests.backend.requests.conftest import NOW, in_state


def test_a_reopened_request_placed_elsewhere_lets_go_of_a_worker_who_no_longer_covers_it(world):
    request = in_state(world, "reopened", assignee=world.worker1, actor=world.staff1, household_id=None,
                       grid_id=world.G1.id)  # dispatched to worker 1, resolved, reopened by staff 1
    db.session.add(Rating(target_type="request", target_id=request.id, rater_id=world.staff1.id, score=3,
                          community_id=world.C1.id, grid_id=world.G1.id))
    db.session.commit()
    assert services.place_choices(db.session, request) == [world.G1, world.G2]
    event = services.transition(db.session, world.staff1, request, "place", {"grid_id": world.G2.id}, now=NOW)
    db.session.commit()
    assert (request.grid_id, request.assignee_id, request.status) == (world.G2.id, None, "reopened")
    assert event.data == {"from_status": "reopened", "to_status": "reopened", "from_grid_id": world.G1.id,
                          "grid_id": world.G2.id, "grid_name": "第二网格", "unassigned_id": world.worker1.id}
    assert event.public is False  # a step for staff
    grids = db.session.scalars(select(RequestEvent.grid_id).where(RequestEvent.request_id == request.id)).all()
    assert set(grids) == {world.G2.id}
    assert db.session.scalar(select(Rating.grid_id).where(Rating.target_id == request.id)) == world.G2.id
    assert services.ACTIONS_FOR(world.worker1, request, now=NOW) == []  # out of the worker's reach now


def test_a_retired_grid_or_another_communitys_is_not_offered_nor_taken(world):
    request = in_state(world, "accepted", actor=world.staff1, household_id=None, grid_id=world.G1.id)
    world.G2.retired_at = NOW
    db.session.commit()
    assert services.place_choices(db.session, request) == [world.G1]
    for grid in (world.G2, world.G5, world.C1):
        with pytest.raises(Invalid) as refused:
            services.transition(db.session, world.admin, request, "place", {"grid_id": grid.id}, now=NOW)
        assert list(refused.value.errors) == ["grid_id"], grid.name
        db.session.rollback()
