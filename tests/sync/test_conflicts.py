"""Conflicts kept by field-level merges: who sees them (the offices over their
community), who may settle them, and what settling writes back."""

import uuid

import pytest
from sqlalchemy import select

from backend.errors import Invalid, Refused
from backend.extensions import db
from sync import conflicts
from sync.models import Conflict
from tests.factories import ConflictFactory


def conflict(world, record, fields, collection="households", **extra) -> Conflict:
    row = ConflictFactory(record=record, user=world.worker1, collection=collection, fields=fields,
                          rule="last_write_wins" if collection == "households" else "server_wins", **extra)
    db.session.commit()
    return row


def head_name(winner="server"):
    return {"head_name": {"server": "服务器", "client": "设备", "winner": winner}}


def visible(actor, **kwargs):
    return {c.id for c in db.session.scalars(conflicts.visible_query(actor, **kwargs))}


def test_the_offices_over_a_community_see_its_conflicts(world):
    c1 = conflict(world, world.H1, head_name())
    c2 = conflict(world, world.H5, head_name())
    settled = conflict(world, world.H2, head_name(), status="settled")
    assert visible(world.staff1) == {c1.id}
    assert visible(world.staff2) == {c2.id}
    assert visible(world.street1) == visible(world.admin) == {c1.id, c2.id}
    assert visible(world.street2) == set()
    assert visible(world.worker1) == visible(world.resident1) == set()  # not reviewers, whatever their scope
    assert visible(world.staff1, status="settled") == {settled.id}
    assert visible(world.staff1, status=None) == {c1.id, settled.id}
    assert visible(world.street1, community_id=world.C2.id) == {c2.id}


def test_who_may_settle(world):
    open_one = conflict(world, world.H1, head_name())
    assert conflicts.may_settle(world.staff1, open_one)
    assert not conflicts.may_settle(world.staff2, open_one)
    assert not conflicts.may_settle(world.street1, open_one)  # reads the registry, may not change it
    gone = conflict(world, world.H1, head_name())
    gone.record_id = str(uuid.uuid4())
    assert not conflicts.may_settle(world.staff1, gone)
    done = conflict(world, world.H1, head_name(), status="settled")
    assert not conflicts.may_settle(world.staff1, done)


def test_keeping_the_losing_side_writes_it_back(world):
    row = conflict(world, world.H1, head_name("server") | {"notes": {"server": "甲", "client": "乙",
                                                                     "winner": "client"}})
    conflicts.settle(world.staff1, row, {"head_name": "client"})
    db.session.expire_all()
    # head_name: the device's value was kept; notes: the rule's winner stands and is not rewritten
    assert world.H1.head_name == "设备" and world.H1.notes is None
    settled = db.session.get(Conflict, row.id)
    assert settled.status == "settled" and settled.settled_by_id == world.staff1.id and settled.settled_at
    assert settled.resolution == {"head_name": "client", "notes": "client"}


def test_a_residents_conflict_is_settled_on_the_resident(world):
    row = conflict(world, world.R1, {"relation": {"server": "户主", "client": "本人", "winner": "server"}},
                   collection="residents")
    conflicts.settle(world.staff1, row, {"relation": "client"})
    db.session.expire_all()
    assert world.R1.relation == "本人"


def test_keeping_a_devices_delete_retires_the_record(world):
    row = conflict(world, world.H2, {"deleted": {"server": False, "client": True, "winner": "server"}})
    conflicts.settle(world.staff1, row, {})
    db.session.expire_all()
    assert world.H2.retired_at is None  # the rule's winner (the server) kept it
    row = conflict(world, world.H2, {"deleted": {"server": False, "client": True, "winner": "server"}})
    conflicts.settle(world.staff1, row, {"deleted": "client"})
    db.session.expire_all()
    assert world.H2.retired_at is not None and world.H2.retire_reason


def test_settling_refuses_a_bad_choice_a_settled_conflict_and_outsiders(world):
    row = conflict(world, world.H1, head_name())
    with pytest.raises(Invalid) as caught:
        conflicts.settle(world.staff1, row, {"head_name": "both"})
    assert "head_name" in caught.value.errors
    with pytest.raises(Refused):
        conflicts.settle(world.staff2, row, {"head_name": "client"})
    with pytest.raises(Invalid) as caught:
        conflicts.settle(world.street1, row, {"head_name": "client"})  # may read, not change
    assert "conflict" in caught.value.errors
    db.session.rollback()
    conflicts.settle(world.staff1, row, {})
    with pytest.raises(Invalid) as caught:
        conflicts.settle(world.staff1, row, {"head_name": "client"})
    assert "conflict" in caught.value.errors
    db.session.expire_all()
    assert world.H1.head_name == "张伟"
    assert db.session.scalar(select(Conflict.resolution)) == {"head_name": "server"}
