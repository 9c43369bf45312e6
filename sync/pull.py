"""Pull: the changes in the user's scope since the cursor.

Read the space versions first, then every query is bounded by them: writers
of a space commit in version order under the space row lock, so every row at
or below a version read is already committed and visible, and a row that
commits later always has a higher version. Nothing is ever skipped."""

from dataclasses import dataclass, field

from sqlalchemy import Integer, bindparam, or_, select

from backend.common import utcnow
from sync import cursor as cursors
from sync import scope as scopes
from sync.changefeed import space_versions
from sync.collections import REGISTRY
from sync.models import SyncSpace, Tombstone


@dataclass
class PullResult:
    changes: list = field(default_factory=list)
    cursor: str = ""
    has_more: bool = False
    reset: bool = False




def pull(session, user, cursor: str | None, limit: int) -> PullResult:
    parts = scopes.partitions(session, user)
    result = PullResult()
    positions = cursors.decode(user.id, cursor, scopes.view(user))
    spaces = sorted({p.space for p in parts})
    tops = space_versions(session, spaces)
    if positions is not None and _stale(session, positions, parts, tops):
        positions = None
    if positions is None:
        result.reset = True
        positions = {}
    current = {str(p) for p in parts}
    sees = scopes.sees_sensitive(user), scopes.sees_notes(user)

    removed = [scopes.Partition.parse(key) for key in positions if key not in current]
    if removed:
        result.changes.extend(_evictions(session, removed, parts))
    new_positions = {key: value for key, value in positions.items() if key in current}

    budget = limit
    served = {kind for collection in REGISTRY for kind in collection.partition_kinds}
    for part in parts:
        since, upto = new_positions.get(str(part), 0), tops.get(part.space, 0)
        if since >= upto or part.kind not in served:  # nothing of it, or no collection serves its kind (yet)
            new_positions[str(part)] = upto
            continue
        if budget <= 0:
            result.has_more = True
            new_positions.setdefault(str(part), since)
            continue
        items, reached = _stream(session, part, since, upto, budget, sees, parts)
        result.changes.extend(item for _version, item in items)
        budget -= len(items)
        new_positions[str(part)] = reached
        if reached < upto:
            result.has_more = True
    result.cursor = cursors.encode(user.id, new_positions, scopes.view(user))
    return result


def _stale(session, positions, parts, tops) -> bool:
    """A cursor ahead of the server (a restored database) or behind purged
    tombstones cannot be continued."""
    by_key = {str(p): p for p in parts}
    purged = {}
    if tops:
        purged = dict(session.execute(select(SyncSpace.id, SyncSpace.purged_below)
                                      .where(SyncSpace.id.in_(list(tops)))).all())
    for key, version in positions.items():
        part = by_key.get(key)
        if part is None:
            try:
                scopes.Partition.parse(key)
            except ValueError:
                return True
            continue
        if version > tops.get(part.space, 0) or (0 < version < purged.get(part.space, 0)):
            return True
    return False


