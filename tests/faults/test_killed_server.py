"""A push interrupted by a dead server or a dropped connection loses nothing
and doubles nothing: the retry of the same batch applies what was not
applied and answers `duplicate` for what was, and the database ends with
every mutation applied exactly once.

The push is one transaction (sync/push.py), so a worker killed with SIGKILL
before the commit leaves none of the batch behind, and one killed after it
leaves all of it."""

import json
import random
import socket
import sqlite3
import struct
import threading
import time

import pytest
import requests
from sqlalchemy import func, select

from backend.extensions import db
from backend.fieldwork.visits.models import Visit
from sync.models import AppliedMutation
from tests.faults.conftest import HttpClient
from tests.sync.conftest import Device
from tests.sync.test_push import visit_data

BATCH = 500


class WriteProbe:
    """Whether some connection holds a write transaction open right now (a
    push between its first write and its commit), asked without waiting."""

    def __init__(self, database_url: str):
        self.sqlite = database_url.startswith("sqlite:///")
        if self.sqlite:
            self.connection = sqlite3.connect(database_url[len("sqlite:///"):], timeout=0, isolation_level=None)
        else:
            import psycopg

            self.connection = psycopg.connect(database_url.replace("postgresql+psycopg://", "postgresql://"),
                                              autocommit=True)

    def writing(self) -> bool:
        if self.sqlite:
            try:
                self.connection.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError:
                return True  # the write lock is taken
            self.connection.execute("ROLLBACK")
            return False
        # A transaction gets an xid at its first write.
        return self.connection.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL").fetchone()[0] > 0

    def wait_writing(self, done: threading.Event, timeout: float = 30) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not done.is_set():
            if self.writing():
                return True
            time.sleep(0.001)
        return False

    def close(self):
        self.connection.close()


class InFlight:
    """A push sent from a thread, so the test can act while it runs."""

    def __init__(self, url, phone, batch):
        self.done = threading.Event()
        self.response = self.error = None
        self.started = time.monotonic()
        self.finished = None
        self.thread = threading.Thread(target=self._run, args=(url, phone, batch))
        self.thread.start()

    def _run(self, url, phone, batch):
        try:
            body = {"device_id": phone.device_id, "schema_version": 1, "mutations": batch}
            self.response = requests.post(url + "/api/v1/sync/push", json=body, headers=phone.headers, timeout=120)
        except requests.RequestException as exc:
            self.error = exc
        finally:
            self.finished = time.monotonic()
            self.done.set()

    def join(self):
        self.thread.join(timeout=150)
        assert not self.thread.is_alive(), "the push never returned"


def visits_batch(phone, household_id, tag):
    return [phone.mutation("visits", "create", data=visit_data(household_id, notes=f"{tag} {i}"))
            for i in range(BATCH)]


def applied_of(batch):
    """(visits, stored mutations) of this batch in the database."""
    db.session.rollback()
    records = [m["record_id"] for m in batch]
    ids = [m["id"] for m in batch]
    visits = db.session.scalar(select(func.count()).select_from(Visit).where(Visit.id.in_(records)))
    stored = db.session.scalar(select(func.count()).select_from(AppliedMutation).where(AppliedMutation.id.in_(ids)))
    return visits, stored


def retry_until_answered(phone, batch, attempts=20):
    """The client's retry loop: push the same batch again until an answer comes."""
    for _attempt in range(attempts):
        try:
            response = phone.push_raw(batch)
        except requests.RequestException:
            time.sleep(0.25)
            continue
        if response.status_code == 503:
            time.sleep(0.25)
            continue
        assert response.status_code == 200, response.get_json()
        return response.get_json()["results"]
    raise AssertionError("the retry never got an answer")


def check_retry(batch, results, applied_before):
    assert [r["id"] for r in results] == [m["id"] for m in batch]
    for result in results:
        assert result["status"] == "applied", result
        assert result.get("duplicate", False) is (applied_before == BATCH), result
    assert applied_of(batch) == (BATCH, BATCH)


