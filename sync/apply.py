"""How each collection applies a pushed mutation.

Editable records are merged field by field against `base_version`; appends
are validated here and written in bulk by the push; stateful collections
(requests, later bookings…) take only `op: "action"` commands. The base
appliers are here; each area's own are in its sync module (sync/areas/)."""

from datetime import UTC, date, datetime

from flask_babel import gettext as _

from backend.auth import policy
from backend.common import new_id
from backend.errors import ApiError, Refused
from backend.registry import policy as registry_policy
from backend.registry import services as registry
from backend.registry.models import Household
from sync.changefeed import CLIENT_DEVICE
from sync.collections import LAST_WRITE_WINS
from sync.models import Conflict


class Rejected(ApiError):
    """This mutation is refused on its own (the rest of the push goes on)."""

    def __init__(self, status: int, title: str, detail: str, errors: dict | None = None):
        super().__init__(status, title, detail, errors)


def gone():
    return Rejected(404, "Not found", _("The record does not exist, or is no longer in your area."))


class Applier:
    collection = None
    # Whether applying a mutation writes (then it runs in a savepoint, so a
    # rejected one leaves no trace); appends only validate and queue a row.
    writes = True
    create_fields: frozenset = frozenset()
    update_fields: frozenset = frozenset()
    delete_fields: frozenset = frozenset({"reason"})
    actions: dict = {}

    def fields_for(self, op, action) -> frozenset | None:
        """Field names the operation accepts; None when the collection does not
        take the operation at all (then the mutation is rejected on its own)."""
        if not hasattr(self, f"on_{op}"):
            return None
        if op == "create":
            return frozenset(self.create_fields)
        if op == "update":
            return frozenset(self.update_fields)
        if op == "delete":
            return frozenset(self.delete_fields)
        if action not in self.actions:
            return None
        return frozenset(self.actions[action])

    def apply(self, session, user, mutation, appends, context) -> dict:
        handler = getattr(self, f"on_{mutation.op}", None)
        if handler is None:
            raise Rejected(422, "Not allowed", self.refusal(mutation.op))
        return handler(session, user, mutation, appends, context)

    def refusal(self, op) -> str:
        return _("This collection does not accept this operation.")

    def after_appends(self, session, rows) -> None:
        pass

    def prefetch(self, session, mutations, context) -> None:
        """Load in a few queries what the batch's mutations will look up one by one."""

    def spaces(self, session, user, mutations) -> set:
        """Sync spaces beyond the user's own that these mutations may write to (e.g. a donation to
        a paired community in another street): the push locks them with the user's, in one sorted
        order, before any write."""
        return set()

    def prepare(self, session, user, mutations, context) -> None:
        """For a batch of appends alone (nothing in it changes what another
        mutation reads): check the batch's creates at once, leaving in
        context["prepared"] (by mutation id) the rows certainly valid.
        The others are validated one by one, which words their errors."""
        self.prefetch(session, mutations, context)


# --- editable: households and residents ---------------------------------------------

def _as_utc(text):
    if not text:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def _wire_value(record, name, user):
    value = getattr(record, name)
    if name == "care_tags":
        return sorted(tag.code for tag in registry.visible_tags(user, value, _household_of(record)))
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def _same(name, client_value, server_value) -> bool:
    if name == "care_tags":
        return sorted(set(client_value or [])) == (server_value or [])
    if isinstance(client_value, str):
        client_value = client_value.strip() or None
    if isinstance(server_value, str):
        server_value = server_value.strip() or None
    return client_value == server_value


def _base_version(mutation, record, missing: str) -> int:
    """The version an update or delete was based on: named, and one the record has had
    (a base past the record would pass for having seen every change)."""
    base = mutation.base_version
    if base is None:
        raise Rejected(422, "Validation failed", missing, {"base_version": ["Required for update and delete."]})
    if base > record.version:
        raise Rejected(422, "Validation failed", _("The base version is newer than the record."),
                       {"base_version": ["Newer than the record's version."]})
    return base


def _household_of(record):
    return record if isinstance(record, Household) else record.household


