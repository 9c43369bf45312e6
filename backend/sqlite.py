"""SQLite connection settings: WAL (readers never block the writer), foreign
keys, a generous busy timeout so a writer queues for the lock, and a WAL
checkpointed every 10,000 pages.

pysqlite's default transaction handling is kept on purpose: reads outside a
write run in autocommit, and a transaction begins at its first write, which
takes the database's write lock right away. Every write path starts its
transaction with a write (the push with its device row, a page with its
change-feed stamp), so no transaction ever upgrades a stale read snapshot,
and readers need no snapshot: the pull bounds every query by the space
versions it read first (sync/pull.py)."""

from sqlalchemy import event
from sqlalchemy.engine import Engine

_installed = False


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
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        # Checkpoint the WAL into the database every ~40 MB instead of ~4 MB: a
        # push of 500 visits dirties ~1.5 MB of pages (most of them the same
        # household-index pages, push after push), so a checkpoint came every
        # few pushes, copying and syncing those pages again each time.
        cursor.execute("PRAGMA wal_autocheckpoint=10000")
        cursor.close()