def _stream(session, part, since, upto, budget, sees, parts):
    """Up to `budget` changes of one partition in (since, upto], by version.
    `sees`: (sensitive care tags, staff notes) the user may receive.
    Returns (items, reached): `reached` is the version through which
    everything of the partition has been delivered."""
    sensitive_ok, notes_ok = sees
    sources = []  # (versions fetched, items, truncated)
    # SQLite hands JSON columns over as text: decode them a page at a time.
    raw_json = session.get_bind().dialect.name == "sqlite"
    params = {"space": part.space, "key": part.key, "since": since, "upto": upto, "row_limit": budget + 1}
    for collection in REGISTRY:
        if not collection.serves(part.kind):
            continue
        rows = session.execute(collection.pull_query(part.kind, raw_json), params).all()
        truncated = len(rows) > budget
        rows = rows[:budget]
        deleted = collection.deleted_flags(rows)
        name = collection.name
        # pull_columns: id, version, …
        if not any(deleted):
            wires = collection.to_wire(rows, session, sensitive_ok, raw_json, notes_ok)
            items = [(row[1], {"collection": name, "id": row[0], "version": row[1], "deleted": False, "data": data})
                     for row, data in zip(rows, wires, strict=True)]
        else:
            live = [r for r, dead in zip(rows, deleted, strict=True) if not dead]
            wires = iter(collection.to_wire(live, session, sensitive_ok, raw_json, notes_ok))  # in the order of `live`
            items = [(row[1], {"collection": name, "id": row[0], "version": row[1], "deleted": True,
                               "reason": "retired"} if dead else
                      {"collection": name, "id": row[0], "version": row[1], "deleted": False, "data": next(wires)})
                     for row, dead in zip(rows, deleted, strict=True)]
        sources.append(([pair[0] for pair in items], items, truncated))
    sources.append(_tombstones(session, part, since, upto, budget, parts))
    return _merge(sources, upto, budget)


def _merge(sources, upto, budget):
    """The changes of all sources, by version, up to `budget` of them, and the
    version through which that is everything. Each source is (versions
    fetched, [(version, change)] by version, truncated)."""
    # Everything at or below the horizon was fetched from every source.
    horizon = min([versions[-1] for versions, _items, truncated in sources if truncated], default=upto)
    filled = [source_items for _v, source_items, _t in sources if source_items]
    if len(filled) == 1 and filled[0][-1][0] <= horizon:
        items = filled[0]  # one source, by version already (ORDER BY version): what the sort gives
    else:
        items = sorted((pair for source_items in filled for pair in source_items if pair[0] <= horizon),
                       key=lambda pair: pair[0])
    if len(items) > budget:
        items = items[:budget]
        horizon = items[-1][0]
    return items, horizon


def _tombstone_query(kind: str):
    """The tombstones of partitions of this kind, with the parameters of
    Collection.pull_query; built once (see there)."""
    names = tuple(c.name for c in REGISTRY if c.serves(kind))
    query = _TOMBSTONE_QUERIES.get((kind, names))  # by the collections too: an app may hold other areas
    if query is None:
        space, key = bindparam("space"), bindparam("key")
        condition = (Tombstone.space_id == space) & Tombstone.collection.in_(list(names))
        if kind == "user":
            # A record that stopped naming this user, or left the space: its tombstone names them.
            condition &= Tombstone.user_id == key
        else:
            # The other kinds read the ordinary tombstones (one per move), never the users' copies.
            condition &= Tombstone.user_id.is_(None)
        if kind == "grid":
            condition &= Tombstone.grid_id == key
        elif kind == "household":
            condition &= or_(Tombstone.household_id == key,
                             (Tombstone.collection == "households") & (Tombstone.record_id == key))
        # "all", "public", "street": every tombstone of the served collections in the space (a
        # device ignores a delete of a record it does not hold).
        query = _TOMBSTONE_QUERIES[(kind, names)] = (
            select(Tombstone).where(condition, Tombstone.version > bindparam("since"),
                                    Tombstone.version <= bindparam("upto"))
            .order_by(Tombstone.version).limit(bindparam("row_limit", type_=Integer)))
    return query


_TOMBSTONE_QUERIES: dict = {}


def _tombstones(session, part, since, upto, budget, parts):
    params = {"space": part.space, "key": part.key, "since": since, "upto": upto, "row_limit": budget + 1}
    found = session.scalars(_tombstone_query(part.kind), params).all()
    truncated = len(found) > budget
    found = found[:budget]
    visible = _visible_ids(session, [(t.collection, t.record_id) for t in found], parts)
    items = []
    for tomb in found:
        if (tomb.collection, tomb.record_id) in visible:
            continue  # it moved within the user's scope: the live row follows
        reason = "deleted" if tomb.reason == "deleted" else "out_of_scope"
        items.append((tomb.version, {"collection": tomb.collection, "id": tomb.record_id, "version": tomb.version,
                                     "deleted": True, "reason": reason}))
    return [t.version for t in found], items, truncated