class EditableApplier(Applier):
    model = None
    # Fields a write carries that are not fields of the record (a consent for a sensitive tag):
    # never merged nor in conflict, they go with the fields the write applies.
    carried_fields: frozenset = frozenset()

    def load(self, session, user, record_id):
        record = session.get(self.model, record_id)
        if record is None or not policy.can(user, policy.READ, record):
            raise gone()
        return record

    def merge(self, session, user, mutation, record, device_pk):
        """Split the client's fields into those to apply and those that collide
        with a server change the client had not seen; decide collisions by the
        collection's rule, and keep a conflict record of the losing values.
        A field last written by this same device was seen: its own earlier
        offline edit, pushed with the same base_version, is no collision."""
        base = _base_version(mutation, record, _("An update names the version it was based on."))
        meta = record.field_meta or {}
        client_time = _as_utc(mutation.client_time)
        to_apply, collisions = {}, {}
        hidden = () if registry_policy.sees_staff_notes(user, _household_of(record)) else self.collection.staff_fields
        for name, value in mutation.data.items():
            if name in self.carried_fields:
                continue
            if name in hidden:
                continue  # staff notes: written only by those who read them
            changed_at_version, changed_at_time, *writer = meta.get(name) or [0, None]
            current = _wire_value(record, name, user)
            seen = changed_at_version <= base or (writer and writer[0] == device_pk)
            if seen or _same(name, value, current):
                to_apply[name] = value
                continue
            client_wins = (self.collection.rule == LAST_WRITE_WINS and changed_at_time is not None
                           and client_time > _as_utc(changed_at_time))
            if client_wins:
                to_apply[name] = value
            collisions[name] = {"server": current, "client": value, "winner": "client" if client_wins else "server"}
        if to_apply:
            to_apply.update({name: mutation.data[name] for name in self.carried_fields if name in mutation.data})
        return to_apply, collisions

    def record_conflict(self, session, user, mutation, record, collisions) -> str:
        conflict = Conflict(id=new_id(), space_id=record.community_id, collection=self.collection.name,
                            record_id=record.id, mutation_id=mutation.id, user_id=user.id, fields=collisions,
                            rule=self.collection.rule, status="open")
        session.add(conflict)
        return conflict.id

    def on_update(self, session, user, mutation, appends, context):
        record = self.load(session, user, mutation.record_id)
        if not policy.can(user, policy.CHANGE, record):
            raise Refused()  # before merging: a reader's push leaves no conflict either
        if record.retired_at is not None:
            raise Rejected(409, "Retired", _("This record was retired; the change was not applied."))
        stale = mutation.base_version is not None and mutation.base_version < record.version
        to_apply, collisions = self.merge(session, user, mutation, record, session.info.get(CLIENT_DEVICE))
        if to_apply:
            self.update(user, record, to_apply)
            session.flush()
        result = {"status": "applied", "version": record.version}
        if collisions:
            result.update(status="conflict", conflict_id=self.record_conflict(session, user, mutation, record,
                                                                              collisions))
        elif stale:
            result["status"] = "merged"
        return result

    @staticmethod
    def edited_by_others(record, base: int, device_pk) -> bool:
        """Did anyone but this device change a field after `base`? A device's
        own offline edits followed by its delete are no race."""
        if base >= record.version:
            return False
        for entry in (record.field_meta or {}).values():
            changed_at_version, _time, *writer = entry
            if changed_at_version > base and not (writer and writer[0] == device_pk):
                return True
        return False

    def on_delete(self, session, user, mutation, appends, context):
        record = self.load(session, user, mutation.record_id)
        if record.retired_at is not None:
            return {"status": "applied", "version": record.version}
        base = _base_version(mutation, record, _("A delete names the version it was based on."))
        if self.edited_by_others(record, base, session.info.get(CLIENT_DEVICE)):
            # A delete that races an edit: the edit wins, the record stays.
            collisions = {"deleted": {"server": False, "client": True, "winner": "server"}}
            conflict_id = self.record_conflict(session, user, mutation, record, collisions)
            return {"status": "conflict", "version": record.version, "conflict_id": conflict_id}
        self.retire(user, record, (mutation.data.get("reason") or "").strip() or _("Deleted on a device"))
        session.flush()
        return {"status": "applied", "version": record.version}


class ReadOnlyApplier(Applier):
    """Records the server writes: a device may only read them."""

    def __init__(self, collection, refusal):
        self.collection, self._refusal = collection, refusal

    def refusal(self, op):
        return self._refusal()


class AppendApplier(Applier):
    """Created once, never changed: a correction is a new record."""

    validate = None
    cache_key = ""
    writes = False

    def refusal(self, op):
        return _("Records of this kind are never changed; record a correction as a new one.")

    def on_create(self, session, user, mutation, appends, context):
        name = self.collection.name
        queued = appends.setdefault(name, [])
        queued_ids = context.setdefault("queued", {}).setdefault(name, set())
        # A record id used twice in the batch is refused here; one that exists
        # already is refused by the database when the batch is written (the
        # push then writes its rows one by one and refuses just that one).
        if mutation.record_id in queued_ids:
            raise Rejected(409, "Conflict", _("A record with this id exists already."))
        row = context["prepared"].pop(mutation.id, None)
        if row is None:
            row = type(self).validate(user, mutation.record_id, mutation.data, context[self.cache_key])
        result = {"status": "applied", "version": None}
        queued.append((row, result))
        queued_ids.add(mutation.record_id)
        return result


# Each collection's applier, by collection name: filled from the areas' sync modules (sync/areas/__init__.py).
APPLIERS: dict = {}
