"""What lives in a node, as the tree asks the areas for it (Area.occupants: the
registry counts live households and residents): the counts on the tree page,
and the refusal to retire a node that still holds households."""

import pytest

from backend.errors import Invalid
from backend.extensions import db
from backend.org import services as org
from backend.registry import services as registry


def test_each_node_counts_the_live_households_and_residents_on_it_and_under_it(world, ctx):
    n = world.nodes
    assert org.occupants(n["D"]) == {"households": 4, "residents": 5}
    assert org.occupants(n["C1"]) == {"households": 2, "residents": 3}
    assert org.occupants(n["G1"]) == {"households": 1, "residents": 2}
    # A building counts the households in it, though their grid is above it.
    assert org.occupants(n["B1"]) == {"households": 1, "residents": 2}
    assert org.occupants(n["ST1"]) == {"households": 0, "residents": 0}


def test_retired_residents_and_households_are_not_counted(world, ctx):
    registry.retire_resident(world.staff1, world.R1b, "搬走")
    db.session.flush()
    assert org.occupants(world.nodes["G1"]) == {"households": 1, "residents": 1}
    registry.retire_household(world.staff1, world.H2, "整户迁出")
    db.session.flush()
    assert org.occupants(world.nodes["C1"]) == {"households": 1, "residents": 1}


@pytest.mark.parametrize("key", ["B1", "G2"])
def test_a_node_holding_a_household_is_not_retired(world, ctx, key):
    node = world.nodes[key]
    with pytest.raises(Invalid) as refused:
        org.retire_node(world.staff1, node)
    message = str(refused.value.errors["node"][0])
    assert "0" in message and "1" in message, message  # no nodes under it, one household
    assert node.retired_at is None


def test_an_emptied_building_is_retired(world, ctx):
    registry.retire_household(world.staff1, world.H1, "整户迁出")
    db.session.flush()
    org.retire_node(world.staff1, world.nodes["B1"])
    assert world.nodes["B1"].retired_at is not None
