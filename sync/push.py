"""Push: apply a device's mutations exactly once, in order, each wholly or not at all.

One transaction per push. The device's row is locked first, so two copies of
one batch serialise and the second finds the first's stored results. Each
mutation runs in a savepoint: a rejected one leaves no trace but its stored
result. Appends (visits, patrol reports) are validated one by one and then
written with bulk Core statements. A server killed mid-push rolls the whole
transaction back: nothing of it was applied, and the retry applies it."""

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

import msgspec
import orjson
from flask_babel import gettext as _
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import scoped_session

from backend import clock
from backend.common import is_uuid, utcnow
from backend.errors import ApiError, Conflict, DomainError, Gone, Invalid, Refused
from backend.fieldwork.records import PLAIN_TIME
from sync import attachments
from sync import scope as scopes
from sync.apply import APPLIERS, Rejected
from sync.bulk import insert_rows
from sync.changefeed import CLIENT_DEVICE, CLIENT_TIME, reserve
from sync.collections import REGISTRY
from sync.models import AppliedMutation, AttachmentRef, SyncDevice

SCHEMA_VERSION = 1
OLDEST_SCHEMA_VERSION = 1
MAX_MUTATIONS = 500
MAX_BYTES = 5 * 1024 * 1024
OPS = ("create", "update", "delete", "action")


class FrameError(ApiError):
    """The push as a whole is malformed: 422, nothing applied."""

    def __init__(self, errors: dict, detail: str = "The push is malformed."):
        super().__init__(422, "Validation failed", detail, errors)


@dataclass(slots=True)
class Mutation:
    id: str
    collection: str
    record_id: str
    op: str
    action: str | None
    base_version: int | None
    data: dict
    sent_time: str  # client_time as the device sent it, checked (the server's time if it sent none)
    raw_hash: str
    index: int

    @property
    def client_time(self) -> str:
        """When the change was made, in UTC text. Worked out when asked: only
        editable records' merges ask, and a day's visits never do."""
        return _utc_text(datetime.fromisoformat(self.sent_time.replace("Z", "+00:00")))


@dataclass
class Batch:
    device_id: str
    schema_version: int
    mutations: list = field(default_factory=list)


def _parse_time(value):
    """The time as sent, once checked: ISO 8601 with its offset, in range in UTC."""
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > 40:
        raise ValueError
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError
    _utc_text(moment)  # out of range in UTC (year 1 at +08:00): OverflowError
    return value