def _visible_ids(session, pairs, parts) -> set:
    """Which of these (collection, id) are live in one of the user's partitions."""
    by_collection: dict[str, list] = {}
    for name, record_id in pairs:
        by_collection.setdefault(name, []).append(record_id)
    visible = set()
    for name, ids in by_collection.items():
        collection = REGISTRY[name]
        table = collection.table
        conditions = [collection.partition_condition(p.kind, p.space, p.key)
                      for p in parts if collection.serves(p.kind)]
        if not conditions:
            continue
        query = select(table.c.id).where(table.c.id.in_(ids), or_(*conditions))
        if "retired_at" in table.c:
            query = query.where(table.c.retired_at.is_(None))
        visible.update((name, record_id) for record_id in session.scalars(query))
    return visible


def _evictions(session, removed, parts):
    """Records of partitions the user no longer has, as out_of_scope deletes,
    except those still visible through a partition the user keeps."""
    out = []
    for part in removed:
        for collection in REGISTRY:
            if not collection.serves(part.kind):
                continue
            table = collection.table
            ids = session.scalars(select(table.c.id).where(
                collection.partition_condition(part.kind, part.space, part.key))).all()
            if not ids:
                continue
            keep = _visible_ids(session, [(collection.name, i) for i in ids], parts)
            versions = dict(session.execute(select(table.c.id, table.c.version).where(table.c.id.in_(ids))).all())
            for record_id in ids:
                if (collection.name, record_id) not in keep:
                    out.append({"collection": collection.name, "id": record_id, "version": versions[record_id],
                                "deleted": True, "reason": "out_of_scope"})
    return out


def touch_device(session, device, seen_at=None) -> None:
    """Note the pull for the status endpoint: best effort, at most once a
    minute, and never waiting for a write lock (the pull has its answer).
    `seen_at`: the device's last_pull_at as the pull read it, if it did."""
    from datetime import timedelta

    from sqlalchemy.exc import IntegrityError, OperationalError

    from sync.models import SyncDevice

    if seen_at is not None and utcnow() - seen_at < timedelta(minutes=1):
        session.rollback()  # noted less than a minute ago (it only ever moves forward)
        return
    state = session.get(SyncDevice, device.id)
    now = utcnow()
    if state is not None and state.last_pull_at and now - state.last_pull_at < timedelta(minutes=1):
        session.rollback()
        return
    if session.get_bind().dialect.name == "sqlite":
        session.rollback()  # end the reads; the note goes through a connection of its own
        _note_pull_sqlite(session.get_bind(), device.id, state is None, now)
        return
    try:
        if state is None:
            session.add(SyncDevice(device_pk=device.id, pushes=0, last_pull_at=now))
        else:
            state.last_pull_at = now
        session.commit()
    except (OperationalError, IntegrityError):
        session.rollback()


def _note_pull_sqlite(engine, device_pk, new: bool, now) -> None:
    """On SQLite, note the pull without waiting for the write lock: on one
    connection, held from the moment its busy timeout drops to zero until it
    is back at 30 s, so no connection returns to the pool unable to wait."""
    from sqlalchemy.exc import IntegrityError, OperationalError

    from sync.models import SyncDevice

    table = SyncDevice.__table__
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA busy_timeout = 0")
        try:
            if new:
                conn.execute(table.insert().values(device_pk=device_pk, pushes=0, last_pull_at=now))
            else:
                conn.execute(table.update().where(table.c.device_pk == device_pk).values(last_pull_at=now))
            conn.commit()
        except (OperationalError, IntegrityError):
            conn.rollback()  # busy, or another pull of this device noted it first: the pull has its answer
        finally:
            conn.exec_driver_sql("PRAGMA busy_timeout = 30000")
            conn.commit()
