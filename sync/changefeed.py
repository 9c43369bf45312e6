"""The change feed: every write to a replicated record, from any path, is
stamped with a fresh version of its community's space in the same transaction.

- ORM writes (pages, JSON API, CLI, the push path's edits) are stamped by a
  `before_flush` hook: no service has to remember to do it.
- Bulk Core writes (the push path's appends, the demo seed) call `reserve`
  for a block of versions and write them themselves.

`reserve` runs `UPDATE sync_spaces SET version = version + n … RETURNING`,
which takes the space row's lock until commit: writers of one community take
turns and commit in version order, so a reader that bounds its query by the
space version it read never misses a row that commits later with a lower
version."""


from sqlalchemy import event, inspect, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from backend import clock
from backend.common import utcnow
from sync.attachments import PENDING
from sync.models import AttachmentRef, SyncSpace, Tombstone

# Set on session.info by the push path: the client's time of the mutation
# being applied, which decides "last write wins" between fields.
CLIENT_TIME = "linli.client_time"
# Set on session.info by the push path: the device (devices.id) whose mutation
# is being applied. A field remembers its last writer, so a device's later
# offline edit never collides with its own earlier one (sync/apply.py).
CLIENT_DEVICE = "linli.client_device"
# Set on session.info to skip stamping (used only by the engine itself).
SKIP = "linli.changefeed.skip"


def reserve(session, space_id: str, count: int = 1) -> int:
    """Reserve `count` versions in a space; returns the highest. The versions
    are top - count + 1 … top. Locks the space row until the transaction ends."""
    table = SyncSpace.__table__
    statement = (update(table).where(table.c.id == space_id)
                 .values(version=table.c.version + count).returning(table.c.version))
    top = session.execute(statement).scalar()
    if top is None:
        dialect = session.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        session.execute(insert(table).values(id=space_id, version=0, purged_below=0).on_conflict_do_nothing())
        top = session.execute(statement).scalar()
    return top


def space_versions(session, space_ids) -> dict[str, int]:
    ids = list(space_ids)
    if not ids:
        return {}
    rows = session.execute(select(SyncSpace.id, SyncSpace.version).where(SyncSpace.id.in_(ids)))
    found = dict(rows.all())
    return {space: found.get(space, 0) for space in ids}


def _now_iso() -> str:
    return clock.now().strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _history_changed(state, attr) -> bool:
    return state.attrs[attr].history.has_changes()


def _old_value(state, attr):
    history = state.attrs[attr].history
    if history.deleted:
        return history.deleted[0]
    return state.attrs[attr].value


def stamp_unversioned(session, registry) -> int:
    """Give rows written in bulk with version 0 fresh versions of their space,
    in one statement per collection and space. Returns how many."""
    from sqlalchemy import bindparam, func, text

    stamped = 0
    for collection in registry:
        table = collection.table
        space_column = table.c[collection.space_attr]
        counts = session.execute(select(space_column, func.count()).where(table.c.version == 0)
                                 .group_by(space_column)).all()
        for space, count in sorted(counts):
            top = reserve(session, space, count)
            # Table and column names come from the collection registry; values are bound.
            statement = text(
                f"UPDATE {table.name} SET version = :base + ranked.n FROM "  # noqa: S608
                f"(SELECT id, ROW_NUMBER() OVER (ORDER BY id) AS n FROM {table.name} "
                f"WHERE {space_column.name} = :space AND version = 0) AS ranked "
                f"WHERE {table.name}.id = ranked.id"
            ).bindparams(bindparam("base", top - count), bindparam("space", space))
            session.execute(statement)
            stamped += count
    return stamped


def install(session_factory, registry) -> None:
    """Hook the change feed into every session of `session_factory`."""
    from backend.versioning import on_bulk_write

    on_bulk_write(lambda session: stamp_unversioned(session, registry))

    @event.listens_for(session_factory, "before_flush")
    def _stamp(session, _flush_context, _instances):
        if session.info.get(SKIP):
            return
        pending = _created(session, registry) + _changed(session, registry)
        tombstones = [t for _p, ts in pending for t in ts] + _deleted(session, registry)
        pending = [p for p, _t in pending]
        if pending or tombstones:
            _write(session, pending, tombstones)


def _created(session, registry) -> list:
    """(pending, []) of each new replicated record: (obj, collection, space, None)."""
    out = []
    for obj in list(session.new):
        collection = registry.for_model(type(obj))
        if collection is not None:
            collection.prepare(obj, session)
            out.append(((obj, collection, collection.space_of(obj), None), []))
            # Photos are served to whoever may read a record naming them
            # (once its author's own upload lands, if it was named before).
            pending = session.info.get(PENDING) or {}
            for sha256 in getattr(obj, "photos", None) or ():
                session.add(AttachmentRef(sha256=sha256, collection=collection.name, record_id=obj.id,
                                          pending_by_id=pending.get(sha256)))
    return out


