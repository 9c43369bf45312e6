"""Row versions (backend/versioning.py): rows written in bulk past the ORM start
at version 0 and are stamped by the stampers the change feed registered, once
each."""

from sqlalchemy import insert, select

from backend import versioning
from backend.common import new_id
from backend.extensions import db
from backend.registry.models import Household


def test_a_stamper_is_registered_once_and_called_with_the_session(app):
    calls = []

    def stamper(session):
        calls.append(session)

    before = list(versioning._bulk_stampers)
    versioning._bulk_stampers.clear()  # the change feed's own stamper would read the marker
    try:
        versioning.on_bulk_write(stamper)
        versioning.on_bulk_write(stamper)
        assert versioning._bulk_stampers.count(stamper) == 1
        marker = object()
        versioning.stamp_bulk_writes(marker)
        assert calls == [marker]
    finally:
        versioning._bulk_stampers[:] = before


def test_rows_written_in_bulk_get_versions_of_their_community(world):
    rows = [{"id": new_id(), "grid_id": world.G1.id, "community_id": world.C1.id, "address": f"批量{n}号",
             "head_name": "批量", "member_count": 0} for n in range(3)]
    db.session.execute(insert(Household.__table__), rows)
    ids = [row["id"] for row in rows]
    fresh = select(Household.version).where(Household.id.in_(ids))
    assert set(db.session.scalars(fresh)) == {0}  # the column's default
    top = max(db.session.scalars(select(Household.version).where(Household.community_id == world.C1.id,
                                                                 Household.id.not_in(ids))))
    versioning.stamp_bulk_writes(db.session)
    stamped = sorted(db.session.scalars(fresh))
    assert len(set(stamped)) == 3 and stamped[0] > top
    versioning.stamp_bulk_writes(db.session)  # nothing left at 0: nothing changes
    assert sorted(db.session.scalars(fresh)) == stamped
    db.session.commit()

