"""Raising requests: for oneself, on behalf with consent; who sees which."""

import pytest
from sqlalchemy import select

from backend.auth import policy
from backend.errors import Conflict, Invalid, NotAllowedNow, Refused
from backend.extensions import db
from backend.ratings import services as ratings
from backend.requests import services
from backend.requests.models import Request
from tests.backend.requests.conftest import NOW, in_state, raise_request


def test_a_resident_raises_for_their_household(world):
    request = raise_request(world, requester_phone="13912345678", location={"lat": 39.9, "lng": 116.4})
    assert (request.household_id, request.grid_id, request.community_id) == (world.H1.id, world.G1.id, world.C1.id)
    assert request.channel == "app" and not request.on_behalf and request.requester_id == world.resident1.id
    assert request.requester_phone_enc and "13912345678" not in request.requester_phone_enc
    assert services.requester_phone(request) == "13912345678"
    assert request.level == "community" and request.holder_node_id == world.C1.id


def test_on_behalf_needs_consent_and_a_resident(world):
    for data, field in [({"consent": False}, "consent"), ({"on_behalf": False}, "on_behalf"),
                        ({"household_id": None}, "household_id"), ({"channel": "app"}, "channel"),
                        ({"household_id": world.H2.id}, "household_id"),  # worker1's grid is G1
                        ({"resident_id": world.R2.id, "household_id": None}, "resident_id"),
                        ({"category": "nope"}, "category"), ({"description": ""}, "description"),
                        ({"grid_id": world.G2.id}, "grid_id")]:
        with pytest.raises(Invalid) as invalid:
            raise_request(world, actor=world.worker1, **data)
        assert field in invalid.value.errors, data
        db.session.rollback()
    request = raise_request(world, actor=world.worker1, resident_id=world.R1b.id, household_id=None)
    assert request.on_behalf and request.consent and request.channel == "field"
    assert request.resident_id == world.R1b.id and request.requester_name == world.R1b.name
    station = raise_request(world, actor=world.station1, household_id=world.H3.id)
    assert station.channel == "station" and station.community_id == world.V1.id


def test_residents_do_not_raise_for_others_and_officers_do_not_raise(world):
    with pytest.raises(Invalid):
        raise_request(world, on_behalf=True)
    db.session.rollback()
    with pytest.raises(Invalid):
        raise_request(world, household_id=world.H2.id)
    db.session.rollback()
    for username in ("street1", "district", "volunteer1"):
        with pytest.raises(Refused):
            raise_request(world, actor=world.users[username])
        db.session.rollback()


def test_staff_raise_in_a_grid_for_someone_not_registered(world):
    request = raise_request(world, actor=world.staff1, household_id=None, grid_id=world.G2.id,
                            requester_name="路过的市民", channel="staff")
    assert request.household_id is None and request.grid_id == world.G2.id
    with pytest.raises(Invalid):
        raise_request(world, actor=world.worker1, household_id=None, grid_id=world.G1.id)


def test_a_client_id_is_used_once(world):
    request = raise_request(world)
    with pytest.raises(Conflict):
        raise_request(world, id=request.id)


def test_rating_a_request_reopened_meanwhile_is_refused_with_the_reason(world):
    request = in_state(world, "resolved")
    services.transition(db.session, world.staff1, request, "reopen", {"message": "复查发现没修好"}, now=NOW)
    db.session.commit()
    with pytest.raises(NotAllowedNow) as refused:
        ratings.rate(db.session, world.resident1, "request", request.id, 5, "谢谢", now=NOW)
    assert refused.value.status == 409
    assert refused.value.detail == ("该诉求已不是“已办结”状态：它于 2026-11-27 被重新打开，正在重新办理。"
                                    "请在再次办结后评价。")


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


ALL = ["admin", "district", "street1", "street2", "staff1", "staff2", "worker1", "worker2", "station1", "resident1",
       "volunteer1"]


def test_each_role_sees_its_scope(world):
    mine = raise_request(world)
    g2 = raise_request(world, actor=world.worker2, household_id=world.H2.id)
    c2 = raise_request(world, actor=world.staff2, household_id=world.H5.id)
    village = raise_request(world, actor=world.station1, household_id=world.H3.id)
    expected = {
        "admin": {mine, g2, c2, village}, "district": {mine, g2, c2, village}, "street1": {mine, g2, c2},
        "street2": {village}, "staff1": {mine, g2}, "staff2": {c2}, "worker1": {mine}, "worker2": {g2},
        "station1": {village}, "resident1": {mine}, "volunteer1": set(),
    }
    everything = db.session.scalars(select(Request)).all()
    for username in ALL:
        user = world.users[username]
        listed = set(db.session.scalars(services.visible_requests(db.session, user)))
        assert listed == {r for r in everything if policy.can(user, policy.READ, r)} == expected[username], username


def test_residents_never_see_internal_events(world):
    request = raise_request(world)
    services.transition(db.session, world.staff1, request, "note", {"message": "内部"}, now=NOW)
    services.transition(db.session, world.staff1, request, "reply", {"message": "马上处理"}, now=NOW)
    events = request.events
    for event in events:
        assert policy.can(world.resident1, policy.READ, event) == event.public
        assert policy.can(world.staff1, policy.READ, event)
        assert not policy.can(world.staff2, policy.READ, event)
    assert [e.kind for e in services.timeline(db.session, world.resident1, request)] == ["submitted", "replied"]


def test_only_registry_keepers_reveal_the_phone(world):
    request = raise_request(world, requester_phone="13912345678")
    assert policy.can(world.staff1, policy.REVEAL, request) and policy.can(world.worker1, policy.REVEAL, request)
    assert not policy.can(world.street1, policy.REVEAL, request)
    assert not policy.can(world.resident1, policy.REVEAL, request)


def test_nearby_duplicates(world):
    here = {"lat": 39.9000, "lng": 116.4000}
    first = raise_request(world, location=here)
    near = raise_request(world, location={"lat": 39.9010, "lng": 116.4000})  # about 111 m
    raise_request(world, location={"lat": 39.9100, "lng": 116.4000})  # about 1.1 km
    raise_request(world, location=here, category="safety")
    closed = raise_request(world, location=here)
    services.transition(db.session, world.resident1, closed, "withdraw", {}, now=NOW)
    found = services.nearby_duplicates(db.session, first)
    assert [(r.id, m) for r, m in found] == [(near.id, 111)]
    assert services.nearby_duplicates(db.session, raise_request(world)) == []