def _utc_text(moment: datetime) -> str:
    """2026-11-27T08:00:00.000000Z: fixed width, so the texts sort as the times do."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")[:-6] + "Z"


def parse(body: dict) -> Batch:
    """Check the frame of a push: the envelope and every mutation's shape, the
    collection and the names of its data fields. Values are checked later,
    mutation by mutation, when each is applied."""
    errors: dict[str, list] = {}
    unknown = set(body) - {"device_id", "schema_version", "mutations"}
    for key in sorted(unknown):
        errors[key] = ["Unknown field."]
    device_id = body.get("device_id")
    if not isinstance(device_id, str) or not is_uuid(device_id):
        errors["device_id"] = ["A UUID is required."]
    schema_version = body.get("schema_version")
    if not isinstance(schema_version, int) or isinstance(schema_version, bool):
        errors["schema_version"] = ["An integer is required."]
    mutations = body.get("mutations")
    if not isinstance(mutations, list):
        errors["mutations"] = ["A list of mutations is required."]
        mutations = []
    if errors:
        raise FrameError(errors)
    batch = Batch(device_id=device_id, schema_version=schema_version)
    for index, (raw, plain) in enumerate(zip(mutations, _plain_mutations(mutations), strict=True)):
        batch.mutations.append(plain or _parse_mutation(index, raw, errors))
    if errors:
        raise FrameError(errors)
    return batch


def _canonical(raw) -> bytes:
    """The mutation as sorted, compact UTF-8 JSON: what its id is bound to."""
    try:
        return orjson.dumps(raw, option=orjson.OPT_SORT_KEYS)
    except TypeError:  # beyond orjson (integers wider than 64 bits): the same text, slower
        return json.dumps(raw, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str).encode()


MUTATION_KEYS = frozenset({"id", "collection", "record_id", "op", "action", "base_version", "data", "client_time"})
_LOWER_UUID = Annotated[str, msgspec.Meta(pattern=r"\A[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z")]


class _Plain(msgspec.Struct, forbid_unknown_fields=True):
    """The plain mutation a device sends, as msgspec checks it in C."""

    id: _LOWER_UUID
    collection: str
    record_id: _LOWER_UUID
    op: Literal["create", "update", "delete"]
    data: Any  # passed through as it is (a dict is checked below): no copy to make
    client_time: Annotated[str, msgspec.Meta(pattern=rf"\A{PLAIN_TIME}\Z")]
    action: None = None
    base_version: Annotated[int, msgspec.Meta(ge=0)] | None = None


def _plain_mutations(raws: list) -> list:
    """`_plain_mutation` of each, the shapes checked in one call when all are plain."""
    try:
        plains = msgspec.convert(raws, list[_Plain])
    except msgspec.ValidationError:
        return [_plain_mutation(index, raw) for index, raw in enumerate(raws)]
    return [_finish_plain(index, raw, plain) for index, (raw, plain) in enumerate(zip(raws, plains, strict=True))]


def _plain_mutation(index, raw) -> Mutation | None:
    """`_parse_mutation` for the plain, valid mutation a device sends; None at
    the first doubt, and `_parse_mutation` decides (and words the errors).
    Gives exactly what it gives."""
    try:
        plain = msgspec.convert(raw, _Plain)
    except msgspec.ValidationError:
        return None
    return _finish_plain(index, raw, plain)


def _finish_plain(index, raw, plain: _Plain) -> Mutation | None:
    name, op, data = plain.collection, plain.op, plain.data
    allowed = _allowed_fields(name, op, None) if REGISTRY.get(name) is not None else None
    if allowed is None or type(data) is not dict or not data.keys() <= allowed:
        return None
    try:  # the plain spelling (checked above) is what fromisoformat reads, "Z" included
        moment = datetime.fromisoformat(plain.client_time)
        if moment.year in (1, 9999):  # may not be in range once in UTC: as _parse_time checks it
            moment.astimezone(UTC)
        canonical = orjson.dumps(raw, option=orjson.OPT_SORT_KEYS)
    except (ValueError, OverflowError, TypeError):
        return None
    return Mutation(plain.id, name, plain.record_id, op, None, plain.base_version, data, plain.client_time,
                    hashlib.sha256(canonical).hexdigest(), index)



def _parse_mutation(index, raw, errors):
    where = f"mutations.{index}"
    if not isinstance(raw, dict):
        errors[where] = ["A mutation is a JSON object."]
        return None
    for key in sorted(set(raw) - MUTATION_KEYS):
        errors[f"{where}.{key}"] = ["Unknown field."]
    mutation_id = raw.get("id")
    if not isinstance(mutation_id, str) or not is_uuid(mutation_id):
        errors[f"{where}.id"] = ["A UUID is required."]
    name = raw.get("collection")
    collection = REGISTRY.get(name) if isinstance(name, str) else None
    if collection is None:
        errors[f"{where}.collection"] = [f"Unknown collection. One of: {', '.join(c.name for c in REGISTRY)}."]
    record_id = raw.get("record_id")
    if not isinstance(record_id, str) or not is_uuid(record_id):
        errors[f"{where}.record_id"] = ["A UUID is required."]
    op, action, base = _operation(where, raw, errors)
    data = _data(where, raw.get("data"), collection, op, action, errors)
    try:
        sent_time = _parse_time(raw.get("client_time"))
    except (ValueError, TypeError, OverflowError):
        errors[f"{where}.client_time"] = ["An ISO 8601 time with its offset."]
        sent_time = None
    return Mutation(id=str(mutation_id).lower(), collection=name, record_id=str(record_id).lower(), op=op,
                    action=action, base_version=base, data=data,
                    sent_time=sent_time or _utc_text(clock.aware_now()),
                    raw_hash=hashlib.sha256(_canonical(raw)).hexdigest(), index=index)


def _operation(where, raw, errors):
    """The mutation's op, its action (for op 'action') and the version it was based on."""
    op = raw.get("op")
    if op not in OPS:
        errors[f"{where}.op"] = [f"One of {', '.join(OPS)}."]
    action = raw.get("action")
    if action is not None and (not isinstance(action, str) or len(action) > 40):
        errors[f"{where}.action"] = ["A command name is required."]
    if op == "action" and not action:
        errors[f"{where}.action"] = ["op 'action' names its command."]
    base = raw.get("base_version")
    if base is not None and (not isinstance(base, int) or isinstance(base, bool) or base < 0):
        errors[f"{where}.base_version"] = ["A non-negative integer or null."]
    return op, action, base


def _data(where, data, collection, op, action, errors) -> dict:
    """The mutation's data: an object of the fields its collection's operation accepts."""
    if data is None:
        return {}
    if not isinstance(data, dict):
        errors[f"{where}.data"] = ["An object is required."]
        return {}
    if collection is not None and op in OPS:
        allowed = _allowed_fields(collection.name, op, action)
        if allowed is not None and not data.keys() <= allowed:
            for key in sorted(set(data) - allowed):
                errors[f"{where}.data.{key}"] = ["Unknown field."]
    return data


