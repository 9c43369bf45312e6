"""Rows written by `sync.bulk.insert_rows` (straight to the driver) are stored
exactly as SQLAlchemy's own insert stores them, column type by column type:
the ORM and the pull read them back the same."""

import json
import uuid
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import JSON, insert, select
from sqlalchemy.exc import IntegrityError

from backend.common import utcnow
from backend.extensions import db
from backend.fieldwork.visits.models import Visit, VisitTask
from sync.bulk import insert_rows
from sync.models import AttachmentRef


def _stored(table, ids):
    """The rows as the database holds them (no SQLAlchemy type processing on the
    way out), without their ids, in version order. JSON text is compared as
    the JSON it holds: SQLAlchemy writes it with spaces, the bulk path compactly."""
    connection = db.session.connection()
    marker = "?" if connection.dialect.name == "sqlite" else "%s"
    columns = [c for c in table.c if c.name != "id"]
    query = (f"SELECT {', '.join(c.name for c in columns)} FROM {table.name} "
             f"WHERE id IN ({', '.join([marker] * len(ids))}) ORDER BY version")
    return [tuple(json.loads(value) if isinstance(c.type, JSON) and isinstance(value, str) else value
                  for c, value in zip(columns, row, strict=True))
            for row in connection.exec_driver_sql(query, tuple(ids)).fetchall()]


def _visit_rows(world, shared_now):
    grid, household, author = world.G1, world.H1, world.worker1
    base = {"household_id": household.id, "grid_id": grid.id, "community_id": grid.parent_id, "author_id": author.id}
    return [
        {**base, "id": str(uuid.uuid4()), "task_id": None, "visited_at": datetime(2026, 11, 20, 1, 14, 0, 250000),
         "notes": "老人身体好", "findings": ["health_ok"], "follow_up": True, "photos": ["ab" * 32],
         "photo_times": {"ab" * 32: "2026-11-20T09:10:00+08:00"},
         "location": {"lat": 36.0, "lng": 117.1, "accuracy": None}, "created_at": shared_now, "version": 7},
        {**base, "id": str(uuid.uuid4()), "task_id": None, "visited_at": datetime(2026, 11, 21, 8, 0),
         "notes": "", "findings": [], "follow_up": False, "photos": [], "photo_times": None, "location": None,
         "created_at": shared_now, "version": 8},
    ]


def test_bulk_rows_are_stored_as_sqlalchemy_stores_them(world):
    shared_now = utcnow()  # one object for the batch, as the push hands it over
    ours, theirs = _visit_rows(world, shared_now), _visit_rows(world, shared_now)
    insert_rows(db.session, Visit.__table__, ours)
    db.session.execute(insert(Visit.__table__), theirs)
    db.session.commit()
    assert _stored(Visit.__table__, [row["id"] for row in ours]) == \
        _stored(Visit.__table__, [row["id"] for row in theirs])
    loaded = {v.id: v for v in db.session.scalars(select(Visit).where(Visit.id.in_([r["id"] for r in ours])))}
    first = loaded[ours[0]["id"]]
    assert first.photo_times == {"ab" * 32: "2026-11-20T09:10:00+08:00"} and first.follow_up is True
    assert first.created_at == shared_now
    assert loaded[ours[1]["id"]].location is None and loaded[ours[1]["id"]].photos == []


def test_dates_a_column_of_one_value_and_a_missing_key(world):
    due = date(2026, 12, 1)
    rows = [{"id": str(uuid.uuid4()), "household_id": world.H1.id, "grid_id": world.G1.id,
             "community_id": world.G1.parent_id, "assignee_id": None, "due_date": due, "status": "open",
             "reason": "elderly_alone", "created_at": datetime(2026, 11, 27, tzinfo=UTC).replace(tzinfo=None),
             "version": n} for n in range(3)]
    del rows[1]["assignee_id"]  # a missing key is NULL
    insert_rows(db.session, VisitTask.__table__, rows)
    db.session.commit()
    tasks = db.session.scalars(select(VisitTask).where(VisitTask.id.in_([r["id"] for r in rows]))).all()
    assert sorted(t.version for t in tasks) == [0, 1, 2]
    assert {t.due_date for t in tasks} == {due} and {t.assignee_id for t in tasks} == {None}


def test_skip_existing_leaves_out_the_rows_whose_key_exists(world):
    """A photo named again by the same record (a retried push's refs) is left
    as it is; the others are written. Without skip_existing, the key clashes."""
    table = AttachmentRef.__table__
    record = str(uuid.uuid4())
    first = [{"sha256": "a" * 64, "collection": "visits", "record_id": record, "note": "first"}]
    insert_rows(db.session, table, first)
    insert_rows(db.session, table, [{"sha256": "a" * 64, "collection": "visits", "record_id": record, "note": "again"},
                                    {"sha256": "b" * 64, "collection": "visits", "record_id": record, "note": "new"}],
                skip_existing=True)
    db.session.commit()
    stored = db.session.execute(select(table.c.sha256, table.c.note).where(table.c.record_id == record)).all()
    assert sorted(stored) == [("a" * 64, "first"), ("b" * 64, "new")]
    with pytest.raises(IntegrityError):
        insert_rows(db.session, table, first)
    db.session.rollback()
