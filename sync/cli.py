"""The sync engine's commands: `flask --app wsgi sync-purge [--days N]`,
`flask --app wsgi apply-retention` (daily, from cron; sync/retention.py) and `strip-photos`."""

from datetime import timedelta

import click
from flask.cli import with_appcontext

from backend.extensions import db
from sync import retention
from sync.attachments import restrip
from sync.maintenance import purge_tombstones


@click.command("sync-purge")
@click.option("--days", default=180, show_default=True, help="keep tombstones this many days")
@with_appcontext
def purge_command(days):
    """Purge old tombstones (devices that last synced before them start over)."""
    count = purge_tombstones(db.session, timedelta(days=days))
    db.session.commit()
    click.echo(f"purged {count} tombstones older than {days} days")


@click.command("apply-retention")
@click.option("--batch", default=retention.BATCH, show_default=True, type=click.IntRange(1, 100000),
              help="records handled per transaction")
@with_appcontext
def retention_command(batch):
    """Let go of what is past its retention period (run daily; a second run finds nothing)."""
    try:
        retention.periods()
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    counts = retention.apply(db.session, batch=batch, checkpoint=db.session.commit)
    db.session.commit()
    click.echo(", ".join(f"{name}: {count}" for name, count in counts.items()))


@click.command("strip-photos")
@with_appcontext
def strip_photos_command():
    """Strip metadata (EXIF, GPS...) from photos stored before it was stripped at upload; idempotent."""
    changed, after = 0, ""
    while after is not None:
        count, after = restrip(db.session, after)
        db.session.commit()  # a batch at a time: photos are large
        changed += count
    click.echo(f"stripped {changed} photos")
