"""Who sees what of the points bank: a resident their own ledger and their community's rewards;
staff of the community everything of it; nobody else."""

from backend.auth.policy import CHANGE, READ, can
from backend.extensions import db
from backend.points import policy, rewards
from tests.backend.points.conftest import give
from tests.factories import user


def test_a_resident_reads_their_own_entries_only(funded):
    w = funded
    other = user("resident2", "resident", home=w.H2)
    mine = give(w, w.resident1, 20).entries
    theirs = give(w, other, 10).entries
    db.session.commit()
    own = next(e for e in mine if e.owner_id == w.resident1.id)
    foreign = next(e for e in theirs if e.owner_id == other.id)
    assert can(w.resident1, READ, own) and not can(w.resident1, READ, foreign)
    assert can(w.staff1, READ, foreign) and can(w.street1, READ, foreign)
    assert not can(w.staff2, READ, foreign) and not can(w.worker1, READ, foreign)


def test_rewards_are_seen_by_their_communitys_residents_and_managed_by_its_staff(world):
    reward = rewards.create_reward(db.session, world.staff1, world.C1.id, {"title": "理发", "points": 50, "stock": 2})
    outsider = user("resident5", "resident", home=world.H5)
    db.session.commit()
    assert can(world.resident1, READ, reward) and not can(outsider, READ, reward)
    assert can(world.staff1, CHANGE, reward) and not can(world.staff2, CHANGE, reward)
    assert not can(world.resident1, CHANGE, reward)
    reward.active = False
    assert not can(world.resident1, READ, reward) and can(world.staff1, READ, reward)


def test_hours_are_recorded_by_staff_and_the_communitys_grid_workers(world):
    assert policy.records_hours(world.staff1, world.C1.id) and policy.records_hours(world.worker1, world.C1.id)
    assert not policy.records_hours(world.worker1, world.C2.id) and not policy.records_hours(world.staff2, world.C1.id)
    assert not policy.records_hours(world.resident1, world.C1.id)


def test_the_home_community_of_a_resident_and_a_volunteer(world):
    assert policy.home_community(world.resident1) == world.C1.id
    assert policy.home_community(world.volunteer1) == world.C1.id
    assert [c.id for c in policy.managed_communities(db.session, world.street1)] == sorted(
        [world.C1.id, world.C2.id], key=lambda i: db.session.get(type(world.C1), i).path)
