"""The tree's nodes (backend/org/models.py): the materialised path gives the
ancestors, the database refuses an unknown kind and a reused invite code, and
the times come from the one clock."""

from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from backend import clock
from backend.extensions import db
from backend.org.models import KINDS, PARENT_KINDS, Node
from tests.factories import NodeFactory


def test_ancestors_are_read_from_the_path_root_first(world):
    assert world.B1.ancestor_ids == [world.D.id, world.S1.id, world.C1.id, world.G1.id]
    assert world.D.ancestor_ids == []


def test_retired_is_having_a_retirement_time(world):
    assert not world.G2.is_retired
    world.G2.retired_at = clock.now()
    assert world.G2.is_retired


def test_times_come_from_the_clock_and_an_edit_moves_updated_at(ctx):
    start = clock.now()
    node = Node(kind="district", name="时钟区", path="/x/")
    db.session.add(node)
    db.session.commit()
    assert node.id and start <= node.created_at <= node.updated_at < start + timedelta(seconds=5)
    clock.run_from(start + timedelta(days=2))
    node.name = "改名区"
    db.session.commit()
    assert node.updated_at >= start + timedelta(days=2) and node.created_at < start + timedelta(seconds=5)


def test_the_database_refuses_an_unknown_kind(ctx):
    db.session.add(Node(kind="planet", name="火星", path="/p/"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_an_invite_code_belongs_to_one_community(world):
    with pytest.raises(IntegrityError):  # the factory flushes
        NodeFactory(kind="community", parent=world.S1, name="新社区", invite_code=world.C1.invite_code)
    db.session.rollback()


def test_every_kind_has_its_parents_and_only_districts_are_roots():
    assert set(PARENT_KINDS) == set(KINDS)
    assert [kind for kind, parents in PARENT_KINDS.items() if None in parents] == ["district"]
    assert all(parent is None or parent in KINDS for parents in PARENT_KINDS.values() for parent in parents)
