"""A rating's defaults and its one-per-rater constraint."""

from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from backend.extensions import db
from backend.ratings.models import Rating
from tests.backend.requests.conftest import raise_request
from tests.timing import EPOCH


def _rating(request, rater, **extra):
    rating = Rating(target_type="request", target_id=request.id, rater_id=rater.id, score=4,
                    community_id=request.community_id, grid_id=request.grid_id, household_id=request.household_id,
                    **extra)
    db.session.add(rating)
    db.session.flush()
    return rating


def test_a_rating_defaults_to_no_comment_at_the_clocks_moment(world):
    rating = _rating(raise_request(world), world.resident1)
    db.session.commit()
    assert rating.comment == "" and len(rating.id) == 36
    assert EPOCH <= rating.created_at < EPOCH + timedelta(minutes=1)  # the clock runs on from EPOCH
    assert rating.community == world.C1 and rating.grid == world.G1


def test_one_rating_per_target_and_rater(world):
    request, other = raise_request(world), raise_request(world)
    _rating(request, world.resident1)
    _rating(request, world.staff1)  # another rater
    _rating(other, world.resident1)  # another target
    db.session.commit()
    with pytest.raises(IntegrityError):
        _rating(request, world.resident1)
    db.session.rollback()
