"""The sync engine's command (sync/cli.py): `sync-purge` keeps 180 days unless told, and commits."""

from sqlalchemy import select

from backend.extensions import db
from sync.changefeed import reserve
from sync.models import Tombstone
from tests.sync.test_maintenance import horizon, tombstone


def test_the_command_keeps_180_days_unless_told(world, app):
    c1 = world.C1.id
    reserve(db.session, c1, 10)
    tombstone(c1, 1, 181, "old")
    tombstone(c1, 2, 179, "young")
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["sync-purge"])
    assert result.exit_code == 0 and "purged 1 tombstones older than 180 days" in result.output
    db.session.expire_all()
    assert db.session.scalars(select(Tombstone.record_id)).all() == ["young"]
    result = app.test_cli_runner().invoke(args=["sync-purge", "--days", "30"])
    assert "purged 1 tombstones older than 30 days" in result.output
    db.session.expire_all()
    assert db.session.scalar(select(Tombstone.id)) is None and horizon(c1) == 3
