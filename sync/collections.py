"""Which models replicate, and how: wire fields, partitions, conflict rule.

Every collection lives in a community's space (`community_id`). Inside a
space a user sees one or more partitions (sync/scope.py): the whole space,
some grids, one household, the community's public or street-shared records,
or the records naming the user; each collection says which partition kinds it
serves and how to filter for them.

The Collection class is here; each area's collections are in its sync
module (sync/areas/<area>.py), named by the area's declaration."""

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from operator import itemgetter

import orjson
from sqlalchemy import JSON, Date, DateTime, Integer, Text, bindparam, or_, select, type_coerce

from backend.apiframe import _has_long_number
from backend.org.placement import services as placement
from backend.registry.models import CareTag, Household

APPEND_ONLY, EDITABLE, STATEFUL, READ_ONLY = "append_only", "editable", "stateful", "read_only"
LAST_WRITE_WINS, SERVER_WINS = "last_write_wins", "server_wins"


def _iso(value):
    if value is None:
        return None
    if isinstance(value, datetime):
        # The same text as value.replace(microsecond=0).isoformat(), without the copy.
        return value.isoformat(timespec="seconds") + "Z"
    if isinstance(value, date):
        return value.isoformat()
    return value


@dataclass
class Collection:
    name: str
    model: type
    kind: str
    # wire field -> column attribute (None: computed in `extra`)
    wire: dict
    # attributes whose change is replicated (stamped) and, of them, the ones
    # that are merged field by field against base_version
    tracked_attrs: tuple
    merge_fields: tuple = ()
    rule: str | None = None
    partition_kinds: tuple = ("all", "grid")
    partition_attrs: tuple = ("community_id", "grid_id")
    household_attr: str | None = "household_id"
    space_attr: str = "community_id"
    tags_table: object = None
    # An extra condition on rows served to household partitions (residents), given the table.
    household_only: object = None
    # An extra condition on rows served to "public" partitions (a community's
    # residents), given the table; None: the whole space.
    public_only: object = None
    # The condition on rows served to "street" partitions (the residents of the
    # street's other communities), given the table: required to serve "street".
    street_only: object = None
    # Columns naming users (an owner, an author, a responder): a "user" partition
    # (space, "user", user id) holds the rows naming that user in any of them.
    # A change of these (like one of partition_attrs) leaves a tombstone for
    # each user no longer named (changefeed); list them in tracked_attrs too.
    user_attrs: tuple = ()
    # Wire fields only the registry's note readers receive (staff notes, docs/PRIVACY.md):
    # left out of the records sent to anyone else, as if the field did not exist.
    staff_fields: tuple = ()
    description: str = ""
    attr_to_field: dict = field(default_factory=dict)
    # wire field -> (coarse wire field, function): the coarse field is always
    # sent; the exact one only to those who see sensitive fields (a birth date
    # goes to the others as its year: beside a masked ID number it would rebuild it).
    coarse: dict = field(default_factory=dict)
    # Row layouts (their column names) -> where each wire field sits, computed once.
    _plans: dict = field(default_factory=dict, repr=False, compare=False)
    # (partition kind, raw_json) -> the pull's query, built once (see pull_query).
    _pull_queries: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def field_level(self) -> bool:
        return self.kind == EDITABLE

    @property
    def table(self):
        return self.model.__table__

    def space_of(self, obj) -> str:
        return getattr(obj, self.space_attr)

    def prepare(self, obj, session) -> None:
        """A new record's placement columns follow its declared parent (backend/org/placement);
        an existing record changes place only through the placement service."""
        placement.fill(session, obj)

    def fields_of(self, attrs) -> list[str]:
        return [self.attr_to_field.get(a, a) for a in attrs if self.attr_to_field.get(a, a) in self.merge_fields]

    def partition_condition(self, kind: str, space: str, key: str | None):
        table = self.table
        condition = table.c[self.space_attr] == space
        if kind == "all":
            return condition
        if kind == "grid":
            return condition & (table.c.grid_id == key)
        if kind == "household":
            column = table.c.id if self.model is Household else table.c[self.household_attr]
            condition = condition & (column == key)
            return condition & self.household_only(table) if self.household_only is not None else condition
        if kind == "public":
            return condition & self.public_only(table) if self.public_only is not None else condition
        if kind == "street":
            if self.street_only is None:
                raise ValueError(f"{self.name} serves street partitions without street_only")
            return condition & self.street_only(table)
        if kind == "user":
            if not self.user_attrs:
                raise ValueError(f"{self.name} serves user partitions without user_attrs")
            return condition & or_(*(table.c[attr] == key for attr in self.user_attrs))
        raise ValueError(kind)

    def serves(self, kind: str) -> bool:
        return kind in self.partition_kinds

    def pull_columns(self, raw_json: bool = False) -> list:
        """What a pull reads of a row: id, version, retired_at (where the table
        has it) and the wire fields; with `raw_json`, JSON columns as their
        stored text, for `to_wire(..., raw_json=True)` to decode in one go."""
        table = self.table
        names = ["id", "version", *(["retired_at"] if "retired_at" in table.c else []),
                 *(column for column in self.wire.values() if column)]
        columns = []
        for name in dict.fromkeys(names):
            column = table.c[name]
            if raw_json and isinstance(column.type, JSON):
                column = type_coerce(column, Text).label(name)
            columns.append(column)
        return columns

    def pull_query(self, kind: str, raw_json: bool = False):
        """The pull's query for partitions of this kind: `pull_columns(raw_json)`
        of the rows of partition (:space, :key) with a version in (:since, :upto],
        by version, at most :row_limit. Built once and then run with those
        parameters: SQLAlchemy keys each new statement object for its compiled
        cache by walking it, a cost a page paid for every collection."""
        query = self._pull_queries.get((kind, raw_json))
        if query is None:
            table = self.table
            query = (select(*self.pull_columns(raw_json))
                     .where(self.partition_condition(kind, bindparam("space"), bindparam("key")),
                            table.c.version > bindparam("since"), table.c.version <= bindparam("upto"))
                     .order_by(table.c.version).limit(bindparam("row_limit", type_=Integer)))
            self._pull_queries[(kind, raw_json)] = query
        return query

    def _plan(self, fields: tuple):
        """For rows with these column names: the index of retired_at (or None)
        and [(wire field, index, is a date or time)], or None when a wire
        field is missing (then rows are read by name)."""
        plan = self._plans.get(fields)
        if plan is None:
            index = {name: i for i, name in enumerate(fields)}
            temporal = {c.key for c in self.table.c if isinstance(c.type, Date | DateTime)}
            columns = [(wire, column) for wire, column in self.wire.items() if column]
            wire = [(name, index[column], column in temporal) for name, column in columns] \
                if all(column in index for _name, column in columns) else None
            plan = self._plans[fields] = (index.get("retired_at"), wire)
        return plan

    def deleted(self, row) -> bool:
        retired = self._plan(row._fields)[0]
        return retired is not None and row[retired] is not None

    def deleted_flags(self, rows) -> list[bool]:
        """`deleted(row)` of each of these rows (of one query)."""
        retired = self._plan(rows[0]._fields)[0] if rows else None
        return [retired is not None and row[retired] is not None for row in rows]

    def to_wire(self, rows, session, sensitive_ok: bool, raw_json: bool = False, notes_ok: bool = True) -> list[dict]:
        """Wire records of Core rows, with care tags fetched in one query.
        `raw_json`: the rows hold JSON columns as stored text (`pull_columns(True)`
        on SQLite); each column is decoded for all rows with one json.loads.
        Without `notes_ok`, the `staff_fields` are left out."""
        out = self._to_wire(rows, session, sensitive_ok, raw_json)
        if not notes_ok and self.staff_fields:
            for data in out:
                for name in self.staff_fields:
                    data.pop(name, None)
        return out

    def _to_wire(self, rows, session, sensitive_ok: bool, raw_json: bool) -> list[dict]:
        tags = {}
        if self.tags_table is not None and rows:
            key = self.tags_table.c[0]
            query = (select(key, self.tags_table.c.tag_code, CareTag.sensitive)
                     .join(CareTag, CareTag.code == self.tags_table.c.tag_code)
                     .where(key.in_([r.id for r in rows])).order_by(self.tags_table.c.tag_code))
            for record_id, code, is_sensitive in session.execute(query):
                if sensitive_ok or not is_sensitive:
                    tags.setdefault(record_id, []).append(code)
        plan = self._plan(rows[0]._fields)[1] if rows else None
        if plan is not None:
            # A column at a time: one dict per row from the item getter, then
            # each date or time field of every record.
            names = [wire for wire, _i, _temporal in plan]
            indexes = [i for _wire, i, _temporal in plan]
            values = itemgetter(*indexes) if len(indexes) > 1 else (lambda row: (row[indexes[0]],))
            out = [dict(zip(names, values(row), strict=False)) for row in rows]  # one value per name, always
            for wire in [wire for wire, _i, is_temporal in plan if is_temporal]:
                for data in out:
                    data[wire] = _iso(data[wire])
        else:
            out = [{wire: _iso(getattr(row, column)) for wire, column in self.wire.items() if column} for row in rows]
        if self.tags_table is not None:
            for row, data in zip(rows, out, strict=True):
                data["care_tags"] = tags.get(row.id, [])
        if raw_json:
            for name in self._json_fields:
                _decode_column(out, name)
        self._coarsen(out, sensitive_ok)
        return out

    def _coarsen(self, records: list[dict], sensitive_ok: bool) -> None:
        for name, (coarse_name, coarsen) in self.coarse.items():
            for data in records:
                data[coarse_name] = coarsen(data[name])
                if not sensitive_ok:
                    data[name] = None

    @property
    def _json_fields(self) -> list[str]:
        return [wire for wire, column in self.wire.items() if column and isinstance(self.table.c[column].type, JSON)]