_ALLOWED: dict = {}


def _allowed_fields(collection: str, op: str, action) -> frozenset | None:
    """The data fields a collection's operation accepts, looked up once per kind."""
    if op == "action" and not isinstance(action, str):
        return None  # the action itself is at fault, and said so
    key = (collection, op, action if op == "action" else None)
    if key not in _ALLOWED:
        if len(_ALLOWED) > 1000:  # action names come from clients: bound the memo
            _ALLOWED.clear()
        _ALLOWED[key] = APPLIERS[collection].fields_for(op, action)
    return _ALLOWED[key]


def _rejection(exc: DomainError) -> dict:
    """A mutation's rejection: the problem the API would answer (backend/errors.py). A record
    gone from under a mutation is told as such."""
    problem = exc.problem()
    if isinstance(exc, Gone):
        problem["detail"] = _("The record no longer exists.")
    return {"status": "rejected", "error": problem}


def _lock_device(session, device, now) -> None:
    """Count the push on the device's row, creating it the first time: the
    row stays locked until the push commits, so two copies of one batch
    take turns and the second finds the first's stored results."""
    table = SyncDevice.__table__
    insert_ = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert_(table).values(device_pk=device.id, pushes=1, last_push_at=now)
                    .on_conflict_do_update(index_elements=[table.c.device_pk],
                                           set_={"pushes": table.c.pushes + 1, "last_push_at": now}))


def apply_batch(session, user, device, batch: Batch) -> list[dict]:
    if isinstance(session, scoped_session):
        session = session()  # the session itself: hundreds of calls skip the proxy's look-up
    now = utcnow()
    _lock_device(session, device, now)
    ids = [m.id for m in batch.mutations]
    # Hundreds of ids: one expanding parameter, not a literal each to coerce.
    known = {row.id: row for row in session.scalars(
        select(AppliedMutation).where(AppliedMutation.id.in_(bindparam("ids", expanding=True))), {"ids": ids})}
    fresh = [m for m in batch.mutations if m.id not in known]
    # A batch of appends alone (a day's visits) is checked as a whole: none
    # of its mutations changes what another one reads.
    appends_only = not any(APPLIERS[m.collection].writes for m in fresh)
    if not appends_only:
        # Lock the user's spaces in a fixed order before any write: two pushes
        # never wait on each other's spaces in opposite orders. (Appends alone
        # lock their spaces when they are written, in that same order.)
        # Spaces a mutation writes beyond the user's (a paired community's pool) are taken in
        # the same sorted pass, never after: no lock is ever taken out of order.
        spaces = {p.space for p in scopes.partitions(session, user)}
        for name in {m.collection for m in fresh}:
            spaces |= APPLIERS[name].spaces(session, user, [m for m in fresh if m.collection == name])
        for space in sorted(spaces):
            reserve(session, space, 0)
    appends: dict[str, list] = {}
    # Each photo a mutation names must be one its author uploaded or can
    # already see (sync/attachments.py); checked for the batch at once.
    refused = {key: _rejection(exc) for key, exc in attachments.vet_many(
        session, user, {m.id: m.data.get("photos") for m in fresh if isinstance(m.data, dict)}).items()}
    context = {"households": {}, "grids": {}, "prepared": {}, "refused": refused}
    for name in {m.collection for m in fresh}:
        if appends_only:
            APPLIERS[name].prepare(session, user, fresh, context)
        else:
            APPLIERS[name].prefetch(session, fresh, context)
    results = _queue_prepared(batch.mutations, known, context["prepared"], appends) \
        if appends_only and not refused else None
    if results is None:
        results = _apply_each(session, user, device, batch, known, appends, context)
    stored = _stored(batch.mutations, results, known, user, device, now)
    _write_appends(session, appends)
    if stored:
        insert_rows(session, AppliedMutation.__table__, stored)
        table = SyncDevice.__table__
        session.execute(update(table).where(table.c.device_pk == device.id)
                        .values(last_mutation_id=batch.mutations[-1].id))
    return results


def _stored(mutations, results, known, user, device, now) -> list[dict]:
    """The exactly-once records: each mutation id applied by this push (its
    first time in the batch, not known before) with its result, which a
    replay gets back."""
    user_id, device_id = user.id, device.device_id
    stored, ids = [], set()
    for mutation, result in zip(mutations, results, strict=True):
        if mutation.id in known or mutation.id in ids:
            continue
        ids.add(mutation.id)
        stored.append({"id": mutation.id, "user_id": user_id, "device_id": device_id,
                       "payload_hash": mutation.raw_hash, "result": result, "applied_at": now})
    return stored


