"""Bulk inserts handed straight to the database driver.

The push's appends and its exactly-once records are the hot path of a sync
(hundreds of rows a request). SQLAlchemy's per-row parameter processing costs
more there than the database's own work, so these rows are converted once,
column by column, as the column types would store them (JSON compactly), and inserted
with the driver's executemany."""

from datetime import date, datetime
from operator import itemgetter

import orjson
from sqlalchemy import JSON, Boolean, Date, DateTime


def _json(value) -> str:
    # As sqlalchemy.JSON stores it (none_as_null=False): None is JSON null.
    if value is None:
        return "null"
    if value == []:  # most visits carry no photo
        return "[]"
    return orjson.dumps(value).decode()


def _sqlite_datetime(value):
    # As SQLAlchemy's SQLite DATETIME stores it: "%04d-%02d-%02d %02d:%02d:%02d.%06d", any offset dropped.
    if not isinstance(value, datetime):
        return value
    if value.tzinfo is not None:
        value = value.replace(tzinfo=None)
    return value.isoformat(" ", "microseconds")


def _sqlite_date(value):
    return value.isoformat() if isinstance(value, date) else value


def _sqlite_bool(value):
    return None if value is None else int(bool(value))


def _same(value):
    return value


def _converter(column, sqlite: bool):
    if isinstance(column.type, JSON):
        return _json
    if not sqlite:
        return _same
    if isinstance(column.type, DateTime):
        return _sqlite_datetime
    if isinstance(column.type, Date):
        return _sqlite_date
    if isinstance(column.type, Boolean):
        return _sqlite_bool
    return _same


def insert_rows(session, table, rows: list[dict], skip_existing: bool = False) -> None:
    """INSERT every row (dicts keyed by column name; a missing key is NULL);
    with `skip_existing`, a row whose key exists already is left out (ON
    CONFLICT DO NOTHING, on SQLite and PostgreSQL alike)."""
    if not rows:
        return
    sqlite = session.get_bind().dialect.name == "sqlite"
    names = set().union(*(row.keys() for row in rows))
    columns = [column for column in table.c if column.name in names]
    marker = "?" if sqlite else "%s"
    statement = (f"INSERT INTO {table.name} ({', '.join(c.name for c in columns)}) "  # noqa: S608 (names from the model)
                 f"VALUES ({', '.join([marker] * len(columns))})"
                 + (" ON CONFLICT DO NOTHING" if skip_existing else ""))
    if len(columns) > 1 and len(names) == len(columns) and all(len(row) == len(columns) for row in rows):
        # Every row has every column's key and no other (the push's rows): read them in C, then turn them.
        table_values = list(zip(*map(itemgetter(*(c.name for c in columns)), rows), strict=True))
    else:
        table_values = [[row.get(c.name) for row in rows] for c in columns]
    # Column by column: one comprehension per column beats a generator per row.
    values = []
    for column, column_values in zip(columns, table_values, strict=True):
        convert = _converter(column, sqlite)
        if convert is not _same:
            first = column_values[0]
            if all(value is first for value in column_values):  # a batch's created_at, a null column
                column_values = [convert(first)] * len(rows)
            else:
                column_values = [convert(value) for value in column_values]
        values.append(column_values)
    session.connection().exec_driver_sql(statement, list(zip(*values, strict=True)))
