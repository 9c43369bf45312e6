"""Raising requests: for oneself, on behalf with consent, in a grid; a client's id; nearby duplicates."""

import pytest

from backend.errors import Conflict, Invalid, Refused
from backend.extensions import db
from backend.requests import services
from tests.backend.requests.conftest import NOW, raise_request


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


def test_a_request_on_behalf_records_the_consent_with_who_and_how(world):
    from sqlalchemy import select

    from backend.registry.models import Consent

    old_client = raise_request(world, actor=world.worker1, resident_id=world.R1b.id, household_id=None)
    record = db.session.scalar(select(Consent).where(Consent.request_id == old_client.id))
    assert (record.purpose, record.resident_id, record.household_id) == ("proxy_request", world.R1b.id, None)
    assert (record.basis, record.given_by, record.recorded_by_id) == ("verbal", world.R1b.name, world.worker1.id)
    guardian = raise_request(world, actor=world.staff1, consent_basis="guardian", consent_given_by="张伟",
                             consent_detail="电话确认")
    record = db.session.scalar(select(Consent).where(Consent.request_id == guardian.id))
    assert (record.household_id, record.basis, record.given_by, record.detail) == (
        world.H1.id, "guardian", "张伟", "电话确认")
    own = raise_request(world)
    assert db.session.scalar(select(Consent).where(Consent.request_id == own.id)) is None
    for data, field in [({"consent_basis": "legal_duty"}, "consent_detail"),
                        ({"consent_basis": "nodded"}, "consent_basis")]:
        with pytest.raises(Invalid) as invalid:
            raise_request(world, actor=world.worker1, **data)
        assert list(invalid.value.errors) == [field]
        db.session.rollback()
