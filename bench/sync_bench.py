"""Linli's sync engine against pouchdb-server, one process, one machine.

    .venv/bin/python bench/sync_bench.py            # the full run (city-sized seed, 10,000 visits, 200 devices)
    .venv/bin/python bench/sync_bench.py --quick    # a smaller run (demo seed, 2,000 visits, 50 devices)

What it does, all on 127.0.0.1:

- installs pouchdb-server (pinned, from the npm registry) into bench/.work/pouchdb
  and starts it with LevelDB storage under bench/.work;
- builds a fresh Linli SQLite database under bench/.work (migrations, the demo
  seed) and starts a real gunicorn on it;
- measures, with the same documents on both sides where there are two sides
  (a year of weekly visits to the 304 households of worker1's grid, ids in
  time order), after a warm-up of 2,000 of them on both sides, one client,
  Linli's and pouchdb-server's requests in blocks taken in turn, A B B A A B B A,
  the machine quiet before each block (see `in_blocks`):
  1. push of N visit creates in batches of 500 (POST /api/v1/sync/push vs _bulk_docs);
  2. pull of those N changes in pages of 1,000 (GET /api/v1/sync/pull vs _changes?include_docs=true);
  3. the initial pull of one grid (its households, residents and a year of weekly visits):
     server time and gzipped bytes;
  4. the raw sqlite3 executemany ceiling for the same visit rows, same table, one transaction;
  5. a morning storm: D devices each push a day's work and pull, at once, through
     gunicorn, on SQLite and on a throwaway PostgreSQL database: p50, p95, errors;
- prints the figures and ratios side by side, writes them to bench/.work/results.json,
  stops everything it started and drops the PostgreSQL database.

It never asserts on time. It exits 1 if the storm had errors (or a workload
failed), 0 otherwise."""

import argparse
import atexit
import contextlib
import gzip
import http.client
import json
import os
import platform
import random
import secrets
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / ".work"
BIN = ROOT / ".venv" / "bin"
POUCHDB_SERVER_VERSION = "4.2.0"  # `npm view pouchdb-server version`, pinned
PASSWORD = "demo-pass-2026"
BATCH = 500
PAGE = 1000
CST = timezone(timedelta(hours=8))

NOTES = ["老人身体状况良好，按时服药。", "家中无人，已电话联系。", "反映楼道灯坏了，已报修。",
         "独居老人，情绪稳定，冰箱有食物。", "孩子放学后由奶奶照看，作业完成情况一般。", "低保材料已收齐，下周送街道。",
         "腿脚不便，需要上门送药。", "邻里纠纷已调解，双方同意。", "燃气表检查正常。", "询问了就业意向，推荐了招聘会。"]
FINDINGS = ["health_ok", "needs_medicine", "home_safety", "loneliness", "income", "housing", "children", "disability"]


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- processes ---------------------------------------------------------------------------

class Server:
    """A process this benchmark started, in its own process group, stopped by its id."""

    running: list["Server"] = []

    def __init__(self, name: str, args: list, cwd: Path, env: dict, logfile: Path):
        self.name = name
        self.logfile = logfile
        self.handle = open(logfile, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen([str(a) for a in args], cwd=cwd, env=env, stdout=self.handle,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        Server.running.append(self)

    def stop(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        self.handle.close()
        if self in Server.running:
            Server.running.remove(self)

    def check(self) -> None:
        if self.proc.poll() is not None:
            tail = self.logfile.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"{self.name} exited ({self.proc.returncode}):\n{tail}")


def stop_all() -> None:
    for server in list(Server.running):
        server.stop()


def run(args: list, env: dict | None = None, timeout: float = 600, logfile: Path | None = None) -> str:
    """Run a command to completion within `timeout`; its output goes to `logfile` and is returned."""
    started = time.perf_counter()
    result = subprocess.run([str(a) for a in args], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=timeout, check=False)
    output = result.stdout + result.stderr
    if logfile:
        with open(logfile, "a") as handle:
            handle.write(f"$ {' '.join(map(str, args))}\n{output}\n")
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, args))} failed ({result.returncode}):\n{output[-3000:]}")
    log(f"  {Path(str(args[0])).name} {' '.join(map(str, args[1:4]))}… {time.perf_counter() - started:.1f} s")
    return result.stdout


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- HTTP --------------------------------------------------------------------------------

@dataclass
class Reply:
    status: int
    headers: dict
    raw_bytes: int  # the body as transferred (gzipped when the server compressed it)
    body: bytes  # inflated
    seconds: float

    def json(self):
        return json.loads(self.body)


class Http:
    """A keep-alive HTTP/1.1 client on 127.0.0.1 that reports transferred bytes.
    gunicorn's sync workers close every connection; then it reconnects."""

    def __init__(self, port: int, timeout: float = 120):
        self.port, self.timeout = port, timeout
        self.conn: http.client.HTTPConnection | None = None
        self.last_used = 0.0

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None) -> Reply:
        if self.conn is not None and time.monotonic() - self.last_used > 1.0:
            self.close()  # never reuse an idle connection the server may have dropped
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        sent = {"Accept": "application/json", "Accept-Encoding": "gzip"}
        if body is not None:
            sent["Content-Type"] = "application/json"
        sent.update(headers or {})
        started = time.perf_counter()
        try:
            self.conn.request(method, path, body=body, headers=sent)
            response = self.conn.getresponse()
            raw = response.read()
        except Exception:
            self.close()
            raise
        seconds = time.perf_counter() - started
        reply_headers = {k.lower(): v for k, v in response.getheaders()}
        if response.will_close:
            self.close()
        self.last_used = time.monotonic()
        inflated = gzip.decompress(raw) if reply_headers.get("content-encoding") == "gzip" else raw
        return Reply(response.status, reply_headers, len(raw), inflated, seconds)


