"""Equivalence checks for the push and pull fast paths the benchmark led to.

    .venv/bin/python bench/check_fast_paths.py [--examples 20000]

- backend/fieldwork/visits/services.py `_quick_load` must give exactly what
  `visit_create.load` gives (same values, same types) whenever it answers,
  and never answer for input the schema refuses;
- sync/collections.py `_decode_column` must give what one json.loads per
  value gives.

Random inputs (Hypothesis), valid and not; exits 1 at the first difference."""

import argparse
import json
import math
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _same(a, b) -> bool:
    """Equal, with the same types all the way down (1 and 1.0 differ; nan equals nan)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return a == b


def visit_data():
    """(valid-looking visit data, any data: mostly valid, sometimes not, sometimes nonsense)."""
    from hypothesis import strategies as st

    sha = st.text("0123456789abcdef", min_size=64, max_size=64)
    odd = st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20), st.floats(allow_nan=True),
                    st.text(max_size=70), st.lists(st.integers(), max_size=3),
                    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2))
    number = st.one_of(st.integers(-400, 400), st.floats(-400, 400), st.floats(allow_nan=True, allow_infinity=True),
                       st.booleans(), st.text("0123456789.-", max_size=6), st.none())
    moment = st.one_of(
        st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()),
        st.datetimes().map(lambda d: d.isoformat()),  # naive: refused
        st.sampled_from(["2026-11-20T09:14:00+08:00", "2026-11-20T09:14:00Z", "2999-01-01T00:00:00+00:00",
                         "1999-12-31T23:59:59+00:00", "20261120T091400+0800", "2026-11-20", "", "now"]),
        odd)
    location = st.one_of(st.none(), odd, st.fixed_dictionaries(
        {"lat": number, "lng": number},
        optional={"accuracy": st.one_of(number, st.integers(0, 200000)), "extra": odd}))
    fields = {
        "household_id": st.one_of(st.text(min_size=0, max_size=40), odd),
        "visited_at": moment,
        "notes": st.one_of(st.text(max_size=30), st.just("x" * 5001), odd),
        "findings": st.one_of(st.lists(st.text(min_size=0, max_size=66), max_size=22), odd),
        "follow_up": st.one_of(st.booleans(), odd, st.sampled_from(["true", "false", 1, 0, "yes"])),
        "photos": st.one_of(st.lists(st.one_of(sha, st.sampled_from(["a" * 64] * 3), st.text(max_size=65)),
                                     max_size=12), odd),
        "location": location,
        "task_id": st.one_of(st.none(), st.text(max_size=40), odd),
    }
    def mostly(valid, other):  # (st.one_of does not weigh a strategy listed twice)
        return st.integers(0, 4).flatmap(lambda i: other if i == 4 else valid)

    good_time = st.datetimes(min_value=datetime(2001, 1, 1), max_value=datetime(2026, 1, 1),
                             timezones=st.sampled_from([UTC, timezone(timedelta(hours=8)),
                                                        timezone(timedelta(hours=-5, minutes=-30))]))
    good_location = st.fixed_dictionaries(
        {"lat": st.one_of(st.floats(-90, 90), st.integers(-90, 90)),
         "lng": st.one_of(st.floats(-180, 180), st.integers(-180, 180))},
        optional={"accuracy": st.one_of(st.none(), st.floats(0, 100000), st.integers(0, 100000))})
    valid = st.fixed_dictionaries(
        {"household_id": mostly(st.uuids().map(str), fields["household_id"]),
         "visited_at": mostly(good_time.map(lambda d: d.isoformat()), moment)},
        optional={"notes": mostly(st.text(max_size=50), fields["notes"]),
                  "findings": mostly(st.lists(st.text(min_size=1, max_size=64), max_size=20), fields["findings"]),
                  "follow_up": mostly(st.booleans(), fields["follow_up"]),
                  "photos": mostly(st.lists(st.one_of(sha, st.just("b" * 64)), max_size=12), fields["photos"]),
                  "location": mostly(st.one_of(st.none(), good_location), location),
                  "task_id": mostly(st.one_of(st.none(), st.uuids().map(str), st.just("")), fields["task_id"])})
    def with_photo_times(data):
        """The capture times of (some of) its photos, or times that do not fit."""
        photos = data.get("photos") if isinstance(data.get("photos"), list) else []
        shas = [p for p in photos if isinstance(p, str)] or ["c" * 64]
        times = st.dictionaries(st.sampled_from(shas), mostly(good_time.map(lambda d: d.isoformat()), moment),
                                max_size=10)
        extra = st.one_of(st.none(), st.just({}), times, times, st.dictionaries(sha, st.text(max_size=30), max_size=2),
                          odd)
        return extra.map(lambda value: data if value is None else {**data, "photo_times": value})

    valid = valid.flatmap(with_photo_times)
    data_strategy = st.fixed_dictionaries(
        {"household_id": fields["household_id"], "visited_at": fields["visited_at"]},
        optional={**{k: v for k, v in fields.items() if k not in ("household_id", "visited_at")},
                  "unknown": odd})
    data_strategy = mostly(valid, st.one_of(data_strategy, st.dictionaries(st.sampled_from(list(fields)), odd,
                                                                          max_size=4), odd))
    return valid, data_strategy


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--examples", type=int, default=20000)
    args = parser.parse_args()

    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st
    from marshmallow import ValidationError

    from backend import create_app
    from backend.fieldwork.visits.schemas import visit_create
    from backend.fieldwork.visits.services import _quick_load
    from sync.collections import _decode_column

    app = create_app({"SECRET_KEY": "check", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    _valid, data_strategy = visit_data()
    stats = {"fast": 0, "schema": 0}
    failures = []

    @settings(max_examples=args.examples, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(data_strategy)
    def quick_load_agrees(data):
        try:
            expected, refused = visit_create.load(data), False
        except ValidationError as exc:
            expected, refused = None, True
            for name in exc.messages if isinstance(exc.messages, dict) else ["_schema"]:
                stats[f"refused: {name}"] = stats.get(f"refused: {name}", 0) + 1
        except Exception as exc:  # a schema crash: the fast path must crash alike, or defer
            try:
                quick = _quick_load(data)
            except type(exc):
                return
            assert quick is None, (data, quick, exc)
            stats["schema"] += 1
            return
        quick = _quick_load(data)
        if quick is None:
            stats["schema"] += 1
            return
        stats["fast"] += 1
        if refused or not _same(quick, expected):
            failures.append((data, quick, expected))
            raise AssertionError(f"_quick_load({data!r}) = {quick!r}, the schema: "
                                 f"{'refused' if refused else repr(expected)}")

    json_values = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                                         st.text()),
                               lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                       st.dictionaries(st.text(), inner, max_size=3)), max_leaves=8)

    @settings(max_examples=args.examples // 10, deadline=None, database=None)
    @given(st.lists(st.one_of(st.none(), json_values.map(lambda v: json.dumps(v, ensure_ascii=bool(len(str(v)) % 2)))),
                    max_size=20))
    def decode_column_agrees(texts):
        records = [{"x": t} for t in texts]
        _decode_column(records, "x")
        expected = [None if t is None else json.loads(t) for t in texts]
        assert all(_same(r["x"], e) for r, e in zip(records, expected, strict=True)), (texts, records)

    with app.app_context():
        quick_load_agrees()
        decode_column_agrees()
    print(f"_quick_load: {stats['fast']:,} answered fast, {stats['schema']:,} left to the schema, no difference")
    print("_decode_column: no difference")
    refused = {k[9:]: v for k, v in stats.items() if k.startswith("refused:") and k[9:] in visit_create.fields}
    print("  the schema refused, by field:", ", ".join(f"{k} {v:,}" for k, v in sorted(refused.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