def _changed(session, registry) -> list:
    """(pending, [tombstone]) of each changed replicated record: a change of a
    partition column leaves a tombstone of the old place, and the users it
    stopped naming there one each (`_user_tombstones`)."""
    out = []
    for obj in list(session.dirty):
        collection = registry.for_model(type(obj))
        if collection is None or not session.is_modified(obj, include_collections=True):
            continue
        state = inspect(obj)
        collection.prepare(obj, session)
        changed = [f for f in dict.fromkeys((*collection.tracked_attrs, *collection.user_attrs))
                   if _history_changed(state, f)]
        if not changed:
            continue
        if "photos" in changed:
            _refer_new_photos(session, collection, obj, state)
        tombstones = []
        if any(column in changed for column in collection.partition_attrs) or collection.user_attrs:
            old = {attr: _old_value(state, attr) for attr in collection.partition_attrs}
            if any(column in changed for column in collection.partition_attrs):
                tombstones.append((collection, obj, old))
            tombstones += _user_tombstones(collection, obj, state, old)
        out.append(((obj, collection, collection.space_of(obj), changed), tombstones))
    return out


def _user_tombstones(collection, obj, state, old, deleted: bool = False) -> list:
    """One tombstone in the old space for each user a record named (its
    `user_attrs`) and no longer names there: it was deleted, moved to another
    space, or one of those columns changed. Served to that user's "user"
    partition only (sync/pull.py)."""
    if not collection.user_attrs:
        return []
    named = {_old_value(state, attr) for attr in collection.user_attrs} - {None}
    space = _old_value(state, collection.space_attr)
    if not deleted and collection.space_of(obj) == space:
        named -= {getattr(obj, attr) for attr in collection.user_attrs}
    extra = {collection.space_attr: space} | ({"reason": "deleted"} if deleted else {})
    return [(collection, obj, old | extra | {"user_id": user_id}) for user_id in sorted(named)]


def _refer_new_photos(session, collection, obj, state) -> None:
    """An edit that names photos (a post's, merged field by field) refers to them as a new
    record does: they are served to whoever may read the record, once their upload lands."""
    before = set(_old_value(state, "photos") or ())
    pending = session.info.get(PENDING) or {}
    for sha256 in dict.fromkeys(obj.photos or ()):
        if sha256 in before or session.get(AttachmentRef, (sha256, collection.name, obj.id)) is not None:
            continue
        session.add(AttachmentRef(sha256=sha256, collection=collection.name, record_id=obj.id,
                                  pending_by_id=pending.get(sha256)))


def _deleted(session, registry) -> list:
    out = []
    for obj in list(session.deleted):
        collection = registry.for_model(type(obj))
        if collection is not None:
            state = inspect(obj)
            old = {attr: _old_value(state, attr) for attr in collection.partition_attrs}
            out.append((collection, obj, old | {"reason": "deleted"}))
            out += _user_tombstones(collection, obj, state, old, deleted=True)
    return out


def _floors(tombstones) -> dict[str, int]:
    """Space -> the highest old version of a record moving into it from another
    space. Versions count per space, and a device that sees both spaces keeps
    the highest version of a record: the moved record's new version must pass
    its old one, or that device would keep the old copy (and miss every later
    change, a retirement included)."""
    floors: dict[str, int] = {}
    for collection, obj, old in tombstones:
        space = collection.space_of(obj)
        if old.get("reason") != "deleted" and old[collection.space_attr] != space and obj.version:
            floors[space] = max(floors.get(space, 0), obj.version)
    return floors


def _write(session, pending, tombstones) -> None:
    counts: dict[str, int] = {}
    for _obj, _collection, space, _changed in pending:
        counts[space] = counts.get(space, 0) + 1
    for collection, _obj, old in tombstones:
        space = old[collection.space_attr]
        counts[space] = counts.get(space, 0) + 1
    floors = _floors(tombstones)
    next_version = {}
    for space in sorted(counts):  # a fixed order: no deadlock between writers
        top = reserve(session, space, counts[space])
        if top - counts[space] < floors.get(space, 0):  # skip ahead past the moved records' old versions
            top = reserve(session, space, floors[space] - (top - counts[space]))
        next_version[space] = top - counts[space] + 1
    # Tombstones first: a record that moved within a space gets its new
    # version after the tombstone of its old place, so "keep the highest
    # version" on a device that sees both keeps the record.
    for collection, obj, old in tombstones:
        space = old[collection.space_attr]
        version = next_version[space]
        next_version[space] += 1
        session.add(Tombstone(
            space_id=space, version=version, collection=collection.name, record_id=obj.id,
            grid_id=old.get("grid_id"), household_id=old.get("household_id"), user_id=old.get("user_id"),
            reason=old.get("reason", "moved"), at=utcnow()))
    stamp_time = session.info.get(CLIENT_TIME) or _now_iso()
    writer = session.info.get(CLIENT_DEVICE)
    for obj, collection, space, changed in pending:
        version = next_version[space]
        next_version[space] += 1
        obj.version = version
        if collection.field_level:
            meta = dict(obj.field_meta or {})
            for field in (collection.merge_fields if changed is None else collection.fields_of(changed)):
                meta[field] = [version, stamp_time, writer]
            obj.field_meta = meta
