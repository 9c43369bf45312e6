"""SQLite as Linli serves it: the WAL checkpointer copies committed pages
into the database file from its own thread, so no writer has to; a worker
keeps one hot connection with a large page cache."""

import sqlite3
import time

import pytest
from sqlalchemy import create_engine, text

from backend.extensions import db
from backend.sqlite import WAL_LIMIT, Checkpointer, install
from tests.conftest import DB_KIND


def _writer(path):
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA wal_autocheckpoint=0")  # this writer never checkpoints itself
    return connection


def _rows_in_the_file(path):
    try:
        copy = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
        try:
            return copy.execute("SELECT count(*) FROM notes").fetchone()[0]
        finally:
            copy.close()
    except sqlite3.DatabaseError:  # not there yet, or caught halfway through a checkpoint
        return None


def test_committed_pages_reach_the_database_file_without_the_writer(tmp_path):
    path = str(tmp_path / "linli.sqlite3")
    writer = _writer(path)
    writer.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    writer.execute("BEGIN")
    writer.executemany("INSERT INTO notes (body) VALUES (?)", [("记录" * 200,) for _ in range(2000)])
    writer.execute("COMMIT")
    database = tmp_path / "linli.sqlite3"
    before = database.stat().st_size
    assert (tmp_path / "linli.sqlite3-wal").stat().st_size > 1_000_000  # it is all in the WAL still
    checkpointer = Checkpointer(path, every=0.05).start()
    try:
        # Done when a reader of the database file alone (ignoring the WAL)
        # sees every committed row (a checkpoint in progress may show a part)
        # and the turn that copied them has returned (the rows can be in the
        # file a moment before the checkpoint call returns and is counted).
        deadline = time.monotonic() + 20
        while (_rows_in_the_file(path) != 2000 or checkpointer.turns < 1) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _rows_in_the_file(path) == 2000
        assert database.stat().st_size > before + 1_000_000
        assert checkpointer.turns >= 1
    finally:
        checkpointer.stop()
        writer.close()
    assert not checkpointer._thread.is_alive()


@pytest.mark.skipif(DB_KIND != "sqlite", reason="SQLite's connection settings")
def test_a_worker_reuses_its_hot_connection_and_its_page_cache(ctx):
    """The pool hands out the connection returned last (a request's next
    push finds its pages cached), each connection caches 32 MiB, and the
    database is made of 16 KiB pages."""
    engine = db.engine
    first, second = engine.connect(), engine.connect()
    first_dbapi, second_dbapi = first.connection.dbapi_connection, second.connection.dbapi_connection
    assert first_dbapi is not second_dbapi
    first.close()
    second.close()  # returned last
    again = engine.connect()
    try:
        assert again.connection.dbapi_connection is second_dbapi
        assert again.exec_driver_sql("PRAGMA cache_size").scalar() == -32768
        # a new database is made of 16 KiB pages; a writer checkpoints itself past 40 MiB of WAL
        assert again.exec_driver_sql("PRAGMA page_size").scalar() == 16384
        assert again.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == WAL_LIMIT // 16384
    finally:
        again.close()


def test_an_existing_database_keeps_its_page_size(tmp_path):
    """A database made before 16 KiB pages keeps its 4 KiB pages, and opens and
    writes as before; its WAL limit is counted in its own pages."""
    path = tmp_path / "old.sqlite3"
    old = sqlite3.connect(path)
    old.execute("PRAGMA page_size=4096")
    old.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    old.commit()
    old.close()
    install()
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO notes (body) VALUES ('记录')"))
            assert connection.execute(text("PRAGMA page_size")).scalar() == 4096
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert connection.execute(text("PRAGMA wal_autocheckpoint")).scalar() == WAL_LIMIT // 4096
        with engine.connect() as connection:
            assert connection.execute(text("SELECT body FROM notes")).scalar() == "记录"
    finally:
        engine.dispose()