def wait_ready(server: Server, port: int, path: str, deadline: float = 60) -> None:
    limit = time.monotonic() + deadline
    while time.monotonic() < limit:
        server.check()
        try:
            reply = Http(port, timeout=5).request("GET", path)
            if reply.status < 500:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{server.name} did not answer on port {port} within {deadline:.0f} s")


def dumps(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


# --- the workload ------------------------------------------------------------------------

def iso(moment: datetime) -> str:
    return moment.astimezone(CST).isoformat(timespec="seconds")


def visit_data(rng: random.Random, household_id: str, visited_at: datetime) -> dict:
    data = {"household_id": household_id, "visited_at": iso(visited_at), "notes": rng.choice(NOTES),
            "findings": rng.sample(FINDINGS, rng.randint(0, 2)), "follow_up": rng.random() < 0.1,
            "photos": [secrets.token_hex(32)] if rng.random() < 0.2 else [],
            "location": {"lat": round(36.65 + rng.uniform(-0.02, 0.02), 6),
                         "lng": round(117.12 + rng.uniform(-0.02, 0.02), 6), "accuracy": rng.choice([5.0, 12.0, 30.0])}}
    return data


def uuid7() -> str:
    """A time-ordered UUID (version 7, RFC 9562), as the protocol's examples
    ("0193…") and offline clients use for ids: 48 bits of Unix milliseconds,
    then random bits."""
    millis = time.time_ns() // 1_000_000
    rand = secrets.randbits(74)
    value = (millis << 80) | (0x7 << 76) | ((rand >> 62) << 64) | (0b10 << 62) | (rand & ((1 << 62) - 1))
    return str(uuid.UUID(int=value))


NEW_ID = uuid7


def mutation(data: dict, client_time: datetime) -> dict:
    return {"id": NEW_ID(), "collection": "visits", "record_id": NEW_ID(), "op": "create",
            "action": None, "base_version": None, "data": data, "client_time": iso(client_time)}


def year_of_visits(rng: random.Random, households: list[str], weeks: int = 52) -> list[dict]:
    """A visit to every household every week for a year, oldest first, as mutations."""
    start = datetime.now(UTC) - timedelta(days=7 * weeks)
    out = []
    for week in range(weeks):
        for index, household in enumerate(households):
            visited = start + timedelta(days=7 * week + index % 5, hours=1 + (index * 7) % 9,
                                        minutes=rng.randint(0, 59))
            out.append(mutation(visit_data(rng, household, visited), visited + timedelta(minutes=3)))
    return out


def as_pouch_doc(m: dict) -> dict:
    return {"_id": m["record_id"], "collection": m["collection"], "client_time": m["client_time"], **m["data"]}


# --- Linli -------------------------------------------------------------------------------

class Linli:
    """A Linli database (SQLite file or PostgreSQL) and a gunicorn serving it."""

    def __init__(self, name: str, database_url: str, workdir: Path, workers: int, threads: int):
        self.name, self.database_url, self.workdir = name, database_url, workdir
        self.workers, self.threads = workers, threads
        self.env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": secrets.token_urlsafe(32),
                    "LINLI_FIELD_KEY": secrets.token_urlsafe(32), "LINLI_SECURE_COOKIES": "0",
                    "PYTHONDONTWRITEBYTECODE": "1"}
        self.setup_log = workdir / "setup.log"
        self.server: Server | None = None
        self.port = 0

    def prepare(self, scale: str, storm_users: int) -> list[dict]:
        log(f"{self.name}: migrations and the demo seed ({scale})")
        run([BIN / "flask", "--app", "wsgi", "db", "upgrade", "-d", "backend/migrations"], self.env, 300,
            self.setup_log)
        run([BIN / "flask", "--app", "wsgi", "seed-demo", "--reset", "--scale", scale], self.env, 1200, self.setup_log)
        out = run([BIN / "python", "bench/linli_admin.py", "storm-users", "--count", storm_users], self.env, 300,
                  self.setup_log)
        return json.loads(out.strip().splitlines()[-1])["devices"]

    def start(self) -> None:
        self.port = free_port()
        args = [BIN / "gunicorn", "-w", self.workers, "-b", f"127.0.0.1:{self.port}"]
        if self.threads > 1:
            args += ["--threads", self.threads]
        self.server = Server(f"gunicorn ({self.name})", [*args, "wsgi:app"], ROOT, self.env,
                             self.workdir / "gunicorn.log")
        wait_ready(self.server, self.port, "/healthz")
        log(f"{self.name}: gunicorn -w {self.workers}{f' --threads {self.threads}' if self.threads > 1 else ''} "
            f"on 127.0.0.1:{self.port}")

    def stop(self) -> None:
        if self.server:
            self.server.stop()
            self.server = None