@pytest.mark.slow
def test_worker_killed_mid_push_then_retried(world, server, database_url):
    rng = random.Random()
    seed = rng.randrange(1 << 30)
    rng.seed(seed)
    phone = Device(HttpClient(server.url), "worker1")
    probe = WriteProbe(database_url)
    try:
        # An undisturbed push first: how long its transaction stays open.
        baseline = visits_batch(phone, world.H1.id, "baseline")
        flight = InFlight(server.url, phone, baseline)
        assert probe.wait_writing(flight.done), "never saw the push write"
        began = time.monotonic()
        flight.join()
        assert flight.response is not None and flight.response.status_code == 200, flight.error
        writing_for = flight.finished - began
        assert applied_of(baseline) == (BATCH, BATCH)

        outcomes = []
        # Kill at several moments of the transaction, around its commit, and
        # once blind (maybe while the body is still on its way).
        fractions = (0.05, 0.35, 0.7, 0.95, 1.15, 1.4, None)
        for round_no, fraction in enumerate(fractions):
            batch = visits_batch(phone, world.H1.id, f"round {round_no}")
            flight = InFlight(server.url, phone, batch)
            if fraction is None:
                time.sleep(rng.uniform(0, 0.05 + writing_for))
            else:
                probe.wait_writing(flight.done)
                time.sleep(rng.uniform(0.5, 1.0) * fraction * writing_for)
            killed = server.kill_workers()
            assert killed
            flight.join()
            server.wait_ready()
            visits, stored = applied_of(batch)
            # Nothing half-done: the batch is wholly there or wholly absent.
            assert (visits, stored) in ((0, 0), (BATCH, BATCH)), (seed, round_no, visits, stored)
            outcomes.append("committed" if visits else "rolled back")
            results = retry_until_answered(Device.via(phone, HttpClient(server.url)), batch)
            check_retry(batch, results, visits)
        assert "rolled back" in outcomes, (seed, outcomes)  # some kill landed mid-push
        total = BATCH * (len(fractions) + 1)
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(Visit)) == total
        assert db.session.scalar(select(func.count()).select_from(AppliedMutation)) == total
        # And a device pulling afterwards gets each visit once.
        reader = Device(HttpClient(server.url), "worker1")
        reader.pull(limit=1000)
        assert len(reader.ids("visits")) == total
    finally:
        probe.close()


def _raw_push(server, phone, batch, send_fraction=1.0, read_bytes=0):
    """Send a push over a bare socket and drop the connection with a reset:
    after part of the body, or after the first bytes of the answer."""
    body = json.dumps({"device_id": phone.device_id, "schema_version": 1, "mutations": batch}).encode()
    head = (f"POST /api/v1/sync/push HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
            f"Authorization: Bearer {phone.token}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode()
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=60)
    try:
        sock.sendall(head + body[:int(len(body) * send_fraction)])
        received = sock.recv(read_bytes) if read_bytes else b""
    finally:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()
    return received


@pytest.mark.slow
def test_connection_dropped_mid_request_then_retried(world, server):
    phone = Device(HttpClient(server.url), "worker1")
    batch = visits_batch(phone, world.H1.id, "cut short")
    _raw_push(server, phone, batch, send_fraction=0.5)
    time.sleep(0.5)
    assert applied_of(batch) == (0, 0)
    results = retry_until_answered(phone, batch)
    check_retry(batch, results, 0)


@pytest.mark.slow
def test_connection_dropped_mid_response_then_retried(world, server):
    phone = Device(HttpClient(server.url), "worker1")
    batch = visits_batch(phone, world.H1.id, "answer lost")
    assert _raw_push(server, phone, batch, read_bytes=64).startswith(b"HTTP/1.1 200")
    results = retry_until_answered(phone, batch)
    check_retry(batch, results, BATCH)


@pytest.mark.slow
def test_client_gives_up_and_retries_while_the_first_push_runs(world, server):
    """The client hangs up right after sending and pushes again at once: the
    abandoned push and the retry race on two workers; whichever comes second
    answers duplicates, and each mutation is applied once."""
    phone = Device(HttpClient(server.url), "worker1")
    for round_no in range(5):
        batch = visits_batch(phone, world.H1.id, f"impatient {round_no}")
        _raw_push(server, phone, batch)
        results = retry_until_answered(phone, batch)
        assert [r["id"] for r in results] == [m["id"] for m in batch]
        assert all(r["status"] == "applied" for r in results), results[:3]
        assert len({bool(r.get("duplicate")) for r in results}) == 1  # one transaction, one outcome
        assert applied_of(batch) == (BATCH, BATCH)