def _apply_each(session, user, device, batch, known, appends, context) -> list[dict]:
    """Apply the mutations one by one, in order, each in a savepoint if it writes."""
    results: list[dict] = []
    seen: dict[str, tuple[str, dict]] = {}
    info, device_pk = session.info, device.id
    for mutation in batch.mutations:
        prior = known.get(mutation.id)
        if prior is not None or mutation.id in seen:
            results.append(_replay(mutation, prior, seen.get(mutation.id), user))
            continue
        applier = APPLIERS[mutation.collection]
        try:
            if mutation.id in context["refused"]:
                result = dict(context["refused"][mutation.id])
            elif applier.writes:
                # The change feed reads who wrote, and when, from the session.
                info[CLIENT_TIME], info[CLIENT_DEVICE] = mutation.client_time, device_pk
                try:
                    with session.begin_nested():
                        result = applier.apply(session, user, mutation, appends, context)
                finally:
                    info.pop(CLIENT_TIME, None)
                    info.pop(CLIENT_DEVICE, None)
            else:
                # It only validates and queues a row for the bulk write: no savepoint to undo.
                result = applier.apply(session, user, mutation, appends, context)
        except (Rejected, Invalid, Refused, Gone, Conflict) as exc:
            result = _rejection(exc)
        # In place: an append's result gets its version when the bulk write lands.
        result["id"], result["record_id"] = mutation.id, mutation.record_id
        results.append(result)
        seen[mutation.id] = (mutation.raw_hash, result)
    return results


def _queue_prepared(mutations, known, prepared, appends) -> list | None:
    """The results of a batch of creates whose rows were all checked at once
    (`Applier.prepare`), none of them seen before and no record id twice:
    each row queued for the bulk write, as `AppendApplier.on_create` queues
    it. None when any mutation needs the loop."""
    if known or len(prepared) != len(mutations):
        return None
    if len({(m.collection, m.record_id) for m in mutations}) != len(mutations):
        return None
    results = []
    for mutation in mutations:
        row = prepared.get(mutation.id)
        if row is None:  # an id twice in the batch
            return None
        result = {"status": "applied", "version": None, "id": mutation.id, "record_id": mutation.record_id}
        appends.setdefault(mutation.collection, []).append((row, result))
        results.append(result)
    return results


def _replay(mutation, prior, in_batch, user) -> dict:
    if prior is not None and prior.user_id != user.id:
        return {"id": mutation.id, "record_id": mutation.record_id, "status": "rejected",
                "error": Conflict(_("This mutation id was used by another user.")).problem()}
    payload_hash, result = (prior.payload_hash, prior.result) if prior is not None else in_batch
    if payload_hash != mutation.raw_hash:
        return {"id": mutation.id, "record_id": mutation.record_id, "status": "rejected",
                "error": Conflict(_("This mutation id was already used for a different change.")).problem()}
    return {**result, "duplicate": True}


def _write_appends(session, appends: dict[str, list]) -> None:
    """Stamp and insert the batch's new append-only records in bulk."""
    appends = {name: entries for name, entries in appends.items() if entries}
    by_space: dict[str, list] = {}
    for entries in appends.values():
        for row, _result in entries:
            by_space.setdefault(row["community_id"], []).append(row)
    # The spaces' locks in one order, whatever the collections: two pushes
    # never wait on each other's spaces in opposite orders.
    for space in sorted(by_space):
        rows = by_space[space]
        top = reserve(session, space, len(rows))
        for offset, row in enumerate(rows):
            row["version"] = top - len(rows) + 1 + offset
    for name, entries in appends.items():
        collection = REGISTRY[name]
        try:
            with session.begin_nested():
                insert_rows(session, collection.table, [row for row, _result in entries])
        except IntegrityError:
            _insert_one_by_one(session, collection, entries)
        for row, result in entries:
            if result.get("status") == "applied":
                result["version"] = row["version"]
        pending = session.info.get(attachments.PENDING) or {}
        refs = [{"sha256": sha, "collection": name, "record_id": row["id"], "pending_by_id": pending.get(sha)}
                for row, result in entries if result.get("status") == "applied" for sha in row.get("photos") or []]
        insert_rows(session, AttachmentRef.__table__, refs, skip_existing=True)
        APPLIERS[name].after_appends(session, [row for row, result in entries if result.get("status") == "applied"])


def _insert_one_by_one(session, collection, entries):
    for row, result in entries:
        try:
            with session.begin_nested():
                session.execute(insert(collection.table), [row])
        except IntegrityError:
            result.clear()
            result.update({"id": result.get("id"), "record_id": row["id"], "status": "rejected",
                           "error": Conflict(_("A record with this id exists already.")).problem()})