class Device:
    """One signed-in device speaking SYNC_PROTOCOL.md."""

    def __init__(self, port: int, username: str, device_id: str | None = None, token: str = ""):
        self.http = Http(port)
        self.username = username
        self.device_id = device_id or str(uuid.uuid4())
        self.token = token
        self.cursor = ""
        self.households: list[str] = []

    def sign_in(self) -> Reply:
        reply = self.http.request("POST", "/api/v1/auth/token", dumps(
            {"username": self.username, "password": PASSWORD, "device_id": self.device_id,
             "device_name": "bench"}))
        if reply.status != 201:
            raise RuntimeError(f"sign-in of {self.username}: {reply.status} {reply.body[:300]!r}")
        self.token = reply.json()["token"]
        return reply

    @property
    def auth(self) -> dict:
        return {"Authorization": f"Bearer {self.token}"}

    def push_body(self, mutations: list) -> bytes:
        return dumps({"device_id": self.device_id, "schema_version": 1, "mutations": mutations})

    def push(self, body: bytes) -> Reply:
        return self.http.request("POST", "/api/v1/sync/push", body, self.auth)

    def pull_page(self, limit: int = PAGE) -> Reply:
        query = urllib.parse.urlencode({"cursor": self.cursor, "limit": limit})
        return self.http.request("GET", f"/api/v1/sync/pull?{query}", headers=self.auth)

    def pull_all(self, limit: int = PAGE, max_pages: int = 1000, on_page=None) -> list[Reply]:
        """Pull until has_more is false; returns the replies."""
        replies = []
        for _ in range(max_pages):
            reply = self.pull_page(limit)
            if reply.status != 200:
                raise RuntimeError(f"pull of {self.username}: {reply.status} {reply.body[:300]!r}")
            page = reply.json()
            replies.append(reply)
            if on_page:
                on_page(page)
            for change in page["changes"]:
                if change["collection"] == "households" and not change["deleted"]:
                    self.households.append(change["id"])
            self.cursor = page["cursor"]
            if not page["has_more"]:
                return replies
        raise RuntimeError("pull never finished")


def check_results(reply: Reply, expected: int) -> int:
    """How many of a push's results are not `applied` (0 when all are)."""
    if reply.status != 200:
        raise RuntimeError(f"push: {reply.status} {reply.body[:500]!r}")
    results = reply.json()["results"]
    bad = [r for r in results if r.get("status") != "applied" or r.get("duplicate")]
    if len(results) != expected or bad:
        raise RuntimeError(f"push: {len(results)} results, {len(bad)} not applied: {bad[:2]}")
    return 0


# --- pouchdb-server ----------------------------------------------------------------------

class Pouch:
    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.prefix = WORK / "pouchdb"
        self.server: Server | None = None
        self.port = 0

    def install(self) -> None:
        binary = self.prefix / "node_modules" / ".bin" / "pouchdb-server"
        manifest = self.prefix / "node_modules" / "pouchdb-server" / "package.json"
        if binary.exists() and manifest.exists() and \
                json.loads(manifest.read_text()).get("version") == POUCHDB_SERVER_VERSION:
            return
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError("npm is not installed")
        log(f"installing pouchdb-server@{POUCHDB_SERVER_VERSION} into {self.prefix.relative_to(ROOT)}")
        self.prefix.mkdir(parents=True, exist_ok=True)
        run([npm, "install", "--prefix", self.prefix, f"pouchdb-server@{POUCHDB_SERVER_VERSION}", "--no-audit",
             "--no-fund"], timeout=900, logfile=self.workdir / "npm.log")

    def start(self) -> None:
        data = self.workdir / "data"
        data.mkdir(parents=True, exist_ok=True)
        config = self.workdir / "config.json"
        config.write_text(json.dumps({"log": {"file": str(self.workdir / "pouchdb.log"), "level": "error"}}))
        self.port = free_port()
        binary = self.prefix / "node_modules" / ".bin" / "pouchdb-server"
        # LevelDB storage (the default; no --in-memory, no --sqlite), stdout logs off.
        self.server = Server("pouchdb-server", [binary, "--port", self.port, "--host", "127.0.0.1", "--dir", data,
                                                "--config", config, "--no-stdout-logs"],
                             self.workdir, dict(os.environ), self.workdir / "stdout.log")
        wait_ready(self.server, self.port, "/")
        info = Http(self.port).request("GET", "/").json()
        log(f"pouchdb-server {info.get('version')} ({', '.join(info.get('pouchdb-adapters', []))}) "
            f"on 127.0.0.1:{self.port}")

    def stop(self) -> None:
        if self.server:
            self.server.stop()
            self.server = None


# --- measurements ------------------------------------------------------------------------

def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


# Each workload of 1 and 2 is a generator that makes one request per step
# and fills its `out` dict at the end. `in_blocks` runs the Linli and the
# pouchdb-server generators in blocks of a quarter of their requests, A B B A
# A B B A (five pushes of Linli's, five of pouchdb-server's, five more of
# pouchdb-server's, five of Linli's, and again), waiting before each block
# until the machine is quiet, and counts the time spent in each side's
# requests (the request and the client's own work on it). Each server's
# deferred work (LevelDB's compactions, V8's collector, SQLite's checkpoints)
# then weighs on its own requests, not on the other server's; the A B B A
# order, repeated, spreads over both sides alike a machine that slows down
# and speeds up for seconds at a time (this one does, by up to half).
# `alternate` (--in-turn) runs them request by request in turn instead, with
# no wait: there pouchdb-server's background work after each _bulk_docs
# lands in Linli's next push, which took 50-54 ms in turn against 35 ms
# measured alone on the same machine (27 November 2026).

