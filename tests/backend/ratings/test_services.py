"""Rating a request through the one way to rate: the score and comment checked, the
target found in the rater's reach, one rating a person, the request's own step taken."""

import uuid

import pytest
from sqlalchemy import func, select

from backend.errors import Conflict, Invalid, Refused
from backend.extensions import db
from backend.ratings import services as ratings
from backend.ratings.models import Rating
from backend.requests import services
from backend.requests.models import RequestEvent
from tests.backend.requests.conftest import NOW, in_state
from tests.factories import user


def _count():
    return db.session.scalar(select(func.count()).select_from(Rating))


def test_a_rating_lives_where_its_request_does_and_closes_it_with_a_step(world):
    request = in_state(world, "resolved")
    rating_id = str(uuid.uuid4())
    rating = ratings.rate(db.session, world.resident1, "request", request.id, 5, "谢谢", rating_id=rating_id, now=NOW)
    db.session.commit()
    assert rating.id == rating_id and rating.rater_id == world.resident1.id and rating.created_at == NOW
    assert (rating.community_id, rating.grid_id, rating.household_id) == (world.C1.id, world.G1.id, world.H1.id)
    assert ratings.ratings_of(db.session, "request", request.id) == [rating]
    assert ratings.ratings_of(db.session, "request", str(uuid.uuid4())) == []
    event = db.session.scalar(select(RequestEvent).where(RequestEvent.request_id == request.id,
                                                         RequestEvent.kind == "rated"))
    assert event.data["score"] == 5 and event.data["rating_id"] == rating_id and event.message == "谢谢"


def test_one_rating_per_person(world):
    request = in_state(world, "resolved")
    rating = ratings.rate(db.session, world.resident1, "request", request.id, 4, " 不错 ", now=NOW)
    assert (rating.score, rating.comment, rating.household_id) == (4, "不错", world.H1.id)
    assert request.status == "closed" and request.closed_at == NOW
    services.transition(db.session, world.resident1, request, "reopen", {"message": "又坏了"}, now=NOW)
    for actor, action, data in [(world.staff1, "accept", {}), (world.staff1, "resolve", {"message": "修好了"})]:
        services.transition(db.session, actor, request, action, data, now=NOW)
    with pytest.raises(Conflict) as second:
        ratings.rate(db.session, world.resident1, "request", request.id, 5, now=NOW)
    assert second.value.detail == "您已评价过。"
    for score in (0, 6, "5", None, 4.5, True):
        with pytest.raises(Invalid) as invalid:
            ratings.rate(db.session, world.resident1, "request", request.id, score, now=NOW)
        assert "score" in invalid.value.errors


def test_bad_data_names_the_field_and_writes_nothing(world):
    request = in_state(world, "resolved")
    cases = [({"target_type": "activity"}, "target_type"), ({"comment": 123}, "comment"),
             ({"comment": "好" * 1001}, "comment"), ({"rating_id": "not-a-uuid"}, "id"),
             ({"target_id": str(uuid.uuid4())}, "target_id"), ({"target_id": 42}, "target_id")]
    for change, field in cases:
        args = {"target_type": "request", "target_id": request.id, "score": 4} | change
        with pytest.raises(Invalid) as invalid:
            ratings.rate(db.session, world.resident1, now=NOW, **args)
        assert list(invalid.value.errors) == [field], change
    assert ratings.rate(db.session, world.resident1, "request", request.id, 4, "好" * 1000, now=NOW).comment
    db.session.commit()
    assert _count() == 1


def test_a_used_id_is_a_conflict(world):
    first, second = in_state(world, "resolved"), in_state(world, "resolved")
    rating = ratings.rate(db.session, world.resident1, "request", first.id, 4, now=NOW)
    with pytest.raises(Conflict) as used:
        ratings.rate(db.session, world.resident1, "request", second.id, 4, rating_id=rating.id, now=NOW)
    assert "id" in used.value.errors and second.status == "resolved"


def test_a_request_out_of_reach_is_no_such_request_and_one_in_reach_is_refused_to_others(world):
    request = in_state(world, "resolved")
    neighbour = user("neighbour", "resident", home=world.H2)
    for outsider in (neighbour, world.staff2, world.worker2):
        with pytest.raises(Invalid) as invalid:
            ratings.rate(db.session, outsider, "request", request.id, 3, now=NOW)
        assert list(invalid.value.errors) == ["target_id"], outsider.username
    for insider in (world.staff1, world.worker1, world.admin):  # they read it; they are not who it is for
        with pytest.raises(Refused):
            ratings.rate(db.session, insider, "request", request.id, 3, now=NOW)
    db.session.rollback()
    assert _count() == 0 and request.status == "resolved"
