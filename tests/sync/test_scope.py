"""A user's replication scope as partitions: a resident's household, their
community's public records and those naming them, and the street-shared
records (and those naming them) of the street's other live communities; a
grid worker's live grids, an office's communities; nothing for volunteers
without a home, the inactive, or a resident without a home. Partitions read
back from their text."""

import pytest

from backend.common import utcnow
from backend.extensions import db
from sync.scope import Partition, fingerprint, partitions, sees_sensitive
from tests.factories import user


def test_a_partition_reads_back_from_its_text():
    for part in (Partition("c1", "all"), Partition("c1", "grid", "g1"), Partition("c1", "household", "h:1"),
                 Partition("c1", "public"), Partition("c2", "street"), Partition("c1", "user", "u1")):
        assert Partition.parse(str(part)) == part
    assert str(Partition("c1", "all")) == "c1:all:"
    assert str(Partition("c1", "user", "u1")) == "c1:user:u1"
    with pytest.raises(ValueError):
        Partition.parse("c1:district:d1")
    with pytest.raises(ValueError):
        Partition.parse("c1-all")


def test_each_role_s_partitions(world):
    w = world
    assert partitions(db.session, w.resident1) == sorted([
        Partition(w.C1.id, "household", w.H1.id), Partition(w.C1.id, "public"),
        Partition(w.C1.id, "user", w.resident1.id),
        Partition(w.C2.id, "street"), Partition(w.C2.id, "user", w.resident1.id)])  # C2: the same street
    assert partitions(db.session, w.worker1) == [Partition(w.C1.id, "grid", w.G1.id)]
    assert partitions(db.session, w.staff1) == [Partition(w.C1.id, "all")]
    assert partitions(db.session, w.station1) == [Partition(w.V1.id, "all")]
    assert partitions(db.session, w.street1) == sorted([Partition(w.C1.id, "all"), Partition(w.C2.id, "all")])
    everywhere = sorted(Partition(c.id, "all") for c in (w.C1, w.C2, w.V1))
    assert partitions(db.session, w.district) == everywhere
    assert partitions(db.session, w.admin) == everywhere
    assert partitions(db.session, w.volunteer1) == []
    assert partitions(db.session, None) == []


def test_a_worker_s_retired_grids_and_the_inactive_get_nothing(world):
    w = world
    worker = user("worker9", "grid_worker", [w.G1, w.G2, w.G5])
    db.session.commit()
    assert partitions(db.session, worker) == sorted([Partition(w.C1.id, "grid", w.G1.id),
                                                     Partition(w.C1.id, "grid", w.G2.id),
                                                     Partition(w.C2.id, "grid", w.G5.id)])
    w.G2.retired_at = utcnow()
    db.session.commit()
    assert Partition(w.C1.id, "grid", w.G2.id) not in partitions(db.session, worker)
    worker.status = "pending"
    assert partitions(db.session, worker) == []
    worker.status, worker.is_active_flag = "active", False
    assert partitions(db.session, worker) == []


def test_a_resident_without_a_home_gets_nothing(world):
    homeless = user("resident9", "resident")
    db.session.commit()
    assert partitions(db.session, homeless) == []


def test_the_fingerprint_is_of_the_set_of_partitions():
    a, b = Partition("c1", "grid", "g1"), Partition("c1", "grid", "g2")
    assert fingerprint([a, b]) == fingerprint([b, a])
    assert fingerprint([a]) != fingerprint([a, b]) and len(fingerprint([a])) == 16


def test_who_sees_sensitive_tags(world):
    assert sees_sensitive(world.staff1) and sees_sensitive(world.worker1)
    assert not sees_sensitive(world.street1) and not sees_sensitive(world.resident1)


def test_staff_notes_and_views_by_role(world):
    from sync.scope import sees_notes, view

    assert sees_notes(world.staff1) and sees_notes(world.worker1) and sees_notes(world.station1)
    assert not sees_notes(world.street1) and not sees_notes(world.district) and not sees_notes(world.resident1)
    assert [view(u) for u in (world.resident1, world.street1, world.district)] == [2, 2, 2]
    assert [view(u) for u in (world.staff1, world.worker1, world.admin)] == [1, 1, 1]


def test_a_resident_s_street_is_their_community_s_live_neighbours(world):
    w = world
    villager = user("resident8", "resident", home=w.H3)  # V1 is alone on its street
    db.session.commit()
    assert partitions(db.session, villager) == sorted([
        Partition(w.V1.id, "household", w.H3.id), Partition(w.V1.id, "public"),
        Partition(w.V1.id, "user", villager.id)])
    w.C2.retired_at = utcnow()
    db.session.commit()
    assert partitions(db.session, w.resident1) == sorted([
        Partition(w.C1.id, "household", w.H1.id), Partition(w.C1.id, "public"),
        Partition(w.C1.id, "user", w.resident1.id)])


def test_a_volunteer_with_a_home_gets_a_resident_s_partitions_but_the_household(world):
    """The registry's policy lets only residents read their household: a volunteer
    living in one gets the shared kinds (public, street, user) alone."""
    w = world
    helper = user("volunteer8", "volunteer", [w.C1], community=w.C1, home=w.H2)
    db.session.commit()
    assert partitions(db.session, helper) == sorted([
        Partition(w.C1.id, "public"), Partition(w.C1.id, "user", helper.id),
        Partition(w.C2.id, "street"), Partition(w.C2.id, "user", helper.id)])