def quiet(limit: float = 10.0, window: float = 0.2) -> float:
    """Wait until the machine has been all but idle (at most 20 ms of CPU on
    all cores together) for `window` seconds; the seconds waited."""
    started = time.perf_counter()

    def busy() -> int:
        with open("/proc/stat") as stat:
            fields = [int(v) for v in stat.readline().split()[1:8]]
        user, nice, system, _idle, _iowait, irq, softirq = fields
        return user + nice + system + irq + softirq

    before = busy()
    while time.perf_counter() - started < limit:
        time.sleep(window)
        after = busy()
        if after - before <= 2:  # jiffies of 10 ms
            break
        before = after
    return time.perf_counter() - started


def timed_steps(step, count: int) -> tuple[float, bool]:
    """Run up to `count` more steps of a step generator; the seconds spent, and whether it is done."""
    spent = 0.0
    for _ in range(count):
        started = time.perf_counter()
        try:
            next(step)
        except StopIteration:
            return spent + time.perf_counter() - started, True
        spent += time.perf_counter() - started
    return spent, False


def in_blocks(steps: list, size: int) -> list[float]:
    """Run step generators in blocks of `size` steps, A B B A A B B A … until
    all are done, the machine quiet before each block; the seconds spent in
    each. Each is first run to its first yield untimed (the set-up: bodies built)."""
    for step in steps:
        next(step)
    spent = [0.0] * len(steps)
    live = set(range(len(steps)))
    forward = True
    while live:
        for k in (range(len(steps)) if forward else reversed(range(len(steps)))):
            if k in live:
                quiet()
                seconds, done = timed_steps(steps[k], size)
                spent[k] += seconds
                if done:
                    live.discard(k)
        forward = not forward
    return spent


def alternate(*steps) -> list[float]:
    """Run step generators in turn, one step each; the seconds spent in each.
    Each is first run to its first yield untimed (the set-up: bodies built)."""
    for step in steps:
        next(step)
    spent = [0.0] * len(steps)
    live = list(range(len(steps)))
    while live:
        for k in list(live):
            started = time.perf_counter()
            try:
                next(steps[k])
            except StopIteration:
                live.remove(k)
            spent[k] += time.perf_counter() - started
    return spent


IN_TURN = False  # --in-turn
METHODS = {False: "in quiet blocks, A B B A A B B A", True: "in turn"}


