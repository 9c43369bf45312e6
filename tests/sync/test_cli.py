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


def test_strip_photos_strips_what_was_stored_before_and_is_idempotent(world, app):
    from sync.attachments import strip_metadata
    from sync.models import Attachment
    from tests.factories import AttachmentFactory
    from tests.sync.test_attachments import jpeg, png

    with_gps, plain = jpeg(), png()
    old = [AttachmentFactory(data=data, content_type=kind) for data, kind in ((with_gps, "image/jpeg"),
                                                                            (plain, "image/png"))]
    db.session.commit()
    names = [a.sha256 for a in old]
    result = app.test_cli_runner().invoke(args=["strip-photos"])
    assert result.exit_code == 0 and "stripped 1 photos" in result.output, result.output
    db.session.expire_all()
    stored = db.session.get(Attachment, names[0])
    assert stored.data == strip_metadata(with_gps, "image/jpeg") and b"PhoneMaker" not in stored.data
    assert stored.size == len(stored.data) and db.session.get(Attachment, names[1]).data == plain
    assert "stripped 0 photos" in app.test_cli_runner().invoke(args=["strip-photos"]).output


def test_strip_photos_walks_every_batch(world, app):
    from sync.attachments import restrip
    from tests.factories import AttachmentFactory
    from tests.sync.test_attachments import jpeg

    for shade in range(3):
        AttachmentFactory(data=jpeg((shade * 80, 0, 0)), content_type="image/jpeg")
    db.session.commit()
    changed, after = restrip(db.session, "", batch=2)
    assert changed == 2 and after is not None
    assert restrip(db.session, after, batch=2) == (1, None)
