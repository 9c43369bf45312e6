"""Convergence: several devices edit offline, staff edit on the server, and
pushes, pulls, retries and crashes interleave at random. In the end, after
everyone syncs, every device equals the server for its scope, nothing is
lost or doubled, and conflict records exist exactly where fields collided.

A model runs beside the server. It knows the protocol's rules, not the
engine: a field collides when someone other than the pushing device changed
it to another value after the device's last pull, and the device's value
differs from the current one; households then keep the later client_time
(staff edits count with the server's time), residents keep the server's
value. The model predicts every status, every conflict and every field."""

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from unittest import mock

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from backend import clock
from backend.auth import policy
from backend.auth.models import User
from backend.extensions import db
from backend.fieldwork.visits.models import Visit
from backend.registry import services
from backend.registry.models import Household, Resident
from sync import push as push_module
from sync import scope as scopes
from sync.collections import REGISTRY
from sync.models import AppliedMutation, Conflict
from tests.factories import build_world, empty_database
from tests.sync.conftest import Device
from tests.sync.test_push import visit_data

DEVICES = ("worker1", "worker2", "staff1")
FIELDS = {"households": ("address", "head_name", "notes"), "residents": ("name", "relation", "notes")}
MODELS = {"households": Household, "residents": Resident}
VALUES = ("甲", "乙", "丙")  # few, so devices often agree with the server's value
SKEWS = (timedelta(hours=-1), timedelta(0), timedelta(hours=1))  # device clocks are not to be trusted


class ServerCrash(Exception):
    """The server dies after applying a push, before committing it."""


def _crash_after(apply_batch):
    def crashing(*args, **kwargs):
        apply_batch(*args, **kwargs)
        raise ServerCrash
    return crashing


# --- the model ---------------------------------------------------------------------

@dataclass
class Change:
    """The last change of a field on the server."""

    clock: int
    earliest: datetime  # its time: a device's client_time, or the window of a staff edit
    latest: datetime
    device: str | None  # the device whose push made it; None for staff on the server


@dataclass
class Recorded:
    """A mutation as the device recorded it, and what the model needs of it."""

    kind: str  # update | create_resident | visit
    device: str
    key: tuple
    time: datetime
    base: int = 0  # the model's clock at the device's last pull
    field: str | None = None
    value: str | None = None
    household: str | None = None  # of a new resident