def measure(*pairs, steps: int = 2) -> None:
    """Run (steps, out) pairs, in blocks (in turn with --in-turn), `steps` the
    requests each side makes; put seconds and docs/s in each out."""
    generators = [generator for generator, _out in pairs]
    spent = alternate(*generators) if IN_TURN else in_blocks(generators, max(1, steps // 4))
    for (_steps, out), seconds in zip(pairs, spent, strict=True):
        out["seconds"] = seconds
        out["docs_per_s"] = out["docs"] / seconds


def _summary(out: dict, replies: list, docs: int, **extra) -> None:
    out.update(docs=docs, requests=len(replies), server_seconds=sum(r.seconds for r in replies),
               request_ms=[round(r.seconds * 1000, 1) for r in replies], raw_bytes=sum(r.raw_bytes for r in replies),
               json_bytes=sum(len(r.body) for r in replies), **extra)


def push_linli(device: Device, mutations: list, out: dict):
    bodies = [device.push_body(mutations[i:i + BATCH]) for i in range(0, len(mutations), BATCH)]
    replies = []
    yield
    for body, start in zip(bodies, range(0, len(mutations), BATCH), strict=True):
        reply = device.push(body)
        check_results(reply, min(BATCH, len(mutations) - start))
        replies.append(reply)
        yield
    _summary(out, replies, len(mutations), request_bytes=sum(map(len, bodies)))


def push_pouch(http: Http, db: str, docs: list, out: dict):
    bodies = [dumps({"docs": docs[i:i + BATCH]}) for i in range(0, len(docs), BATCH)]
    replies = []
    yield
    for body in bodies:
        reply = http.request("POST", f"/{db}/_bulk_docs", body)
        if reply.status != 201:
            raise RuntimeError(f"_bulk_docs: {reply.status} {reply.body[:300]!r}")
        bad = [r for r in reply.json() if not r.get("ok")]
        if bad:
            raise RuntimeError(f"_bulk_docs: {len(bad)} failed: {bad[:2]}")
        replies.append(reply)
        yield
    _summary(out, replies, len(docs), request_bytes=sum(map(len, bodies)))


def pull_linli(device: Device, expected_ids: set, out: dict):
    """Pull until has_more is false, like Device.pull_all, a page a step."""
    seen: set = set()
    replies = []
    changes = 0
    yield
    for _ in range(1000):
        reply = device.pull_page(PAGE)
        if reply.status != 200:
            raise RuntimeError(f"pull: {reply.status} {reply.body[:300]!r}")
        page = reply.json()
        replies.append(reply)
        changes += len(page["changes"])
        seen.update(c["id"] for c in page["changes"] if c["collection"] == "visits")
        device.cursor = page["cursor"]
        yield
        if not page["has_more"]:
            break
    missing = len(expected_ids - seen)
    if missing:
        raise RuntimeError(f"pull: {missing} pushed visits missing")
    _summary(out, replies, changes)


def pull_pouch(http: Http, db: str, since, expected: int, out: dict):
    replies = []
    docs = 0
    yield
    while True:
        reply = http.request("GET", f"/{db}/_changes?include_docs=true&limit={PAGE}&since={since}")
        if reply.status != 200:
            raise RuntimeError(f"_changes: {reply.status} {reply.body[:300]!r}")
        replies.append(reply)
        page = reply.json()
        docs += sum(1 for r in page["results"] if r.get("doc"))
        since = page["last_seq"]
        yield
        if len(page["results"]) < PAGE or docs >= expected:
            break
    if docs < expected:
        raise RuntimeError(f"_changes: {docs} of {expected} documents")
    _summary(out, replies, docs)


def run_alone(steps_factory, *args) -> dict:
    out: dict = {}
    measure((steps_factory(*args, out), out))
    return out


def bench_initial_pull(port: int, username: str) -> dict:
    device = Device(port, username)
    device.sign_in()
    counts: dict[str, int] = {}

    def on_page(page):
        for change in page["changes"]:
            counts[change["collection"]] = counts.get(change["collection"], 0) + 1

    started = time.perf_counter()
    replies = device.pull_all(PAGE, on_page=on_page)
    wall = time.perf_counter() - started
    return {"pages": len(replies), "records": sum(counts.values()), "by_collection": counts,
            "server_seconds": sum(r.seconds for r in replies), "wall_seconds": wall,
            "gzip_bytes": sum(r.raw_bytes for r in replies), "json_bytes": sum(len(r.body) for r in replies)}


def sqlite_ceiling(database: Path, record_ids: list[str], target: Path) -> dict:
    """sqlite3 executemany of the very rows Linli stored, into the same table
    (its DDL and indexes copied), with Linli's pragmas, in one transaction."""
    source = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    ddl = [sql for (sql,) in source.execute(
        "SELECT sql FROM sqlite_master WHERE tbl_name = 'visits' AND sql IS NOT NULL ORDER BY type DESC")]
    columns = [row[1] for row in source.execute("PRAGMA table_info(visits)")]
    rows = []
    for i in range(0, len(record_ids), 500):
        chunk = record_ids[i:i + 500]
        rows += source.execute(f"SELECT * FROM visits WHERE id IN ({','.join('?' * len(chunk))})",
                               chunk).fetchall()
    source.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    conn = sqlite3.connect(target, isolation_level=None)
    conn.execute("PRAGMA page_size=16384")  # as backend/sqlite.py makes a new database
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    for statement in ddl:
        conn.execute(statement)
    insert = f"INSERT INTO visits ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    started = time.perf_counter()
    conn.execute("BEGIN")
    conn.executemany(insert, rows)
    conn.execute("COMMIT")
    seconds = time.perf_counter() - started
    conn.close()
    return {"rows": len(rows), "seconds": seconds, "rows_per_s": len(rows) / seconds, "indexes": len(ddl) - 1}


@dataclass
class StormFigures:
    push: list = field(default_factory=list)
    pull: list = field(default_factory=list)
    sync: list = field(default_factory=list)
    errors: list = field(default_factory=list)


def storm(port: int, accounts: list[dict], visits: int, pool: int, deadline: float) -> dict:
    """The storm accounts' devices (each signed in, with a token of its own)
    make their initial sync (set-up, not measured); then all at once each
    pushes a day's visits and pulls until has_more is false. Measured: each
    push, each pull request, each device's whole sync."""
    fleet = [Device(port, a["username"], a["device_id"], a["token"]) for a in accounts]
    devices = len(fleet)
    with ThreadPoolExecutor(pool) as executor:
        started = time.perf_counter()
        list(executor.map(lambda d: d.pull_all(PAGE), fleet))
        log(f"  {devices} initial syncs ({time.perf_counter() - started:.1f} s)")
    rng = random.Random(7)
    morning = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3)
    bodies = []
    for device in fleet:
        if not device.households:
            raise RuntimeError(f"{device.username} has no households")
        batch = [mutation(visit_data(rng, rng.choice(device.households), morning + timedelta(minutes=20 * k)),
                          morning + timedelta(minutes=20 * k + 2)) for k in range(visits)]
        bodies.append((device, device.push_body(batch), {m["record_id"] for m in batch}))
    figures = StormFigures()
    lock = threading.Lock()
    gate = threading.Event()
    stop_at = time.monotonic() + deadline

    def one(device: Device, body: bytes, record_ids: set):
        gate.wait()
        began = time.perf_counter()
        try:
            reply = device.push(body)
            with lock:
                figures.push.append(reply.seconds)
            check_results(reply, len(record_ids))
            seen = set()
            for _ in range(100):
                if time.monotonic() > stop_at:
                    raise TimeoutError("storm deadline")
                page_reply = device.pull_page(PAGE)
                with lock:
                    figures.pull.append(page_reply.seconds)
                if page_reply.status != 200:
                    raise RuntimeError(f"pull: {page_reply.status} {page_reply.body[:200]!r}")
                page = page_reply.json()
                seen.update(c["id"] for c in page["changes"])
                device.cursor = page["cursor"]
                if not page["has_more"]:
                    break
            if record_ids - seen:
                raise RuntimeError(f"pull after push misses {len(record_ids - seen)} of the device's own visits")
            with lock:
                figures.sync.append(time.perf_counter() - began)
        except Exception as exc:  # counted and reported, never hidden
            with lock:
                figures.errors.append(f"{device.username}: {type(exc).__name__}: {str(exc)[:200]}")

    with ThreadPoolExecutor(pool) as executor:
        futures = [executor.submit(one, *item) for item in bodies]
        started = time.perf_counter()
        gate.set()
        for future in as_completed(futures, timeout=deadline + 60):
            future.result()
        wall = time.perf_counter() - started
    ms = 1000
    return {"devices": devices, "accounts": len({a["username"] for a in accounts}), "visits_per_device": visits,
            "pool": pool, "wall_seconds": wall, "requests": len(figures.push) + len(figures.pull),
            "push_p50_ms": percentile(figures.push, 50) * ms, "push_p95_ms": percentile(figures.push, 95) * ms,
            "pull_p50_ms": percentile(figures.pull, 50) * ms, "pull_p95_ms": percentile(figures.pull, 95) * ms,
            "sync_p50_ms": percentile(figures.sync, 50) * ms, "sync_p95_ms": percentile(figures.sync, 95) * ms,
            "sync_max_ms": max(figures.sync, default=float("nan")) * ms,
            "errors": len(figures.errors), "error_samples": figures.errors[:5]}


# --- PostgreSQL --------------------------------------------------------------------------

def pg_create(admin_url: str) -> tuple[str, str, str]:
    import psycopg

    name = f"linli_bench_{secrets.token_hex(5)}"
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        version = admin.execute("SHOW server_version").fetchone()[0]
    base = admin_url.rsplit("/", 1)[0]
    return f"{base}/{name}", name, version


def pg_drop(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- the run -----------------------------------------------------------------------------

def machine() -> dict:
    cpu = platform.processor() or ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
            "sqlite": sqlite3.sqlite_version, "platform": platform.platform()}


def _options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="demo-sized seed, 2,000 visits, 50 devices")
    parser.add_argument("--docs", type=int, help="visits pushed and pulled in 1 and 2 (default 10,000)")
    parser.add_argument("--devices", type=int, help="devices in the storm (default 200)")
    parser.add_argument("--storm-visits", type=int, default=10, help="visits each storm device pushes")
    parser.add_argument("--pool", type=int, default=50, help="client threads in the storm")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker")
    parser.add_argument("--weeks", type=int, default=52, help="weeks of visits in the grid of workload 3")
    parser.add_argument("--warmup", type=int, default=None,
                        help="visits pushed (and pulled) on both sides before measuring, to warm caches and JITs "
                             "(default 2,000; 1,000 with --quick)")
    parser.add_argument("--no-pouchdb", action="store_true", help="skip pouchdb-server (no ratios)")
    parser.add_argument("--in-turn", action="store_true",
                        help="measure 1 and 2 request by request in turn, not in quiet blocks (the earlier method)")
    parser.add_argument("--no-postgres", action="store_true", help="skip the storm on PostgreSQL")
    parser.add_argument("--no-storm", action="store_true", help="skip the storm (workload 5)")
    parser.add_argument("--pg-admin",
                        default=os.environ.get("LINLI_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres"),
                        help="PostgreSQL admin URL on 127.0.0.1 (a database linli_bench_<random> is created, "
                             "then dropped)")
    parser.add_argument("--storm-deadline", type=float, default=300, help="seconds the storm may take")
    args = parser.parse_args()
    global IN_TURN
    IN_TURN = args.in_turn
    args.docs = args.docs or (2000 if args.quick else 10_000)
    args.devices = args.devices or (50 if args.quick else 200)
    args.scale = "demo" if args.quick else "city"
    if args.warmup is None:
        args.warmup = 1000 if args.quick else 2000
    for kind, url in (("pg-admin", args.pg_admin),):
        host = urllib.parse.urlsplit(url).hostname
        if host not in ("127.0.0.1", "localhost", "::1"):
            parser.error(f"--{kind} must point at 127.0.0.1")

    return args


