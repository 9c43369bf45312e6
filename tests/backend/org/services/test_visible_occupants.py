"""The tree page's counts as a user may see them: a node of the user's area
counts everything under it; an ancestor (readable so people see where they
stand) counts only the user's own area beneath it."""

import pytest

from backend.org import services as org

EVERYTHING = {"D": {"households": 4, "residents": 5}, "C1": {"households": 2, "residents": 3}}


@pytest.mark.parametrize(("user", "key", "expected"), [
    ("worker1", "D", {"households": 1, "residents": 2}),
    ("worker1", "S1", {"households": 1, "residents": 2}),
    ("worker1", "C1", {"households": 1, "residents": 2}),
    ("worker1", "G1", {"households": 1, "residents": 2}),
    ("staff1", "D", {"households": 2, "residents": 3}),
    ("street1", "D", {"households": 3, "residents": 4}),
    ("staff1", "C1", EVERYTHING["C1"]),
    ("district", "D", EVERYTHING["D"]),
    ("admin", "D", EVERYTHING["D"]),
])
def test_counts_stop_at_the_users_area(world, ctx, user, key, expected):
    assert org.visible_occupants(world.users[user], world.nodes[key]) == expected


def test_a_node_beside_the_area_counts_nothing(world, ctx):
    assert org.visible_occupants(world.worker1, world.nodes["G2"]).get("households", 0) == 0