@dataclass
class Model:
    clock: int = 0
    values: dict = field(default_factory=dict)  # key -> {field: value}
    changes: dict = field(default_factory=dict)  # key -> {field: Change}
    bumped: dict = field(default_factory=dict)  # key -> clock of the record's last new version
    household_of: dict = field(default_factory=dict)  # resident key -> its household's key
    retired: set = field(default_factory=set)
    pulled: dict = field(default_factory=dict)  # device -> clock at its last pull
    recorded: dict = field(default_factory=dict)  # mutation id -> Recorded
    statuses: dict = field(default_factory=dict)  # mutation id -> status of its first application
    conflicts: dict = field(default_factory=dict)  # mutation id -> {field: {"server", "client", "winner"}}
    visits: set = field(default_factory=set)

    def tick(self) -> int:
        self.clock += 1
        return self.clock

    def add_record(self, key, values, when, device=None, household_id=None):
        clock = self.tick()
        self.values[key] = dict(values)
        self.changes[key] = {name: Change(clock, when, when, device) for name in FIELDS[key[0]]}
        self.bumped[key] = clock
        if household_id:
            self.household_of[key] = ("households", household_id)
            self.bumped[self.household_of[key]] = clock  # its member count

    def retire(self, key):
        self.retired.add(key)
        self.bumped[key] = self.bumped[self.household_of[key]] = self.tick()

    def change(self, key, name, value, earliest, latest, device):
        if self.values[key][name] == value:
            return  # not a change: nothing is stamped
        clock = self.tick()
        self.values[key][name] = value
        self.changes[key][name] = Change(clock, earliest, latest, device)
        self.bumped[key] = clock

    def apply(self, mutation_id, result):
        """The server applied (or replayed) this mutation: check its result
        against the model's prediction and advance the model."""
        if mutation_id in self.statuses:
            assert result.get("duplicate") is True, result
            assert result["status"] == self.statuses[mutation_id], result
            return
        assert not result.get("duplicate"), result
        recorded = self.recorded[mutation_id]
        expected = "applied"
        if recorded.kind == "visit":
            self.visits.add(recorded.key[1])
        elif recorded.kind == "create_resident":
            self.add_record(recorded.key, {"name": recorded.value, "relation": None, "notes": None},
                            recorded.time, recorded.device, recorded.household)
        else:
            expected = self._update(mutation_id, recorded)
        assert result["status"] == expected, (result, recorded)
        self.statuses[mutation_id] = expected

    def _update(self, mutation_id, recorded) -> str:
        key, name, value = recorded.key, recorded.field, recorded.value
        if key in self.retired:
            return "rejected"
        current, last = self.values[key][name], self.changes[key][name]
        stale = self.bumped[key] > recorded.base
        unseen = last.clock > recorded.base and last.device != recorded.device
        if not unseen or value == current:
            self.change(key, name, value, recorded.time, recorded.time, recorded.device)
            return "merged" if stale else "applied"
        if key[0] == "households":  # last write wins, by client_time
            assert not last.earliest <= recorded.time <= last.latest, "the model cannot tell which is later"
            client_wins = recorded.time > last.latest
        else:  # the server's value stands
            client_wins = False
        self.conflicts[mutation_id] = {name: {"server": current, "client": value,
                                              "winner": "client" if client_wins else "server"}}
        if client_wins:
            self.change(key, name, value, recorded.time, recorded.time, recorded.device)
        return "conflict"


# --- the program: what happens, in what order ----------------------------------------

_device = st.integers(0, len(DEVICES) - 1)
_pick = st.integers(0, 99)  # an index into whatever is there to pick from at that moment
_step = st.one_of(
    st.tuples(st.just("edit"), _device, _pick, st.integers(0, 2), st.integers(0, 2), st.integers(0, 2)),
    st.tuples(st.just("edit"), _device, _pick, st.integers(0, 2), st.integers(0, 2), st.integers(0, 2)),
    st.tuples(st.just("create_resident"), _device, _pick, st.integers(0, 2)),
    st.tuples(st.just("visit"), _device, _pick),
    st.tuples(st.just("staff_edit"), _pick, st.integers(0, 2), st.integers(0, 2)),
    st.tuples(st.just("staff_retire"), st.integers(0, 3), _pick),
    st.tuples(st.just("push"), _device, st.sampled_from(("ok", "ok", "lost_response", "server_crash"))),
    st.tuples(st.just("pull"), _device),
)
PROGRAMS = st.lists(_step, min_size=20, max_size=60)


def now():
    return clock.aware_now()


