"""Who may read, create, change and retire nodes (backend/org/policy.py): an
area and its ancestors are readable, a role changes only the kinds below its
rank inside its area, and the list filter agrees with the rule."""

from itertools import pairwise

import pytest
from sqlalchemy import select

from backend.auth.policy import CHANGE, MANAGE, READ, RETIRE, REVEAL, can
from backend.extensions import db
from backend.org.models import Node
from backend.org.policy import NODE_KINDS_CHANGED_BY, can_create_node, can_node, node_filter
from tests.factories import user


def readable(who, world) -> set[str]:
    return {key for key, node in world.nodes.items() if can_node(who, READ, node)}


def test_an_area_its_subtree_and_its_ancestors_are_readable(world):
    assert readable(world.worker1, world) == {"D", "S1", "C1", "G1", "B1"}
    assert readable(world.staff2, world) == {"D", "S1", "C2", "G5"}
    assert readable(world.street2, world) == {"D", "S2", "V1", "G3", "ST1"}
    assert readable(world.admin, world) == set(world.nodes)
    assert readable(world.resident1, world) == set()  # residents see no tree


def test_a_station_operator_reads_the_village_it_serves(world):
    assert {"V1", "G3", "ST1", "S2", "D"} <= readable(world.station1, world)
    assert "C1" not in readable(world.station1, world)


def test_change_and_retire_by_rank_inside_the_area(world):
    n = world.nodes
    for verb in (CHANGE, RETIRE):
        assert can_node(world.staff1, verb, n["G1"]) and can_node(world.staff1, verb, n["B1"])
        assert not can_node(world.staff1, verb, n["C1"])  # their own community: above their rank
        assert not can_node(world.staff1, verb, n["G5"])  # another community's grid
        assert can_node(world.street1, verb, n["C1"]) and not can_node(world.street1, verb, n["S1"])
        assert not can_node(world.street1, verb, n["V1"])
        assert can_node(world.district, verb, n["S2"]) and not can_node(world.district, verb, n["D"])
        assert can_node(world.admin, verb, n["D"])
        for name in ("worker1", "station1", "volunteer1", "resident1"):
            assert not can_node(world.users[name], verb, n["B1"]), name


@pytest.mark.parametrize("verb", [MANAGE, REVEAL, "fly"])
def test_other_verbs_are_never_allowed_on_a_node(world, verb):
    assert not can_node(world.admin, verb, world.G1)


def test_creating_needs_the_rank_the_area_and_a_parent_unless_admin(world):
    n = world.nodes
    assert can_create_node(world.admin, "district", None)
    assert not can_create_node(world.district, "street", None)  # only an admin makes a root
    assert can_create_node(world.staff1, "station", n["C1"])
    assert not can_create_node(world.staff1, "grid", n["C2"])
    assert not can_create_node(world.worker1, "building", n["G1"])
    assert not can_create_node(None, "grid", n["C1"])
    gone = user("gone_staff", "community_staff", [n["C1"]], is_active_flag=False)
    assert not can_create_node(gone, "grid", n["C1"])


def test_each_rank_creates_the_kinds_below_it_in_its_area(world):
    n = world.nodes
    assert not can_create_node(world.district, "district", None)
    assert can_create_node(world.district, "street", n["D"])
    assert can_create_node(world.street1, "community", n["S1"])
    assert not can_create_node(world.street1, "community", n["S2"])
    assert can_create_node(world.staff1, "grid", n["C1"])
    assert not can_create_node(world.staff1, "community", n["S1"])
    for name in ("worker1", "station1", "resident1", "volunteer1"):
        assert not can_create_node(world.users[name], "building", n["G1"]), name


def test_the_ranks_nest():
    ranks = ["admin", "district_officer", "street_officer", "community_staff"]
    for higher, lower in pairwise(ranks):
        assert NODE_KINDS_CHANGED_BY[lower] < NODE_KINDS_CHANGED_BY[higher]


def test_a_retired_scope_node_no_longer_gives_an_area(world):
    world.G2.retired_at = world.G2.created_at
    db.session.commit()
    assert readable(world.worker2, world) == set()


@pytest.mark.parametrize("name", ["admin", "district", "street1", "street2", "staff1", "staff2", "worker1",
                                  "worker2", "station1", "volunteer1", "resident1"])
def test_the_filter_agrees_with_can_read(world, name):
    who = world.users[name]
    nodes = db.session.scalars(select(Node)).all()
    assert set(db.session.scalars(select(Node.id).where(node_filter(who)))) == {
        node.id for node in nodes if can(who, READ, node)}


def test_the_filter_is_empty_for_nobody_and_the_inactive(world):
    assert db.session.scalars(select(Node.id).where(node_filter(None))).all() == []
    gone = user("gone_worker", "grid_worker", [world.G1], is_active_flag=False)
    db.session.commit()
    assert db.session.scalars(select(Node.id).where(node_filter(gone))).all() == []
