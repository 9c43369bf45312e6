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


def test_apply_retention_commits_and_prints_each_kinds_count(world, app):
    from datetime import timedelta

    from backend import clock
    from backend.audit.models import AuditEntry
    from backend.auth.models import SignInAttempt
    from tests.factories import SignInAttemptFactory

    for _ in range(3):
        SignInAttemptFactory(at=clock.now() - timedelta(days=91))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["apply-retention", "--batch", "2"])
    assert result.exit_code == 0 and "sign_in_attempts: 3" in result.output and "visit_photos: 0" in result.output
    db.session.expire_all()
    assert db.session.scalar(select(SignInAttempt.id)) is None
    assert db.session.scalars(select(AuditEntry.action)).all() == ["apply_retention"]
    result = app.test_cli_runner().invoke(args=["apply-retention"])
    assert "sign_in_attempts: 0" in result.output


def test_apply_retention_refuses_unknown_kinds(world, app, monkeypatch):
    monkeypatch.setitem(app.config, "RETENTION_DAYS", {"photos": 30})
    result = app.test_cli_runner().invoke(args=["apply-retention"])
    assert result.exit_code == 2 and "unknown retention kinds: photos" in result.output
    result = app.test_cli_runner().invoke(args=["apply-retention", "--batch", "0"])
    assert result.exit_code == 2