class Run:
    def __init__(self, app, world):
        self.app, self.world = app, world
        self.model = Model()
        for key, model in (("households", Household), ("residents", Resident)):
            for record in db.session.scalars(select(model).where(model.community_id == world.C1.id)):
                self.model.add_record((key, record.id), {n: getattr(record, n) for n in FIELDS[key]}, now(),
                                      household_id=getattr(record, "household_id", None))
        db.session.rollback()
        self.devices = {name: Device(app.test_client(), name) for name in DEVICES}
        self.happened = set()
        for name in DEVICES:
            self.pull(name)

    # steps

    def edit(self, device_no, pick, field_no, value_no, skew_no):
        name = DEVICES[device_no]
        phone = self.devices[name]
        keys = sorted(key for key in phone.records if key[0] in FIELDS)
        key = keys[pick % len(keys)]
        field_name, value = FIELDS[key[0]][field_no], VALUES[value_no]
        when = now() + SKEWS[skew_no]
        mutation = phone.record(key[0], "update", key[1], {field_name: value},
                                base_version=phone.records[key]["version"], client_time=when.isoformat())
        self.model.recorded[mutation["id"]] = Recorded("update", name, key, when, self.model.pulled[name],
                                                       field_name, value)

    def create_resident(self, device_no, pick, value_no):
        name = DEVICES[device_no]
        phone = self.devices[name]
        households = sorted(key[1] for key in phone.records if key[0] == "households")
        household_id = households[pick % len(households)]
        when = now()
        mutation = phone.record("residents", "create", str(uuid.uuid4()),
                                {"household_id": household_id, "name": VALUES[value_no]}, client_time=when.isoformat())
        self.model.recorded[mutation["id"]] = Recorded("create_resident", name, ("residents", mutation["record_id"]),
                                                       when, value=VALUES[value_no], household=household_id)

    def visit(self, device_no, pick):
        name = DEVICES[device_no]
        phone = self.devices[name]
        households = sorted(key[1] for key in phone.records if key[0] == "households")
        mutation = phone.record("visits", "create", data=visit_data(households[pick % len(households)]))
        self.model.recorded[mutation["id"]] = Recorded("visit", name, ("visits", mutation["record_id"]), now())

    def staff_edit(self, pick, field_no, value_no):
        keys = sorted(set(self.model.values) - self.model.retired)
        key = keys[pick % len(keys)]
        field_name, value = FIELDS[key[0]][field_no], VALUES[value_no]
        db.session.rollback()
        staff = db.session.get(User, self.world.staff1.id)
        record = db.session.get(MODELS[key[0]], key[1])
        earliest = now()
        if key[0] == "households":
            services.update_household(staff, record, {field_name: value})
        else:
            services.update_resident(staff, record, {field_name: value})
        db.session.commit()
        self.model.change(key, field_name, value, earliest, now(), None)

    def staff_retire(self, dice, pick):
        """Staff retire a resident (moved away), now and then: devices that
        still edit it are refused, and purge it on their next pull."""
        keys = sorted(key for key in self.model.values if key[0] == "residents" and key not in self.model.retired)
        if dice or not keys:
            return
        key = keys[pick % len(keys)]
        db.session.rollback()
        staff = db.session.get(User, self.world.staff1.id)
        services.retire_resident(staff, db.session.get(Resident, key[1]), "搬走")
        db.session.commit()
        self.model.retire(key)

    def push(self, device_no, outcome):
        phone = self.devices[DEVICES[device_no]]
        if not phone.outbox:
            return
        batch = list(phone.outbox)
        if outcome == "server_crash":
            with mock.patch.object(push_module, "apply_batch", _crash_after(push_module.apply_batch)):
                try:
                    response = phone.push_raw(batch)
                except ServerCrash:
                    response = None
            assert response is None or response.status_code == 500
            self.happened.add("server crashed mid-push")
            return  # nothing was committed; the outbox stays
        response = phone.push_raw(batch)
        assert response.status_code == 200, response.get_json()
        results = response.get_json()["results"]
        assert [r["id"] for r in results] == [m["id"] for m in batch]
        for result in results:
            self.model.apply(result["id"], result)
            if result.get("duplicate"):
                self.happened.add("duplicates replayed")
        if outcome == "ok":
            acknowledged = {r["id"] for r in results}
            phone.outbox = [m for m in phone.outbox if m["id"] not in acknowledged]
        # lost_response: the device never heard back and will push it all again

    def pull(self, device_no_or_name):
        name = device_no_or_name if isinstance(device_no_or_name, str) else DEVICES[device_no_or_name]
        self.devices[name].pull(limit=7)
        self.model.pulled[name] = self.model.clock

    # the end

    def sync_everyone(self):
        for device_no, name in enumerate(DEVICES):
            self.push(device_no, "ok")
            assert not self.devices[name].outbox
        for name in DEVICES:
            self.pull(name)

    def check(self):
        db.session.rollback()
        for name, phone in self.devices.items():
            assert phone.records == server_state(db.session.get(User, self.world.users[name].id)), name
        for (collection, record_id), values in self.model.values.items():
            record = db.session.get(MODELS[collection], record_id)
            assert {n: getattr(record, n) for n in values} == values, (collection, record_id)
        # Nothing lost, nothing doubled.
        assert set(db.session.scalars(select(Visit.id))) == self.model.visits
        residents = set(db.session.scalars(select(Resident.id).where(Resident.community_id == self.world.C1.id)))
        assert residents == {key[1] for key in self.model.values if key[0] == "residents"}
        assert set(db.session.scalars(select(AppliedMutation.id))) == set(self.model.recorded)
        # Conflict records exactly where fields collided, with both values.
        conflicts = {c.mutation_id: c for c in db.session.scalars(select(Conflict))}
        assert {m: c.fields for m, c in conflicts.items()} == self.model.conflicts
        for mutation_id, conflict in conflicts.items():
            assert (conflict.collection, conflict.record_id) == self.model.recorded[mutation_id].key


