"""Ratings' policy keeps its own readers (requests import ratings, not the other
way round), which must stay those who read the communities' requests."""

from backend.ratings import policy as rating_policy
from backend.requests import policy as request_policy


def test_ratings_are_read_by_those_who_read_the_requests():
    assert rating_policy.RATING_AREA_READERS == request_policy.REQUEST_AREA_READERS
