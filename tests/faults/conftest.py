"""A real Linli under gunicorn on 127.0.0.1, against the test database, for
fault tests: its workers can be killed with SIGKILL mid-request and the
master respawns them. Plus an HTTP client with the Flask test client's
interface, so tests.sync.conftest.Device speaks to it over real sockets."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).parent / "gunicorn"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # "pid (comm) state ppid …": comm may hold spaces and parentheses.
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(entry.name))
    return found


class Server:
    """gunicorn -w N wsgi:app on a free port of 127.0.0.1."""

    def __init__(self, database_url: str, workers: int, log_path: Path):
        self.database_url = database_url
        self.workers = workers
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        env = os.environ | {
            "DATABASE_URL": self.database_url,
            "SECRET_KEY": "test-secret",
            "LINLI_SECURE_COOKIES": "0",
        }
        self._log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [str(GUNICORN), "-w", str(self.workers), "-b", f"127.0.0.1:{self.port}", "--chdir", str(ROOT),
             "--timeout", "120", "--graceful-timeout", "5", "wsgi:app"],
            cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT)
        self.wait_ready()

    def worker_pids(self) -> list[int]:
        return _children(self.process.pid) if self.process else []

    def wait_ready(self, timeout: float = 60) -> None:
        """Until the master runs all its workers and one of them answers."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}; see {self.log_path}")
            if len(self.worker_pids()) >= self.workers:
                try:
                    if requests.get(self.url + "/healthz", timeout=5).status_code == 200:
                        return
                except requests.RequestException:
                    pass
            time.sleep(0.05)
        raise RuntimeError(f"gunicorn did not come up in {timeout} s; see {self.log_path}")

    def kill_workers(self) -> list[int]:
        """SIGKILL every worker: whatever they were doing stops dead."""
        pids = self.worker_pids()
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        return pids

    def stop(self) -> None:
        if self.process is None:
            return
        workers = self.worker_pids()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)
        for pid in workers:  # a worker orphaned by a master that died first
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self._log.close()
        self.process = None



@pytest.fixture(autouse=True)
def _clock():
    """A server in another process or a real browser reads the wall clock, so these
    tests keep it too, and build their data relative to it (tests/timing.py)."""
    from backend import clock

    clock.run_from(None)
    yield
    clock.run_from(None)

@pytest.fixture
def server(app, database_url, tmp_path):
    """A gunicorn with two workers over the test database. Tests build their
    data (the `world` fixture) in the test process and commit it first."""
    running = Server(database_url, workers=2, log_path=tmp_path / "gunicorn.log")
    try:
        running.start()
        yield running
    finally:
        running.stop()


class HttpResponse:
    def __init__(self, response: requests.Response):
        self.response = response
        self.status_code = response.status_code

    def get_json(self):
        return self.response.json()


class HttpClient:
    """The test client's `post(path, json=, headers=)` and
    `get(path, query_string=, headers=)`, over real HTTP. One per thread."""

    def __init__(self, base_url: str, timeout: float = 60):
        self.base_url, self.timeout = base_url, timeout
        self.session = requests.Session()

    def post(self, path, json=None, headers=None):
        return HttpResponse(self.session.post(self.base_url + path, json=json, headers=headers,
                                              timeout=self.timeout))

    def get(self, path, query_string=None, headers=None):
        return HttpResponse(self.session.get(self.base_url + path, params=query_string, headers=headers,
                                             timeout=self.timeout))
