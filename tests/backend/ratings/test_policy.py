"""Ratings' policy keeps its own readers (requests import ratings, not the other
way round), which must stay those who read the communities' requests: a rating is
read by whoever reads the request it rates, and by the one who gave it."""

from backend.auth import policy
from backend.extensions import db
from backend.ratings import policy as rating_policy
from backend.ratings.models import Rating
from backend.requests import policy as request_policy
from tests.backend.requests.conftest import raise_request

USERS = ["admin", "district", "street1", "street2", "staff1", "staff2", "worker1", "worker2", "station1",
         "resident1", "volunteer1"]


def _rating(request, rater):
    rating = Rating(target_type="request", target_id=request.id, rater_id=rater.id, score=4,
                    community_id=request.community_id, grid_id=request.grid_id, household_id=request.household_id)
    db.session.add(rating)
    db.session.flush()
    return rating


def test_ratings_are_read_by_those_who_read_the_requests():
    assert rating_policy.RATING_AREA_READERS == request_policy.REQUEST_AREA_READERS


def test_each_role_reads_the_ratings_of_the_requests_it_reads(world):
    requests = [raise_request(world), raise_request(world, actor=world.worker2, household_id=world.H2.id),
                raise_request(world, actor=world.staff2, household_id=world.H5.id),
                raise_request(world, actor=world.station1, household_id=world.H3.id),
                raise_request(world, actor=world.staff1, household_id=None, grid_id=world.G2.id)]
    rated = [(request, _rating(request, world.admin)) for request in requests]
    for username in USERS:
        user = world.users[username]
        readable = [policy.can(user, policy.READ, rating) for _request, rating in rated]
        assert readable == [policy.can(user, policy.READ, request) for request, _rating in rated], username
    assert [policy.can(world.street1, policy.READ, r) for _q, r in rated] == [True, True, True, False, True]
    assert [policy.can(world.resident1, policy.READ, r) for _q, r in rated] == [True, False, False, False, False]


def test_a_resident_reads_the_rating_they_gave_and_nobody_changes_one(world):
    request = raise_request(world, actor=world.worker2, household_id=world.H2.id)
    rating = _rating(request, world.resident1)  # say they rated it before moving house
    assert policy.can(world.resident1, policy.READ, rating)
    for verb in (policy.CHANGE, policy.RETIRE, policy.REVEAL):
        assert not policy.can(world.admin, verb, rating), verb
    assert not policy.can(world.volunteer1, policy.READ, rating)
