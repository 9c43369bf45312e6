"""Sealing every stored ciphertext again under the current field key, and
rebuilding the blind index under the current index key, one batch at a time.

Each function does one batch and returns how many rows it changed (or read);
the caller commits between batches (backend/sensitive/cli.py, or the migration
that introduced key ids). While a rotation runs, both keys are in
LINLI_FIELD_KEYS, so every page keeps reading the rows already sealed again
and those not yet: the rotation can run while Linli serves, stop anywhere, and
run again (what is under the current key is left alone)."""

from sqlalchemy import and_, or_, select, update

from backend.sensitive.keys import keyring


def sealed_columns(metadata) -> list[tuple]:
    """[(table, [sealed columns])] of the models: columns declared with info={"sealed": True}."""
    found = []
    for table in metadata.sorted_tables:
        columns = [c for c in table.c if c.info.get("sealed")]
        if columns:
            found.append((table, columns))
    return found


def indexed_columns(metadata) -> list[tuple]:
    """[(table, blind index column, sealed source column)]: info={"blind_index_of": "<column>"}."""
    return [(table, column, table.c[column.info["blind_index_of"]])
            for table in metadata.sorted_tables for column in table.c if column.info.get("blind_index_of")]


def _kept_as_is(table) -> dict:
    """Columns that change by themselves on an update (updated_at): a rotation
    changes no record, so they keep their value."""
    return {c.name: c for c in table.c if getattr(c, "onupdate", None) is not None}


def reseal_batch(bind, table, columns, size: int = 500) -> int:
    """Seal again under the current key up to `size` rows of `table` holding a
    ciphertext under another key (or none: legacy); the number of rows changed."""
    ring = keyring()
    prefix = ring.current + ":"
    stale = or_(*[and_(c.is_not(None), c != "", ~c.startswith(prefix, autoescape=True)) for c in columns])
    rows = bind.execute(select(table.c.id, *columns).where(stale).order_by(table.c.id).limit(size)).all()
    kept = _kept_as_is(table)
    for row in rows:
        values = {c.name: ring.reseal(getattr(row, c.name)) for c in columns}
        bind.execute(update(table).where(table.c.id == row.id).values(**values, **kept))
    return len(rows)


def reindex_batch(bind, table, index_column, source, after: str | None, size: int = 500) -> tuple[int, str | None]:
    """Recompute the blind index of up to `size` rows with an id above `after`;
    (rows read, the last id) — the last id is None when the table is done."""
    ring = keyring()
    query = select(table.c.id, source, index_column).where(source.is_not(None)).order_by(table.c.id).limit(size)
    if after is not None:
        query = query.where(table.c.id > after)
    rows = bind.execute(query).all()
    kept = _kept_as_is(table)
    for row in rows:
        fresh = ring.blind_index(ring.decrypt(getattr(row, source.name)))
        if fresh != getattr(row, index_column.name):
            bind.execute(update(table).where(table.c.id == row.id).values(**{index_column.name: fresh}, **kept))
    return len(rows), (rows[-1].id if len(rows) == size else None)


def stale_count(bind, table, columns) -> int:
    """How many rows still hold a ciphertext not under the current key."""
    from sqlalchemy import func

    prefix = keyring().current + ":"
    stale = or_(*[and_(c.is_not(None), c != "", ~c.startswith(prefix, autoescape=True)) for c in columns])
    return bind.execute(select(func.count()).select_from(table).where(stale)).scalar_one()
