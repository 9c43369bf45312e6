"""The merge suggestions (possible duplicates of a request) are bounded: only
requests the asker may read, a capped radius and number, a box read in SQL; so
they cannot be used to list a community's requests."""

from backend.extensions import db
from backend.requests import services
from tests.backend.requests.conftest import raise_request

HERE = {"lat": 39.9000, "lng": 116.4000}


def _near(step):
    return {"lat": HERE["lat"] + 0.0001 * step, "lng": HERE["lng"]}  # about 11 m a step


def test_only_requests_the_asker_may_read_are_suggested(world):
    first = raise_request(world, location=HERE)
    mine = raise_request(world, location=_near(1))
    other_grid = raise_request(world, actor=world.staff1, household_id=world.H2.id, location=_near(2))
    assert {r.id for r, _m in services.nearby_duplicates(db.session, first, actor=world.staff1)} == \
        {mine.id, other_grid.id}
    assert {r.id for r, _m in services.nearby_duplicates(db.session, first, actor=world.worker1)} == {mine.id}
    assert services.nearby_duplicates(db.session, first, actor=world.resident1)  # their own household's
    assert services.nearby_duplicates(db.session, first, actor=world.volunteer1) == []


def test_asking_for_more_than_the_caps_changes_nothing(world):
    first = raise_request(world, location=HERE)
    for step in range(1, 13):
        raise_request(world, location=_near(step))
    far = raise_request(world, location={"lat": 39.9200, "lng": 116.4000})  # about 2.2 km
    found = services.nearby_duplicates(db.session, first, radius_m=50_000, limit=10_000, actor=world.staff1)
    assert len(found) == 10
    assert far.id not in {r.id for r, _m in found}
    assert [m for _r, m in found] == sorted(m for _r, m in found)
    assert len(services.nearby_duplicates(db.session, first, limit=0, actor=world.staff1)) == 1


def test_a_request_without_usable_coordinates_has_no_suggestions(world):
    assert services.nearby_duplicates(db.session, raise_request(world), actor=world.staff1) == []
