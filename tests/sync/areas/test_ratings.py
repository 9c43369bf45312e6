"""Ratings on devices: appended once per id and per person and request,
closing the resolved request they rate; never changed."""

from backend.extensions import db
from backend.ratings.models import Rating
from backend.requests import services as requests
from backend.requests.models import Request


def resolved_request(world):
    request = requests.create_request(db.session, world.resident1, {"category": "other", "description": "路灯不亮"})
    requests.transition(db.session, world.staff1, request, "accept", {})
    requests.transition(db.session, world.staff1, request, "resolve", {"message": "已修"})
    db.session.commit()
    return request


def rating(phone, request, record_id=None, **data):
    return phone.mutation("ratings", "create", record_id,
                          {"target_type": "request", "target_id": request.id, "score": 4} | data)


def results(phone, *mutations):
    response = phone.push_raw(list(mutations))
    assert response.status_code == 200, response.get_json()
    return response.get_json()["results"]


def test_a_rating_closes_the_request_and_reaches_the_office(world, device):
    request = resolved_request(world)
    resident, staff = device("resident1"), device("staff1")
    made = rating(resident, request, comment="很快")
    (result,) = results(resident, made)
    assert result["status"] == "applied" and result["version"] > 0
    db.session.expire_all()
    assert db.session.get(Request, request.id).status == "closed"
    staff.pull()
    pulled = staff.get("ratings", made["record_id"])
    assert pulled["version"] == result["version"]
    assert (pulled["score"], pulled["comment"], pulled["rater_id"]) == (4, "很快", world.resident1.id)
    assert (pulled["household_id"], pulled["grid_id"]) == (world.H1.id, world.G1.id)
    assert staff.get("requests", request.id)["status"] == "closed"


def test_one_rating_per_id_and_per_person(world, device):
    request = resolved_request(world)
    resident = device("resident1")
    first = rating(resident, request)
    results(resident, first)
    reused = rating(resident, request, first["record_id"], score=1)
    twice = rating(resident, request, score=2)
    same_id, again = results(resident, reused, twice)
    assert same_id["status"] == "rejected" and same_id["error"]["status"] == 409
    assert again["status"] == "rejected" and again["error"]["status"] == 409
    db.session.expire_all()
    assert [r.score for r in db.session.scalars(db.select(Rating))] == [4]


def test_a_score_out_of_range_is_refused_and_the_request_stays_resolved(world, device):
    request = resolved_request(world)
    resident = device("resident1")
    (result,) = results(resident, rating(resident, request, score=6))
    assert result["status"] == "rejected" and "score" in result["error"]["errors"]
    db.session.expire_all()
    assert db.session.get(Request, request.id).status == "resolved"
    assert db.session.scalar(db.select(Rating.id)) is None


def test_ratings_are_never_changed(world, device):
    request = resolved_request(world)
    resident = device("resident1")
    made = rating(resident, request)
    results(resident, made)
    for op in ("update", "delete"):
        (result,) = results(resident, resident.mutation("ratings", op, made["record_id"], {}, base_version=1))
        assert result["status"] == "rejected" and result["error"]["status"] == 422, result
    assert db.session.get(Rating, made["record_id"]).score == 4
