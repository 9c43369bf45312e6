"""Exactly once under concurrency: the same batch pushed on two connections
at the same moment, a hundred times, applies once. Both answers list every
mutation; for each, one answer has the first application and the other the
same stored result marked `duplicate: true`."""

import threading

import pytest
from sqlalchemy import func, select

from backend.audit.models import AuditEntry
from backend.extensions import db
from backend.fieldwork.visits.models import Visit
from backend.registry.models import Household
from sync.models import AppliedMutation, Conflict
from tests.faults.conftest import HttpClient
from tests.sync.conftest import Device
from tests.sync.test_push import visit_data

ROUNDS = 100
FIELDS = ("address", "head_name", "notes")


def count(model, *conditions):
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model).where(*conditions))


def mixed_batch(phone, households, round_no):
    """20 mutations: 14 visit creates interleaved with 6 household updates
    (three fields of each of two households) based on their current version."""
    db.session.rollback()
    versions = {h.id: db.session.get(Household, h.id).version for h in households}
    updates = [phone.mutation("households", "update", h.id, {name: f"{name} r{round_no}"},
                              base_version=versions[h.id])
               for h in households for name in FIELDS]
    batch = []
    for index in range(14):
        household = households[index % len(households)]
        batch.append(phone.mutation("visits", "create", data=visit_data(household.id, notes=f"r{round_no}v{index}")))
        if index % 2 == 1 and updates:
            batch.append(updates.pop(0))
    return batch + updates


def push_at_once(devices, batch):
    """Every device pushes `batch` at the same moment, each on its own connection."""
    barrier = threading.Barrier(len(devices))
    answers, errors = [None] * len(devices), []

    def run(index, phone):
        try:
            barrier.wait(timeout=30)
            response = phone.push_raw(batch)
            answers[index] = (response.status_code, response.get_json())
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i, d)) for i, d in enumerate(devices)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a push never returned"
    assert not errors, errors
    return answers


def check_answers(batch, answers):
    """Returns which answer held the first applications."""
    ids = [m["id"] for m in batch]
    for status, body in answers:
        assert status == 200, body
        assert [r["id"] for r in body["results"]] == ids
    for index, mutation in enumerate(batch):
        copies = [body["results"][index] for _status, body in answers]
        first = [r for r in copies if not r.get("duplicate")]
        again = [r for r in copies if r.get("duplicate")]
        assert len(first) == 1 and len(again) == len(copies) - 1, (mutation, copies)
        assert first[0]["status"] in ("applied", "merged"), first[0]
        for replay in again:
            assert replay["duplicate"] is True
            assert {k: v for k, v in replay.items() if k != "duplicate"} == first[0]
    return next(index for index, (_s, body) in enumerate(answers) if not body["results"][0].get("duplicate"))


def run_rounds(world, devices, rounds=ROUNDS):
    households = [world.H1, world.H2]
    visits_before, mutations_before = count(Visit), count(AppliedMutation)
    winners = [0] * len(devices)
    for round_no in range(rounds):
        batch = mixed_batch(devices[0], households, round_no)
        winners[check_answers(batch, push_at_once(devices, batch))] += 1
        assert count(Visit) == visits_before + 14 * (round_no + 1)
        assert count(AppliedMutation) == mutations_before + 20 * (round_no + 1)
    # Every household update applied once: one audited change each, no conflict.
    updates = count(AuditEntry, AuditEntry.action == "update", AuditEntry.target_type == "household")
    assert updates == 6 * rounds
    assert count(Conflict) == 0
    for household in households:
        row = db.session.get(Household, household.id)
        assert [getattr(row, name) for name in FIELDS] == [f"{name} r{rounds - 1}" for name in FIELDS]
    # Each connection came first in some rounds: the pushes really raced.
    assert all(winners), winners


@pytest.mark.slow
def test_same_batch_on_two_connections_through_gunicorn(world, server):
    phone = Device(HttpClient(server.url), "staff1")
    run_rounds(world, [phone, phone.via(HttpClient(server.url))])


@pytest.mark.slow
def test_same_batch_on_two_connections_in_process(world, app):
    phone = Device(app.test_client(), "staff1")
    run_rounds(world, [phone, phone.via(app.test_client())])


@pytest.mark.slow
def test_same_mutations_from_two_devices_of_one_user_at_once(world, server):
    """Two phones of one person (say, a restored backup) push the same outbox
    at once: each mutation applies once; the other phone gets it as a duplicate."""
    one = Device(HttpClient(server.url), "staff1")
    two = Device(HttpClient(server.url), "staff1")
    assert one.device_id != two.device_id
    run_rounds(world, [one, two])


@pytest.mark.slow
def test_a_new_devices_first_push_on_two_connections(world, server):
    """The device's first push creates its sync state row: two connections
    racing to create it still serialise."""
    households = [world.H1, world.H2]
    for round_no in range(20):
        phone = Device(HttpClient(server.url), "staff1")
        batch = mixed_batch(phone, households, round_no)
        check_answers(batch, push_at_once([phone, phone.via(HttpClient(server.url))], batch))
    assert count(Visit) == 14 * 20
    assert count(AppliedMutation) == 20 * 20


@pytest.mark.slow
def test_same_mutation_ids_from_two_users_at_once(world, server):
    """Two people in different communities (no lock in common) push the same
    mutation ids at once. Whoever's push commits first owns the ids; the
    other's copy is refused as another user's, never applied a second time."""
    worker, outsider = Device(HttpClient(server.url), "worker1"), Device(HttpClient(server.url), "staff2")
    owners = {"worker1": 0, "staff2": 0}
    for round_no in range(30):
        batch = [worker.mutation("visits", "create", data=visit_data(world.H1.id, notes=f"r{round_no} {i}"))
                 for i in range(20)]
        answers = push_at_once([worker, outsider], batch)
        firsts = []
        for who, (status, body) in zip(("worker1", "staff2"), answers, strict=True):
            assert status == 200, body
            results = body["results"]
            assert [r["id"] for r in results] == [m["id"] for m in batch]
            assert not any(r.get("duplicate") for r in results)
            refused = [r["status"] == "rejected" and r["error"]["status"] == 409 for r in results]
            assert len(set(refused)) == 1, results  # one push, one transaction: all or none refused
            if not refused[0]:
                firsts.append(who)
        assert len(firsts) == 1, answers
        owners[firsts[0]] += 1
        db.session.rollback()
        stored = db.session.scalars(select(AppliedMutation.user_id).where(
            AppliedMutation.id.in_([m["id"] for m in batch]))).all()
        assert stored == [world.users[firsts[0]].id] * 20
    # Only the worker may visit H1: the outsider's first application was a refusal.
    assert count(Visit) == 20 * owners["worker1"]
    assert count(AppliedMutation) == 20 * 30
