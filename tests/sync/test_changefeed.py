"""The change feed: every write of a replicated record is stamped with a fresh
version of its community's space, an editable record's fields remember when
and by whom they were written, a record leaving a place leaves a tombstone
there, and rows written in bulk are stamped afterwards."""

import uuid

from sqlalchemy import insert, select

from backend.common import utcnow
from backend.extensions import db
from backend.fieldwork.visits.models import Visit
from backend.registry import services
from backend.registry.models import Household
from sync.changefeed import CLIENT_DEVICE, CLIENT_TIME, SKIP, reserve, space_versions, stamp_unversioned
from sync.collections import REGISTRY
from sync.models import AttachmentRef, SyncSpace, Tombstone
from tests.factories import VisitFactory


def top(space):
    return space_versions(db.session, [space])[space]


def test_reserve_counts_up_from_a_space_it_makes(world):
    fresh = world.G3.id  # a node no write has stamped: no space row yet
    assert db.session.get(SyncSpace, fresh) is None
    assert space_versions(db.session, [fresh]) == {fresh: 0}
    assert reserve(db.session, fresh, 3) == 3
    assert reserve(db.session, fresh) == 4
    db.session.commit()
    assert top(fresh) == 4 and space_versions(db.session, []) == {}


def test_a_write_takes_the_next_version_of_its_space(world):
    c1, c2 = top(world.C1.id), top(world.C2.id)
    services.update_household(world.staff1, world.H1, {"notes": "新"})
    assert world.H1.version == c1 + 1 == top(world.C1.id)
    assert top(world.C2.id) == c2  # another community's counter is untouched
    household = Household(id=str(uuid.uuid4()), grid_id=world.G1.id, community_id=world.C1.id, address="新址",
                          head_name="新户", member_count=0)
    db.session.add(household)
    db.session.commit()
    assert household.version == c1 + 2


def test_an_untracked_change_is_not_a_new_version(world):
    version = world.H1.version
    world.H1.phone_enc = b"not replicated"  # never on the wire, so never a change for devices
    db.session.commit()
    assert world.H1.version == version


def test_an_editable_records_fields_remember_their_version_time_and_writer(world):
    before = dict(world.H1.field_meta or {})
    db.session.info[CLIENT_TIME], db.session.info[CLIENT_DEVICE] = "2026-11-20T01:00:00.000000Z", "device-a"
    try:
        services.update_household(world.worker1, world.H1, {"address": "新址", "notes": "x"})
        db.session.flush()
    finally:
        db.session.info.pop(CLIENT_TIME)
        db.session.info.pop(CLIENT_DEVICE)
    meta = world.H1.field_meta
    assert meta["address"] == meta["notes"] == [world.H1.version, "2026-11-20T01:00:00.000000Z", "device-a"]
    assert meta["head_name"] == before.get("head_name")  # unchanged fields keep their stamp
    services.update_household(world.staff1, world.H1, {"notes": "y"})
    assert world.H1.field_meta["notes"][0] == world.H1.version and world.H1.field_meta["notes"][2] is None
    assert world.H1.field_meta["address"][2] == "device-a"


def test_a_move_leaves_a_tombstone_of_the_old_place_before_the_new_version(world):
    services.move_household(world.staff1, world.H1, world.G2.id)
    tombs = {t.record_id: t for t in db.session.scalars(select(Tombstone).where(Tombstone.collection == "households"))}
    tomb = tombs[world.H1.id]
    assert (tomb.space_id, tomb.grid_id, tomb.reason) == (world.C1.id, world.G1.id, "moved")
    assert tomb.version < world.H1.version


def test_a_move_to_a_quieter_community_passes_the_old_version(world):
    for _ in range(5):
        services.update_household(world.staff1, world.H1, {"notes": str(uuid.uuid4())})
    old = world.H1.version
    assert top(world.C2.id) < old
    services.move_household(world.admin, world.H1, world.G5.id)
    assert world.H1.community_id == world.C2.id and world.H1.version > old
    tomb = db.session.scalar(select(Tombstone).where(Tombstone.record_id == world.H1.id))
    assert tomb.space_id == world.C1.id


def test_a_deleted_record_leaves_a_deleted_tombstone(world):
    visit = VisitFactory(household=world.H1, author=world.worker1)
    db.session.commit()
    db.session.delete(visit)
    db.session.commit()
    tomb = db.session.scalar(select(Tombstone).where(Tombstone.record_id == visit.id))
    assert (tomb.collection, tomb.reason, tomb.grid_id, tomb.household_id) == ("visits", "deleted", world.G1.id,
                                                                                 world.H1.id)


def test_a_new_record_names_its_photos(world):
    visit = VisitFactory(household=world.H1, author=world.worker1, photos=["b" * 64, "c" * 64])
    db.session.commit()
    refs = db.session.execute(select(AttachmentRef.sha256, AttachmentRef.collection, AttachmentRef.record_id)).all()
    assert sorted(refs) == [("b" * 64, "visits", visit.id), ("c" * 64, "visits", visit.id)]


def test_the_engine_may_skip_stamping(world):
    version, space = world.H1.version, top(world.C1.id)
    db.session.info[SKIP] = True
    try:
        world.H1.notes = "quiet"
        db.session.commit()
    finally:
        db.session.info.pop(SKIP)
    assert world.H1.version == version and top(world.C1.id) == space


def test_rows_written_in_bulk_are_stamped_afterwards_in_id_order(world):
    space = top(world.C1.id)
    ids = sorted(str(uuid.uuid4()) for _ in range(3))
    rows = [{"id": i, "household_id": world.H1.id, "grid_id": world.G1.id, "community_id": world.C1.id,
             "author_id": world.worker1.id, "visited_at": utcnow(), "version": 0, "photos": []} for i in reversed(ids)]
    db.session.execute(insert(Visit), rows)
    assert stamp_unversioned(db.session, REGISTRY) == 3
    assert stamp_unversioned(db.session, REGISTRY) == 0
    db.session.commit()
    versions = dict(db.session.execute(select(Visit.id, Visit.version)).all())
    assert [versions[i] for i in ids] == [space + 1, space + 2, space + 3] and top(world.C1.id) == space + 3
