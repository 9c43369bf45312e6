"""The requests' command: `flask --app wsgi requests-sweep` (run from cron)."""

import click
from flask.cli import with_appcontext

from backend.extensions import db
from backend.requests.sweep import sweep


@click.command("requests-sweep")
@with_appcontext
def sweep_command():
    """Flag overdue requests, escalate them, close resolved ones nobody rated (run from cron)."""
    counts = sweep(db.session)
    db.session.commit()
    click.echo(f"{counts['overdue']} overdue, {counts['auto_escalated']} escalated automatically, "
               f"{counts['closed']} closed without a rating")
