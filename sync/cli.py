"""The sync engine's commands: `flask --app wsgi sync-purge [--days N]`."""

from datetime import timedelta

import click
from flask.cli import with_appcontext

from backend.extensions import db
from sync.maintenance import purge_tombstones


@click.command("sync-purge")
@click.option("--days", default=180, show_default=True, help="keep tombstones this many days")
@with_appcontext
def purge_command(days):
    """Purge old tombstones (devices that last synced before them start over)."""
    count = purge_tombstones(db.session, timedelta(days=days))
    db.session.commit()
    click.echo(f"purged {count} tombstones older than {days} days")
