"""The pull notes itself for the status endpoint without ever waiting for the
write lock, and leaves no pooled connection unable to wait (SQLite)."""

import pytest
from sqlalchemy import select

from backend.extensions import db
from sync.models import SyncDevice
from tests.conftest import DB_KIND

pytestmark = pytest.mark.skipif(DB_KIND != "sqlite", reason="SQLite's busy timeout is per connection")


def test_no_pooled_connection_is_left_unable_to_wait_for_the_lock(world, device, app):
    phone = device("worker1")
    with app.app_context():
        # A few idle connections in the pool: a pragma set on one and reset on
        # another would leave one behind that gives up on a lock at once.
        held = [db.engine.connect() for _ in range(3)]
        for conn in held:
            conn.close()
    phone.pull()
    with app.app_context():
        pool = db.engine.pool
        idle = [db.engine.connect() for _ in range(pool.checkedin())]
        try:
            timeouts = [conn.exec_driver_sql("PRAGMA busy_timeout").scalar() for conn in idle]
        finally:
            for conn in idle:
                conn.close()
        assert len(timeouts) >= 3 and set(timeouts) == {30000}
        noted = db.session.scalars(select(SyncDevice.last_pull_at)).all()
        assert noted and all(noted)
