"""The push's fast paths give exactly what the careful paths give, or step
aside: `_plain_mutation` against `_parse_mutation` (and the batch's check in
one call against one by one), `_quick_load` against the visit schema
(bench/check_fast_paths.py runs the same with 20,000 inputs), and
`validate_many` against `validate_new` for every role and household."""

import sys
import time
import uuid
from datetime import datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import ValidationError

from backend import clock
from sync.push import _parse_mutation, _plain_mutation, _plain_mutations

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from check_fast_paths import _same, visit_data

ODD = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=True), st.text(max_size=8),
                st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))
IDS = st.one_of(st.uuids().map(str), st.uuids().map(lambda u: str(u).upper()), st.uuids().map(lambda u: u.hex),
                st.just("not-a-uuid"), ODD)
TIMES = st.one_of(st.sampled_from(["2026-11-20T09:14:00+08:00", "2026-11-20T09:14:00Z", "2026-11-20T09:14:00.5Z",
                                   "2026-11-20T09:14:00", "2026-11-20 09:14:00+08:00", "2026-02-30T00:00:00Z",
                                   "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "yesterday"]),
                  st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()), ODD)


def mostly(valid, other):
    return st.integers(0, 9).flatmap(lambda i: other if i == 9 else valid)


def mutations():
    _valid, data = visit_data()
    plain = st.fixed_dictionaries(
        {"id": mostly(st.uuids().map(str), IDS), "record_id": mostly(st.uuids().map(str), IDS),
         "collection": mostly(st.just("visits"), st.sampled_from(["households", "residents", "visit_tasks",
                                                                  "patrol_reports", "spaceships", ""])),
         "op": mostly(st.just("create"), st.sampled_from(["update", "delete", "action", "upsert", None])),
         "client_time": mostly(st.one_of(st.sampled_from(["2026-11-20T09:14:00+08:00", "2026-11-20T01:14:00Z"]),
                                         TIMES), ODD),
         "data": mostly(data, ODD)},
        optional={"action": mostly(st.none(), st.one_of(st.sampled_from(["move", "x" * 41]), ODD)),
                  "base_version": mostly(st.none(), st.one_of(st.integers(-3, 2**70), st.booleans(), ODD)),
                  "extra": ODD})
    return st.one_of(plain, plain.map(lambda m: {k: v for k, v in m.items() if k != "extra"}))


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(raw=st.one_of(mutations(), ODD), index=st.integers(0, 499))
def test_plain_mutation_agrees_with_the_careful_parse(app, raw, index):
    with app.app_context():
        fast = _plain_mutation(index, raw)
        if fast is None:
            return
        errors: dict = {}
        careful = _parse_mutation(index, raw, errors)
        assert errors == {}, (raw, errors)
        assert fast == careful


def test_a_plain_visit_takes_the_fast_path(app):
    raw = {"id": str(uuid.uuid4()), "record_id": str(uuid.uuid4()), "collection": "visits", "op": "create",
           "action": None, "base_version": None, "client_time": "2026-11-20T09:17:00+08:00",
           "data": {"household_id": str(uuid.uuid4()), "visited_at": "2026-11-20T09:14:00+08:00", "notes": "好"}}
    with app.app_context():
        fast = _plain_mutation(3, raw)
        assert fast is not None and fast.client_time == "2026-11-20T01:17:00.000000Z"
        assert fast == _parse_mutation(3, raw, {})


def test_a_mutation_without_client_time_keeps_the_servers_time_of_its_arrival(app):
    raw = {"id": str(uuid.uuid4()), "record_id": str(uuid.uuid4()), "collection": "households", "op": "update",
           "base_version": 1, "data": {"address": "幸福路 1 号"}}
    with app.app_context():
        before = clock.aware_now()
        mutation = _parse_mutation(0, raw, errors := {})
        after = clock.aware_now()
        assert not errors and _plain_mutation(0, raw) is None  # the careful path decides
        first = mutation.client_time
        time.sleep(0.002)
        assert mutation.client_time == first  # asked twice (a merge, then the change feed): one time
        assert before <= datetime.fromisoformat(first.replace("Z", "+00:00")) <= after


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=visit_data()[1])
def test_quick_load_agrees_with_the_visit_schema(app, data):
    from backend.fieldwork.visits.schemas import visit_create
    from backend.fieldwork.visits.services import _quick_load

    with app.app_context():
        quick = _quick_load(data)
        if quick is None:
            return
        try:
            expected = visit_create.load(data)
        except ValidationError as exc:
            raise AssertionError(f"the fast path accepted what the schema refuses: {data!r}: {exc.messages}") from None
        assert _same(quick, expected), (data, quick, expected)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(raws=st.lists(mutations(), max_size=6), plain_first=st.integers(0, 3))
def test_the_batch_check_agrees_with_one_by_one(app, raws, plain_first):
    raw = {"id": str(uuid.uuid4()), "record_id": str(uuid.uuid4()), "collection": "visits", "op": "create",
           "client_time": "2026-11-20T09:17:00+08:00",
           "data": {"household_id": "h", "visited_at": "2026-11-20T09:14:00Z"}}
    raws = [dict(raw, id=str(uuid.uuid4())) for _ in range(plain_first)] + raws
    with app.app_context():
        assert _plain_mutations(raws) == [_plain_mutation(index, raw) for index, raw in enumerate(raws)]


def test_a_batch_of_plain_visits_is_checked_in_one_call(app):
    raws = [{"id": str(uuid.uuid4()), "record_id": str(uuid.uuid4()), "collection": "visits", "op": "create",
             "client_time": "2026-11-20T09:17:00+08:00", "base_version": None,
             "data": {"household_id": "h", "visited_at": "2026-11-20T09:14:00Z"}} for _ in range(3)]
    with app.app_context():
        parsed = _plain_mutations(raws)
        assert [m.index for m in parsed] == [0, 1, 2]
        assert all(m.client_time.endswith("01:17:00.000000Z") for m in parsed)
        raws[1]["op"] = "upsert"  # one odd mutation: the others still pass, it is left to the careful parse
        parsed = _plain_mutations(raws)
        assert parsed[1] is None and parsed[0] is not None and parsed[2] is not None