def _workloads_1_and_2(args, results, worker, pouch, warm, first) -> None:
    """The warm-up, then 1. push and 2. pull, against pouchdb-server unless --no-pouchdb."""
    docs = args.docs
    # Warm-up, the same on both sides: push the first visits, pull them.
    ph = Http(pouch.port) if not args.no_pouchdb else None
    if ph:
        reply = ph.request("PUT", "/visits")
        if reply.status != 201:
            raise RuntimeError(f"PUT /visits: {reply.status} {reply.body[:200]!r}")
    if warm:
        results["warmup_linli"] = run_alone(push_linli, worker, warm)
        worker.pull_all(PAGE)
        if ph:
            results["warmup_pouch"] = run_alone(push_pouch, ph, "visits", [as_pouch_doc(m) for m in warm])
            run_alone(pull_pouch, ph, "visits", 0, len(warm))
    since = ph.request("GET", "/visits").json().get("update_seq", 0) if ph else 0

    # 1. push, and 2. pull of those changes from the cursor (the seq) taken before the push;
    # in blocks A B B A (or request by request in turn).
    log(f"1. push {docs:,} visits in batches of {BATCH}")
    results["push_linli"], results["push_pouch"] = ours, theirs = {}, {}
    pairs = [(push_linli(worker, first, ours), ours)]
    if ph:
        pairs.append((push_pouch(ph, "visits", [as_pouch_doc(m) for m in first], theirs), theirs))
    measure(*pairs, steps=-(-docs // BATCH))
    log(f"   Linli: {ours['docs_per_s']:,.0f} docs/s"
        + (f"; pouchdb-server: {theirs['docs_per_s']:,.0f} docs/s" if ph else ""))
    log(f"2. pull {docs:,} changes in pages of {PAGE}")
    results["pull_linli"], results["pull_pouch"] = ours, theirs = {}, {}
    pairs = [(pull_linli(worker, {m["record_id"] for m in first}, ours), ours)]
    if ph:
        pairs.append((pull_pouch(ph, "visits", since, docs, theirs), theirs))
    measure(*pairs, steps=docs // PAGE + 1)
    log(f"   Linli: {ours['docs_per_s']:,.0f} docs/s"
        + (f"; pouchdb-server: {theirs['docs_per_s']:,.0f} docs/s" if ph else ""))
    if not ph:
        del results["push_pouch"], results["pull_pouch"]


def _storm_on_postgres(args, results, run_dir, pg: dict) -> None:
    """5. the storm on PostgreSQL, in a database made for it (its name in `pg`, to drop)."""
    if not args.no_postgres and not args.no_storm:
        url, pg["name"], pg_version = pg_create(args.pg_admin)
        results["machine"]["postgresql"] = pg_version
        pg_dir = run_dir / "linli-postgres"
        pg_dir.mkdir()
        linli_pg = Linli("Linli/PostgreSQL", url, pg_dir, args.workers, args.threads)
        try:
            pg_users = linli_pg.prepare(args.scale, args.devices)
            linli_pg.start()
            log(f"5. storm: {args.devices} devices on PostgreSQL")
            results["storm_postgres"] = storm(linli_pg.port, pg_users, args.storm_visits, args.pool,
                                              args.storm_deadline)
            log(f"   errors: {results['storm_postgres']['errors']}")
        finally:
            linli_pg.stop()


def main() -> int:
    args = _options()
    docs, devices, scale = args.docs, args.devices, args.scale

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    atexit.register(stop_all)
    run_dir = WORK / "run"
    if run_dir.exists():
        shutil.rmtree(run_dir)
    run_dir.mkdir(parents=True)
    results: dict = {"machine": machine(), "options": {"docs": docs, "devices": devices, "scale": scale,
                                                      "warmup": args.warmup,
                                                      "method": METHODS[args.in_turn],
                                                      "workers": args.workers, "threads": args.threads,
                                                      "batch": BATCH, "page": PAGE,
                                                      "storm_visits": args.storm_visits, "pool": args.pool},
                     "pouchdb_server": POUCHDB_SERVER_VERSION}
    failures = []
    pg: dict = {}  # the PostgreSQL database made for the storm, if any
    rng = random.Random(2026)
    pouch = Pouch(run_dir / "pouchdb")
    pouch.workdir.mkdir(parents=True)
    sqlite_dir = run_dir / "linli-sqlite"
    sqlite_dir.mkdir()
    sqlite_file = sqlite_dir / "linli.sqlite3"
    linli = Linli("Linli/SQLite", f"sqlite:///{sqlite_file}", sqlite_dir, args.workers, args.threads)
    try:
        if not args.no_pouchdb:
            pouch.install()
            pouch.start()
        storm_accounts = linli.prepare(scale, devices)
        linli.start()

        # worker1's first device: the initial sync gives the cursor before the push and the grid's households.
        worker = Device(linli.port, "worker1")
        worker.sign_in()
        worker.pull_all(PAGE)
        households = list(dict.fromkeys(worker.households))
        for _ in range(4):
            Http(linli.port).request("GET", "/api/v1/sync/status", headers=worker.auth)
        year = year_of_visits(rng, households, args.weeks)
        while len(year) < args.warmup + docs:
            year += year_of_visits(rng, households, args.weeks)
        warm, first, rest = year[:args.warmup], year[args.warmup:args.warmup + docs], year[args.warmup + docs:]
        log(f"worker1's grid: {len(households)} households; {len(year):,} visits in the year: "
            f"{len(warm):,} to warm up, {len(first):,} for workloads 1-2, {len(rest):,} more for 3")

        _workloads_1_and_2(args, results, worker, pouch, warm, first)

        # 4. the executemany ceiling for the same rows (before the grid gets more visits)
        log(f"4. sqlite3 executemany of the same {docs:,} rows")
        results["ceiling"] = sqlite_ceiling(sqlite_file, [m["record_id"] for m in first], run_dir / "ceiling.sqlite3")
        log(f"   {results['ceiling']['rows_per_s']:,.0f} rows/s")

        # 3. the rest of the year through the engine's push, then a new device's initial pull
        if rest:
            log(f"3. seeding the rest of the year: {len(rest):,} visits through the push")
            results["seed_push"] = run_alone(push_linli, worker, rest)
        log("3. initial pull of worker1's grid on a new device")
        results["initial_pull"] = bench_initial_pull(linli.port, "worker1")
        ip = results["initial_pull"]
        log(f"   {ip['records']:,} records in {ip['pages']} pages, {ip['server_seconds']:.2f} s, "
            f"{ip['gzip_bytes'] / 1024:,.0f} KiB gzipped")

        # 5. the storm, SQLite
        if not args.no_storm:
            log(f"5. storm: {devices} devices on SQLite")
            results["storm_sqlite"] = storm(linli.port, storm_accounts, args.storm_visits, args.pool,
                                            args.storm_deadline)
            log(f"   errors: {results['storm_sqlite']['errors']}")
        linli.stop()
        pouch.stop()

        _storm_on_postgres(args, results, run_dir, pg)
    except Exception as exc:
        failures.append(f"{type(exc).__name__}: {exc}")
        log(f"FAILED: {type(exc).__name__}: {exc}")
    finally:
        stop_all()
        if pg.get("name"):
            try:
                pg_drop(args.pg_admin, pg["name"])
            except Exception as exc:  # report, do not hide
                failures.append(f"dropping {pg['name']}: {exc}")
    results["failures"] = failures
    (WORK / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print_report(results)
    storm_errors = sum(results.get(k, {}).get("errors", 0) for k in ("storm_sqlite", "storm_postgres"))
    return 1 if failures or storm_errors else 0


# --- the report --------------------------------------------------------------------------

def _n(value, digits=0) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def _median(values):
    return statistics.median(values) if values else None


def _ratio(a, b) -> str:
    return "—" if not a or not b else f"{a / b:.2f}×"


def print_report(r: dict) -> None:
    m, o = r["machine"], r["options"]
    lines = ["", "Linli sync benchmark", "=" * 20,
             f"machine: {m['cpu']}, {m['cores']} cores; Python {m['python']}, SQLite {m['sqlite']}"
             + (f", PostgreSQL {m['postgresql']}" if m.get("postgresql") else ""),
             f"Linli: gunicorn -w {o['workers']}" + (f" --threads {o['threads']}" if o["threads"] > 1 else "")
             + f", seed {o['scale']}; pouchdb-server {r['pouchdb_server']} (LevelDB); one client, 127.0.0.1",
             f"workloads 1-2 measured {o.get('method', 'in turn')}", ""]
    head = f"{'workload':<46}{'Linli':>16}{'pouchdb-server':>18}{'ratio':>9}{'target':>9}"
    lines += [head, "-" * len(head)]
    for key, label in (("push", f"1. push {o['docs']:,} visits, batches of {o['batch']}"),
                       ("pull", f"2. pull {o['docs']:,} changes, pages of {o['page']}")):
        ours, theirs = r.get(f"{key}_linli", {}), r.get(f"{key}_pouch", {})
        lines.append(f"{label:<46}{_n(ours.get('docs_per_s')) + ' docs/s':>16}"
                     f"{_n(theirs.get('docs_per_s')) + ' docs/s':>18}"
                     f"{_ratio(ours.get('docs_per_s'), theirs.get('docs_per_s')):>9}{'≥ 2×':>9}")
    for key in ("push", "pull"):
        ours, theirs = r.get(f"{key}_linli", {}), r.get(f"{key}_pouch", {})
        lines.append(f"{'   time in requests (' + key + ')':<46}{_n(ours.get('seconds'), 2) + ' s':>16}"
                     f"{_n(theirs.get('seconds'), 2) + ' s':>18}")
        a, b = _median(ours.get("request_ms")), _median(theirs.get("request_ms"))
        lines.append(f"{'   median request (' + key + ')':<46}{_n(a) + ' ms':>16}{_n(b) + ' ms':>18}"
                     f"{_ratio(b, a):>9}")
    if r.get("pull_linli"):
        ours, theirs = r["pull_linli"], r.get("pull_pouch", {})
        lines.append(f"{'   pull bytes transferred (gzip)':<46}{_n(ours['raw_bytes'] / 1024) + ' KiB':>16}"
                     f"{_n(theirs['raw_bytes'] / 1024 if theirs else None) + ' KiB':>18}")
    ip = r.get("initial_pull")
    if ip:
        by = ", ".join(f"{k} {v:,}" for k, v in ip["by_collection"].items())
        lines += ["", f"3. initial pull of one grid ({by})",
                  f"   {ip['records']:,} records in {ip['pages']} pages: server time {ip['server_seconds']:.2f} s, "
                  f"{ip['gzip_bytes'] / 1024:,.0f} KiB gzipped ({ip['json_bytes'] / 1024:,.0f} KiB of JSON)"]
        if r.get("seed_push"):
            lines.append(f"   (the year's other {r['seed_push']['docs']:,} visits were pushed through the engine at "
                         f"{r['seed_push']['docs_per_s']:,.0f} docs/s)")
    c = r.get("ceiling")
    if c:
        push = r.get("push_linli", {}).get("docs_per_s")
        lines += ["", f"4. sqlite3 executemany ceiling, same {c['rows']:,} rows, same table ({c['indexes']} indexes), "
                      f"one transaction",
                  f"   {c['rows_per_s']:,.0f} rows/s ({c['seconds'] * 1000:.0f} ms); Linli's push reaches "
                  f"{(push or 0) / c['rows_per_s'] * 100:.1f}% of it ({_ratio(c['rows_per_s'], push)} below)"]
    storms = [(name, r.get(key)) for name, key in (("SQLite", "storm_sqlite"), ("PostgreSQL", "storm_postgres"))]
    storms = [(n, s) for n, s in storms if s]
    if storms:
        s0 = storms[0][1]
        lines += ["", f"5. morning storm: {s0['devices']} devices ({s0['accounts']} grid workers) each push "
                      f"{s0['visits_per_device']} visits then pull, all at once ({s0['pool']} client threads)",
                  f"   {'':<12}{'push p50/p95 ms':>18}{'pull p50/p95 ms':>18}{'sync p50/p95 ms':>18}"
                  f"{'wall s':>9}{'errors':>8}"]
        for name, s in storms:
            lines.append(f"   {name:<12}{_n(s['push_p50_ms']) + ' / ' + _n(s['push_p95_ms']):>18}"
                         f"{_n(s['pull_p50_ms']) + ' / ' + _n(s['pull_p95_ms']):>18}"
                         f"{_n(s['sync_p50_ms']) + ' / ' + _n(s['sync_p95_ms']):>18}"
                         f"{s['wall_seconds']:>9.1f}{s['errors']:>8}")
            for sample in s["error_samples"]:
                lines.append(f"      ! {sample}")
    if r["failures"]:
        lines += ["", "FAILURES:"] + [f"   {f}" for f in r["failures"]]
    lines.append("")
    print("\n".join(lines), flush=True)


if __name__ == "__main__":
    sys.exit(main())
