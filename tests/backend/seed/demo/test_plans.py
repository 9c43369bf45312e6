"""The demo city's plan and generators (backend/seed/demo.py): plans, household
sizes and families without the database, and a small parameterised city built."""

import random
from collections import Counter

import pytest
from sqlalchemy import func, select

from backend.extensions import db
from backend.registry.models import Household
from backend.seed import demo, names
from tests.backend.seed.seeding import SIGN_IN_ACCOUNTS, nodes


def test_city_preset_is_as_large_as_seed_001():
    plan = demo.city_plan()
    assert (plan.households, plan.residents, len(plan.communities)) == (77_095, 230_266, 34)
    assert sum(c.kind == "village" for c in plan.communities) == 10
    assert [c.name for c in plan.communities[:4]] == ["幸福社区", "和平社区", "阳光社区", "柳树村"]
    streets = Counter(c.street for c in plan.communities)
    assert set(streets) == set(plan.streets) and len(streets) >= 2 and max(streets.values()) <= 8
    sizes = [g.households for c in plan.communities for g in c.grids]
    assert min(sizes) >= 200 and max(sizes) <= 400 and 270 <= sum(sizes) / len(sizes) <= 330
    codes = [g.code for c in plan.communities for g in c.grids]
    assert len(set(codes)) == len(codes)
    # Every grid's families add up to exactly the planned residents.
    rng = random.Random(1)
    for community in plan.communities:
        for grid in community.grids:
            split = demo.household_sizes(rng, grid.households, grid.residents, community.kind)
            assert len(split) == grid.households and sum(split) == grid.residents
            assert min(split) >= 1 and max(split) <= 8


def test_plans_are_deterministic_and_follow_their_targets():
    assert demo.demo_plan(7) == demo.demo_plan(7)
    assert demo.demo_plan(7) != demo.demo_plan(8)
    plan = demo.demo_plan()
    assert (plan.households, plan.residents, len(plan.communities)) == (600, 1500, 4)
    assert plan.grids >= 12 and all(len(c.grids) >= 2 for c in plan.communities)
    for households, residents in ((8, 8), (8, 64), (40, 100)):
        small = demo.make_plan(households=households, residents=residents, communities=4, villages=1,
                               grid_households=5)
        assert (small.households, small.residents) == (households, residents)
        assert all(g.households <= g.residents <= 8 * g.households for c in small.communities for g in c.grids)
    for bad in ({"households": 10, "residents": 9}, {"households": 10, "residents": 81},
                {"households": 100, "residents": 300, "villages": 0}, {"households": 6, "residents": 12}):
        with pytest.raises(ValueError):
            demo.make_plan(**bad)


def test_small_parameterised_city_is_built_exactly(ctx):
    plan = demo.make_plan(households=130, residents=370, communities=6, villages=2, grid_households=20, seed=5)
    summary = demo.build(plan)
    assert summary.counts["households"] == 130 and summary.counts["residents"] == 370
    assert summary.counts["community"] == 6 and summary.counts["station"] == 2
    assert db.session.scalar(select(func.count(Household.id)).where(Household.member_count < 1)) == 0
    assert {u["username"] for u in summary.accounts} >= set(SIGN_IN_ACCOUNTS)
    assert {s.name for s in nodes("station")} == {c.station for c in plan.communities if c.kind == "village"}


def test_families_are_plausible():
    rng = random.Random(3)
    for size in list(range(1, 9)) * 300:
        members = demo.family(rng, size, names.URBAN_SURNAMES)
        assert len(members) == size
        head, *others = members
        assert head.relation == "户主" and all(m.relation != "户主" for m in others)
        assert all(m.age >= 0 for m in members)
        spouses = [m for m in others if m.relation == "配偶"]
        assert len(spouses) <= 1 and all(s.gender != head.gender for s in spouses)
        for child in (m for m in others if m.relation == "子女"):
            assert head.age - child.age >= 18
        for parent in (m for m in others if m.relation == "父母"):
            assert parent.age - head.age >= 18
        for grandchild in (m for m in others if m.relation == "孙子女"):
            assert head.age - grandchild.age >= 40
    alone = demo.family(rng, 1, names.URBAN_SURNAMES, elderly_alone=True)
    assert len(alone) == 1 and alone[0].age >= 65