def _decode_column(records: list[dict], name: str) -> None:
    """Decode the stored JSON text of one field of every record at once (one
    parse of an array of them) instead of one call per record."""
    texts = [record[name] for record in records if record[name] is not None]
    if not texts:
        return
    values = None
    if set(map(type, texts)) == {str}:
        values = _loads("[" + ",".join(texts) + "]")
        if len(values) != len(texts):  # some text was not one JSON value: it errs below, as it should
            values = None
    if values is None:
        values = [json.loads(text) for text in texts]  # as the column type would, errors and all
    if len(texts) == len(records):
        for record, value in zip(records, values, strict=True):
            record[name] = value
        return
    values = iter(values)
    for record in records:
        if record[name] is not None:
            record[name] = next(values)


def _loads(text: str):
    """`json.loads(text)`, through orjson (several times faster) where it
    reads the same: not for integers wider than 64 bits (orjson makes them
    floats); NaN, infinities, lone surrogates and anything malformed orjson
    refuses, and the standard library decides (and words the error)."""
    try:
        raw = text.encode()
    except UnicodeEncodeError:
        raw = None
    if raw is not None and not _has_long_number(raw):
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            pass
    return json.loads(text)


class Registry:
    def __init__(self, collections):
        self.replace(collections)

    def replace(self, collections) -> None:
        """Hold exactly these collections (in this order: the order a pull serves them in)."""
        self.collections = {c.name: c for c in collections}
        self._by_model = {c.model: c for c in collections}

    def __getitem__(self, name):
        return self.collections[name]

    def get(self, name):
        return self.collections.get(name)

    def __iter__(self):
        return iter(self.collections.values())

    def for_model(self, model):
        return self._by_model.get(model)


# The collections of the registered areas, filled by sync/areas/__init__.py (install) from
# their sync modules; one object for the process, so every module's reference stays good.
REGISTRY = Registry([])