def server_state(user):
    """What a device of `user` must hold: every live record the user may read,
    in the pull's representation, with its version."""
    sensitive_ok, notes_ok = scopes.sees_sensitive(user), scopes.sees_notes(user)
    state = {}
    for collection in REGISTRY:
        readable = [r.id for r in db.session.scalars(select(collection.model))
                    if policy.can(user, policy.READ, r) and getattr(r, "retired_at", None) is None]
        if not readable:
            continue
        rows = db.session.execute(select(collection.table).where(collection.table.c.id.in_(readable))).all()
        versions = {row.id: row.version for row in rows}
        for data in collection.to_wire(rows, db.session, sensitive_ok, notes_ok=notes_ok):
            state[(collection.name, data["id"])] = {"version": versions[data["id"]], **data}
    return state


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(program=PROGRAMS)
def test_devices_converge_to_the_server(app, program):
    with app.app_context():
        empty_database()
        world = build_world()
        run = Run(app, world)
        for step, *args in program:
            getattr(run, step)(*args)
        run.sync_everyone()
        run.check()
        # What the example exercised (pytest --hypothesis-show-statistics).
        for status in sorted(set(run.model.statuses.values())):
            event(f"status {status}")
        for happening in sorted(run.happened):
            event(happening)
        event(f"conflicts: {min(len(run.model.conflicts), 3)}")
        db.session.remove()


def test_a_device_never_collides_with_its_own_offline_edits(world, device, ctx):
    """Two offline edits of one field, both on the version last pulled: the
    second is the device's latest word, not a conflict with its own first.
    Residents keep the server's value on a collision, so this used to lose it."""
    phone = device("worker1")
    phone.pull()
    base = phone.get("residents", world.R1.id)["version"]
    phone.record("residents", "update", world.R1.id, {"relation": "户主"}, base_version=base)
    phone.record("residents", "update", world.R1.id, {"relation": "本人"}, base_version=base)
    # Another device of the same person is another device: its edit was unseen.
    other = device("worker1")
    other.pull()
    other.record("residents", "update", world.R1.id, {"notes": "独居"}, base_version=base)
    statuses = [r["status"] for r in phone.push().values()]
    assert statuses == ["applied", "merged"]
    phone.record("residents", "update", world.R1.id, {"notes": "与子女同住"}, base_version=base)
    assert [r["status"] for r in other.push().values()] == ["merged"]
    results = list(phone.push().values())
    assert results[0]["status"] == "conflict"
    db.session.expire_all()
    assert world.R1.relation == "本人" and world.R1.notes == "独居"
    conflict = db.session.get(Conflict, results[0]["conflict_id"])
    assert conflict.fields == {"notes": {"server": "独居", "client": "与子女同住", "winner": "server"}}
