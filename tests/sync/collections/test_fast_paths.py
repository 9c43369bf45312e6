"""The collections' fast paths for the pull give exactly what the careful paths
give: one parse of a column's stored JSON texts (through orjson where it reads
the same) against json.loads of each text, `_iso` against the copy it
replaced, and wire records of rows read with JSON as stored text, by the
prebuilt query, against the records' attributes as the ORM loads them."""

import json
import uuid
from datetime import date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from sync.areas.visits import VISITS
from sync.collections import _decode_column, _iso
from tests.conftest import DB_KIND
from tests.factories import VisitFactory
from tests.sameness import same

# Text with lone surrogates now and then: json.dumps escapes them (ensure_ascii)
# or leaves them in the text; orjson refuses both.
TEXT = st.text(st.one_of(st.characters(), st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF,
                                                        categories=["Cs"])), max_size=6)
# Integers past 64 bits (orjson would read a float), NaN and infinities (orjson refuses them).
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.integers(-(2**80), 2**80), st.floats(), TEXT)
JSON_VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                            st.dictionaries(TEXT, inner, max_size=3)),
                           max_leaves=10)
# As stored: by the column type (json.dumps) or compactly, non-ASCII as is.
STORED = JSON_VALUES.flatmap(lambda value: st.sampled_from(
    [json.dumps(value), json.dumps(value, ensure_ascii=False, separators=(",", ":"))]))


def _check_decode(texts):
    records = [{"n": i, "x": text} for i, text in enumerate(texts)]
    _decode_column(records, "x")
    assert [r["n"] for r in records] == list(range(len(texts)))
    for record, text in zip(records, texts, strict=True):
        expected = None if text is None else json.loads(text)
        assert same(record["x"], expected), (text, record["x"], expected)


@settings(max_examples=500, deadline=None)
@given(texts=st.lists(st.one_of(st.none(), STORED), max_size=12))
def test_decode_column_agrees_with_json_loads_of_each_text(texts):
    _check_decode(texts)


@pytest.mark.parametrize("texts", [
    ["18446744073709551616", "1"],  # wider than 64 bits: orjson reads a float
    ["[-9223372036854775809]", "{\"a\": 12345678901234567890}"],
    ["NaN", "[Infinity, -Infinity]", "1e400"],
    ['"\\ud800"', '"\\udfff x"', '"\\ud83d\\ude00"'],
    ['{"a": 1, "a": 2}', "-0", "-0.0", "1E5", "[]", "null", None, "null"],
    ['"电话: 1234567890123456789"'],
])
def test_decode_column_where_orjson_reads_otherwise(texts):
    _check_decode(texts)


def test_decode_column_refuses_text_that_is_not_one_json_value():
    with pytest.raises(ValueError):
        _decode_column([{"x": "1, 2"}, {"x": "3"}], "x")
    with pytest.raises(ValueError):
        _decode_column([{"x": "[1"}, {"x": "2]"}], "x")


def _iso_before(value):
    """`_iso` as it was: the reference."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.replace(microsecond=0).isoformat() + "Z"
    if isinstance(value, date):
        return value.isoformat()
    return value


@settings(max_examples=500, deadline=None)
@given(value=st.one_of(st.datetimes(), st.datetimes(timezones=st.timezones()), st.dates(), st.none(),
                       st.integers(), TEXT))
def test_iso_gives_what_it_gave(value):
    assert _iso(value) == _iso_before(value)


# What a JSON column holds. Not a bare number: SQLite's NUMERIC affinity (the
# declared type JSON) stores its text as a number, which neither path reads.
COLUMN_VALUES = st.one_of(st.none(), st.booleans(), TEXT, st.lists(JSON_VALUES, max_size=3),
                          st.dictionaries(TEXT, JSON_VALUES, max_size=3))
LOCATIONS = st.one_of(st.none(), st.fixed_dictionaries(
    {"lat": st.floats(-90, 90), "lng": st.floats(-180, 180)},
    optional={"accuracy": st.one_of(st.none(), st.floats(0, 1e5), st.integers(0, 10**5))}), COLUMN_VALUES)


@pytest.mark.skipif(DB_KIND != "sqlite", reason="the JSON columns are read as stored text on SQLite only")
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(visits=st.lists(st.fixed_dictionaries({
    "findings": st.one_of(st.lists(TEXT, max_size=3), COLUMN_VALUES),
    "photo_times": st.one_of(st.none(), st.dictionaries(TEXT, TEXT, max_size=2), COLUMN_VALUES),
    "location": LOCATIONS,
    "notes": st.text(max_size=6),
    "follow_up": st.booleans(),
    "visited_at": st.datetimes(datetime(1900, 1, 1), datetime(2999, 12, 31)),
    "task_id": st.one_of(st.none(), st.uuids().map(str)),
}), min_size=1, max_size=8))
def test_pulled_rows_read_as_stored_text_give_the_records(world, visits):
    from backend.extensions import db
    from backend.fieldwork.visits.models import Visit

    household, worker = world.H1, world.worker1
    before = db.session.scalar(select(Visit.version).order_by(Visit.version.desc()).limit(1)) or 0
    made = [VisitFactory(id=str(uuid.uuid4()), household=household, author=worker, photos=[], **data).id
            for data in visits]
    db.session.commit()
    db.session.expire_all()
    params = {"space": household.community_id, "key": household.grid_id, "since": before, "upto": 2**62,
              "row_limit": 1000}
    rows = db.session.execute(VISITS.pull_query("grid", raw_json=True), params).all()
    assert [row.id for row in rows] == made
    records = VISITS.to_wire(rows, db.session, True, raw_json=True)
    typed = VISITS.to_wire(db.session.execute(VISITS.pull_query("grid"), params).all(), db.session, True)
    for record, other, record_id in zip(records, typed, made, strict=True):
        visit = db.session.get(Visit, record_id)
        expected = {wire: _iso_before(getattr(visit, column)) for wire, column in VISITS.wire.items() if column}
        assert same(record, expected), (record, expected)
        assert same(other, expected), (other, expected)


def test_the_prebuilt_query_keeps_to_its_partition_and_range(world):
    from backend.extensions import db

    placed = {}
    for name in ("H1", "H2", "H1", "H5"):
        household = world.households[name]
        visit = VisitFactory(household=household, author=world.worker1,
                             visited_at=datetime(2026, 11, 20, 9, 14) + timedelta(hours=1))
        db.session.commit()
        placed[visit.id] = (name, visit.version)
    h1 = world.H1
    h1_versions = sorted(v for n, v in placed.values() if n == "H1")

    def ids(kind, key, since, upto, limit=1000):
        params = {"space": h1.community_id, "key": key, "since": since, "upto": upto, "row_limit": limit}
        return [placed[row.id] for row in db.session.execute(VISITS.pull_query(kind), params)]

    assert ids("grid", h1.grid_id, 0, 2**62) == [("H1", v) for v in h1_versions]
    assert ids("grid", h1.grid_id, h1_versions[0], 2**62) == [("H1", h1_versions[1])]
    assert ids("grid", h1.grid_id, 0, h1_versions[0]) == [("H1", h1_versions[0])]
    assert ids("grid", h1.grid_id, 0, 2**62, limit=1) == [("H1", h1_versions[0])]
    assert ids("household", h1.id, 0, 2**62) == [("H1", v) for v in h1_versions]
    assert [n for n, _v in ids("all", None, 0, 2**62)] == ["H1", "H2", "H1"]  # H5: another community
