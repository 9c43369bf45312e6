"""Who issues, sees and revokes Open311 keys, and where a key's requests may
go (backend/open311/policy.py)."""

import pytest
from sqlalchemy import select

from backend import clock
from backend.auth.policy import CHANGE, MANAGE, READ, can
from backend.extensions import db
from backend.open311 import keys
from backend.open311.models import Open311Key
from backend.open311.policy import (
    can_file_open311_request,
    can_issue_open311_key,
    can_open311_key,
    open311_key_covers,
    open311_key_filter,
)
from tests.factories import user


def test_managers_issue_for_the_places_of_their_area(world):
    n = world.nodes
    assert can_issue_open311_key(world.staff1, n["C1"]) and not can_issue_open311_key(world.staff1, n["C2"])
    assert can_issue_open311_key(world.street1, n["S1"]) and can_issue_open311_key(world.street1, n["C2"])
    assert not can_issue_open311_key(world.street1, n["D"])  # above their area
    assert can_issue_open311_key(world.admin, n["D"])
    for kind_refused in ("G1", "B1", "ST1"):
        assert not can_issue_open311_key(world.admin, n[kind_refused])
    for name in ("worker1", "station1", "volunteer1", "resident1"):
        assert not can_issue_open311_key(world.users[name], n["C1"]), name
    assert not can_issue_open311_key(None, n["C1"]) and not can_issue_open311_key(world.staff1, None)


def test_no_key_for_a_retired_place_or_by_an_inactive_account(world):
    world.C2.retired_at = clock.now()
    assert not can_issue_open311_key(world.staff2, world.C2)
    pending = user("pending_staff", "community_staff", [world.C1], status="pending")
    assert not can_issue_open311_key(pending, world.C1)


def test_requests_of_a_key_go_only_to_communities_the_issuer_still_serves(world):
    assert can_file_open311_request(world.street1, world.C2)
    assert not can_file_open311_request(world.street1, world.S1)  # a street is not a community
    assert not can_file_open311_request(world.street1, world.V1)  # another street's village
    assert not can_file_open311_request(world.street1, None)
    world.street1.is_active_flag = False
    assert not can_file_open311_request(world.street1, world.C2)


def test_a_key_covers_the_live_communities_of_its_area(world):
    _, street_key = keys.issue_key(world.street1, name="街道", node_id=world.S1.id)
    assert open311_key_covers(street_key, world.C1) and open311_key_covers(street_key, world.C2)
    assert not open311_key_covers(street_key, world.V1)
    assert not open311_key_covers(street_key, world.S1) and not open311_key_covers(street_key, world.G1)
    assert not open311_key_covers(street_key, None)
    world.C2.retired_at = clock.now()
    assert not open311_key_covers(street_key, world.C2)


def test_reading_and_managing_a_key(world):
    _, key = keys.issue_key(world.staff1, name="热线", node_id=world.C1.id)
    for verb in (READ, MANAGE):
        assert can(world.staff1, verb, key) and can(world.street1, verb, key) and can(world.admin, verb, key)
        assert not can(world.staff2, verb, key) and not can(world.street2, verb, key)
        assert not can(world.worker1, verb, key)
    assert not can_open311_key(world.staff1, CHANGE, key)


@pytest.mark.parametrize("name", ["admin", "district", "street1", "street2", "staff1", "staff2", "worker1",
                                  "resident1"])
def test_the_filter_agrees_with_can_read(world, name):
    for who, node in ((world.staff1, world.C1), (world.staff2, world.C2), (world.street2, world.S2)):
        keys.issue_key(who, name="热线", node_id=node.id)
    who = world.users[name]
    all_keys = db.session.scalars(select(Open311Key)).all()
    assert set(db.session.scalars(select(Open311Key.id).where(open311_key_filter(who)))) == {
        key.id for key in all_keys if can(who, READ, key)}
