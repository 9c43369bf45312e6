"""Open311 API keys (backend/open311/keys.py): issued for a community, street
or district in the issuer's area, the plain key shown once and only its hash
kept, revoked by those who manage it, live only while revoked by nobody, its
issuer active and its place not retired; its use noted at most once a minute."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from backend import clock
from backend.audit.models import AuditEntry
from backend.errors import Invalid, Refused
from backend.extensions import db
from backend.open311 import keys
from backend.open311.models import Open311Key


def test_a_key_is_shown_once_and_only_its_hash_is_kept(world):
    plain, key = keys.issue_key(world.staff1, name=" 城市热线 ", node_id=world.C1.id, address="10.0.0.1")
    assert plain.startswith(keys.KEY_PREFIX) and len(plain) > 40
    assert (key.name, key.node_id, key.created_by_id) == ("城市热线", world.C1.id, world.staff1.id)
    assert key.key_hash == keys.key_hash(plain) and plain not in key.key_hash
    assert keys.live_key(plain).id == key.id
    second, _ = keys.issue_key(world.staff1, name="城市热线", node_id=world.C1.id)
    assert second != plain
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "issue_open311_key"))
    assert (entry.target_id, entry.address, entry.detail["node_id"]) == (key.id, "10.0.0.1", world.C1.id)


@pytest.mark.parametrize(("who", "name", "node", "fields"), [
    ("staff1", "", "C1", {"name"}), ("staff1", "x" * 101, "C1", {"name"}),
    ("staff1", "热线", "C2", {"node_id"}),  # another community
    ("staff1", "热线", "G1", {"node_id"}),  # a grid is no key's place
    ("staff1", "热线", "S1", {"node_id"}),  # above their area
    ("street1", "热线", "S2", {"node_id"}), ("worker1", "热线", "C1", {"node_id"}),
    ("staff1", "  ", None, {"name", "node_id"})])
def test_issuing_names_what_is_wrong(world, who, name, node, fields):
    with pytest.raises(Invalid) as raised:
        keys.issue_key(world.users[who], name=name, node_id=world.nodes[node].id if node else "")
    assert set(raised.value.errors) == fields
    assert db.session.scalars(select(Open311Key)).all() == []


def test_street_and_district_officers_issue_for_their_streets_and_district(world):
    _, key = keys.issue_key(world.street1, name="街道热线", node_id=world.S1.id)
    assert key.node_id == world.S1.id
    _, key = keys.issue_key(world.district, name="区热线", node_id=world.D.id)
    assert key.node_id == world.D.id


def test_revoking_is_for_those_who_manage_the_key_and_happens_once(world):
    plain, key = keys.issue_key(world.staff1, name="热线", node_id=world.C1.id)
    with pytest.raises(Refused):
        keys.revoke_key(world.staff2, key)
    with pytest.raises(Refused):
        keys.revoke_key(world.worker1, key)
    assert keys.live_key(plain) is not None
    keys.revoke_key(world.street1, key)  # the street above the community
    assert (key.revoked_by_id, key.is_revoked) == (world.street1.id, True)
    first = key.revoked_at
    clock.run_from(clock.now() + timedelta(hours=1))
    keys.revoke_key(world.staff1, key)  # again: nothing changes
    assert (key.revoked_at, key.revoked_by_id) == (first, world.street1.id)
    assert keys.live_key(plain) is None
    assert len(db.session.scalars(select(AuditEntry).where(AuditEntry.action == "revoke_open311_key")).all()) == 1


def test_a_key_dies_with_its_issuers_access_and_its_place(world):
    plain, _ = keys.issue_key(world.staff1, name="热线", node_id=world.C1.id)
    world.staff1.status = "rejected"
    db.session.commit()
    assert keys.live_key(plain) is None
    world.staff1.status = "active"
    world.C1.retired_at = clock.now()
    db.session.commit()
    assert keys.live_key(plain) is None
    world.C1.retired_at = None
    db.session.commit()
    assert keys.live_key(plain) is not None


@pytest.mark.parametrize("plain", [None, "", "o311_not-a-key", "o311_" + "x" * 300])
def test_unknown_or_absurd_keys_are_not_live(world, plain):
    assert keys.live_key(plain) is None


def test_keys_are_seen_by_the_area_that_holds_them_live_first(world):
    _, old = keys.issue_key(world.staff1, name="旧", node_id=world.C1.id)
    keys.revoke_key(world.staff1, old)
    clock.run_from(clock.now() + timedelta(minutes=1))
    _, new = keys.issue_key(world.staff1, name="新", node_id=world.C1.id)
    _, other = keys.issue_key(world.staff2, name="别的", node_id=world.C2.id)
    assert db.session.scalars(keys.visible_keys(world.staff1)).all() == [new, old]
    assert set(db.session.scalars(keys.visible_keys(world.street1))) == {new, old, other}
    assert db.session.scalars(keys.visible_keys(world.worker1)).all() == []


def test_the_nodes_a_user_may_issue_keys_for(world):
    assert [node.id for node in keys.key_nodes(world.staff1)] == [world.C1.id]
    assert {node.id for node in keys.key_nodes(world.street1)} == {world.S1.id, world.C1.id, world.C2.id}
    assert keys.key_nodes(world.worker1) == []


def test_use_is_noted_at_most_once_a_minute(world):
    _, key = keys.issue_key(world.staff1, name="热线", node_id=world.C1.id)
    assert key.last_used_at is None
    keys.touch(key)
    first = key.last_used_at
    assert first is not None
    clock.run_from(first + timedelta(seconds=30))
    keys.touch(key)
    assert key.last_used_at == first
    clock.run_from(first + timedelta(minutes=2))
    keys.touch(key)
    assert key.last_used_at >= first + timedelta(minutes=2)
