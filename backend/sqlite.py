"""SQLite connection settings: WAL (readers never block the writer), foreign
keys, a generous busy timeout so a writer queues for the lock, a WAL
checkpointed past 40 MiB, 16 KiB pages and a 32 MiB page cache.

pysqlite's default transaction handling is kept on purpose: reads outside a
write run in autocommit, and a transaction begins at its first write, which
takes the database's write lock right away. Every write path starts its
transaction with a write (the push with its device row, a page with its
change-feed stamp), so no transaction ever upgrades a stale read snapshot,
and readers need no snapshot: the pull bounds every query by the space
versions it read first (sync/pull.py)."""

import sqlite3
import threading
import time

from sqlalchemy import event
from sqlalchemy.engine import Engine

_installed = False
WAL_LIMIT = 40 * 1024 * 1024  # bytes of WAL past which a writer checkpoints itself


def install() -> None:
    global _installed
    if _installed:
        return
    _installed = True

    @event.listens_for(Engine, "connect")
    def _connect(dbapi_connection, _record):
        if not type(dbapi_connection).__module__.startswith("sqlite3"):
            return
        cursor = dbapi_connection.cursor()
        # 16 KiB pages for a new database (an existing one keeps its own): a
        # push of 500 visits dirties ~480 pages of 4 KiB, most of them leaves
        # of the household index and the photos' index scattered by their
        # random keys, and each dirty page costs two writes to the WAL and one
        # more at the checkpoint. With 16 KiB pages the same rows dirty about
        # a third as many: a push took 1.7-2.4 ms less (of ~35) on the same
        # machine, both measured in one process, in turn.
        cursor.execute("PRAGMA page_size=16384")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        # A writer checkpoints the WAL into the database itself only past
        # 40 MiB: the serving process's checkpointer (below) does it between
        # requests. At SQLite's default (1,000 pages) a push of 500 visits,
        # which dirties ~2 MB of pages, set off a checkpoint every few pushes,
        # copying and syncing the same household-index pages each time.
        page_size = cursor.execute("PRAGMA page_size").fetchone()[0]
        cursor.execute(f"PRAGMA wal_autocheckpoint={WAL_LIMIT // page_size}")
        # 32 MiB of page cache, not SQLite's 2 MiB: a push of 500 visits
        # touches ~500 pages (the household index's scattered leaves, the
        # photos' index), which at 2 MiB spilled and were read back, ~1,900
        # reads from the OS a push; with this cache and a hot connection
        # (the LIFO pool, backend/__init__.py) ~220. Pages are cached as
        # they are read: a connection grows only as far as it is used.
        cursor.execute("PRAGMA cache_size=-32768")
        cursor.close()


class Checkpointer:
    """Copies the WAL into the database from a thread of its own, off the
    request path: a commit never waits for a checkpoint, and the WAL stays
    small. PASSIVE checkpoints never block readers or writers; they copy what
    no reader still needs and leave the rest for the next turn. One per
    serving process (started by wsgi.py), on its own connection."""

    def __init__(self, path: str, every: float = 1.0):
        self.path, self.every = path, every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sqlite-checkpointer", daemon=True)
        self.turns = 0

    def start(self) -> "Checkpointer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def checkpoint(self, connection) -> tuple:
        """(busy, frames in the WAL, frames checkpointed), as SQLite reports them."""
        return connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()

    def _run(self) -> None:
        connection = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        try:
            connection.execute("PRAGMA busy_timeout=0")
            while not self._stop.wait(self.every):
                try:
                    self.checkpoint(connection)
                except sqlite3.Error:
                    time.sleep(self.every)  # busy or gone for a moment: the next turn tries again
                self.turns += 1
        finally:
            connection.close()


def start_checkpointer(app) -> Checkpointer | None:
    """The checkpointer of the app's SQLite database; None on PostgreSQL."""
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if not uri.startswith("sqlite:///") or uri.endswith(":memory:"):
        return None
    return Checkpointer(uri[len("sqlite:///"):]).start()
