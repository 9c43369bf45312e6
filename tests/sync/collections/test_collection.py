"""A collection's own rules: which partitions it serves and how it filters
for them, which changed attributes are merged fields, which rows are retired,
its wire records (care tags by who may see them), and the registry that
holds the collections."""

import pytest
from sqlalchemy import select

from backend.common import utcnow
from backend.extensions import db
from backend.fieldwork.patrols.models import PatrolReport
from backend.registry.models import Household, Resident
from sync.areas.patrols import PATROL_REPORTS
from sync.areas.registry import HOUSEHOLDS, RESIDENTS
from sync.areas.visits import VISITS
from sync.collections import Registry


def ids(collection, kind, space, key=None):
    table = collection.table
    return set(db.session.scalars(select(table.c.id).where(collection.partition_condition(kind, space, key))))


def test_each_partition_kind_filters_its_rows(world):
    w = world
    assert ids(HOUSEHOLDS, "all", w.C1.id) == {w.H1.id, w.H2.id}
    assert ids(HOUSEHOLDS, "grid", w.C1.id, w.G2.id) == {w.H2.id}
    assert ids(HOUSEHOLDS, "household", w.C1.id, w.H1.id) == {w.H1.id}  # a household is its own
    assert ids(RESIDENTS, "household", w.C1.id, w.H1.id) == {w.R1.id, w.R1b.id}
    assert ids(RESIDENTS, "household", w.C2.id, w.H1.id) == set()  # the space bounds every kind
    with pytest.raises(ValueError):
        HOUSEHOLDS.partition_condition("street", w.C1.id, None)


def test_which_partitions_a_collection_serves():
    assert HOUSEHOLDS.serves("household") and VISITS.serves("grid")
    assert not PATROL_REPORTS.serves("household")  # a grid's patrols are no household's
    assert HOUSEHOLDS.field_level and not VISITS.field_level


def test_only_merged_fields_are_stamped_field_by_field():
    assert HOUSEHOLDS.fields_of(["notes", "grid_id", "care_tags", "retired_at"]) == ["notes", "care_tags"]
    assert RESIDENTS.fields_of(["birth_date", "household_id"]) == ["birth_date"]
    assert VISITS.fields_of(["notes"]) == []


def test_retired_rows_read_as_deleted(world):
    world.R1b.retired_at = utcnow()
    db.session.commit()
    rows = db.session.execute(select(*RESIDENTS.pull_columns()).where(Resident.household_id == world.H1.id)
                              .order_by(Resident.name)).all()
    by_id = dict(zip([r.id for r in rows], RESIDENTS.deleted_flags(rows), strict=True))
    assert by_id == {world.R1.id: False, world.R1b.id: True}
    assert [RESIDENTS.deleted(r) for r in rows] == RESIDENTS.deleted_flags(rows)
    assert RESIDENTS.deleted_flags([]) == []
    patrols = db.session.execute(select(*PATROL_REPORTS.pull_columns())).all()
    assert PATROL_REPORTS.deleted_flags(patrols) == [False] * len(patrols)  # no retired_at column at all


def test_wire_records_hold_care_tags_by_who_may_see_them(world):
    rows = db.session.execute(select(*RESIDENTS.pull_columns()).where(Resident.id == world.R1b.id)).all()
    (seen,) = RESIDENTS.to_wire(rows, db.session, sensitive_ok=True)
    (hidden,) = RESIDENTS.to_wire(rows, db.session, sensitive_ok=False)
    assert seen["care_tags"] == ["community_correction"] and hidden["care_tags"] == []
    assert seen["name"] == "张秀英" and "version" not in seen and "id_number_enc" not in seen
    rows = db.session.execute(select(*HOUSEHOLDS.pull_columns()).where(Household.id == world.H2.id)).all()
    (household,) = HOUSEHOLDS.to_wire(rows, db.session, sensitive_ok=False)
    assert household["care_tags"] == ["dibao"] and household["community_id"] == world.C1.id
    assert HOUSEHOLDS.to_wire([], db.session, True) == []


def test_wire_times_are_utc_text(world):
    report = PatrolReport(id="00000000-0000-4000-8000-000000000001", grid_id=world.G1.id,
                          community_id=world.C1.id, author_id=world.worker1.id, category="other",
                          reported_at=utcnow().replace(microsecond=123456))
    db.session.add(report)
    db.session.commit()
    rows = db.session.execute(select(*PATROL_REPORTS.pull_columns())).all()
    (wire,) = PATROL_REPORTS.to_wire(rows, db.session, True)
    assert wire["reported_at"] == report.reported_at.replace(microsecond=0).isoformat() + "Z"


def test_the_registry_finds_collections_by_name_and_model():
    registry = Registry([VISITS, HOUSEHOLDS])
    assert [c.name for c in registry] == ["visits", "households"]
    assert registry["visits"] is VISITS and registry.get("nope") is None
    assert registry.for_model(Household) is HOUSEHOLDS and registry.for_model(Resident) is None
    registry.replace([RESIDENTS])
    assert [c.name for c in registry] == ["residents"] and registry.for_model(Household) is None
    with pytest.raises(KeyError):
        registry["visits"]
