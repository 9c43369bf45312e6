"""The sharing community's command: `flask --app wsgi sharing-sweep` (run from cron)."""

import click
from flask.cli import with_appcontext

from backend.extensions import db
from backend.sharing.exchanges import sweep


@click.command("sharing-sweep")
@with_appcontext
def sweep_command():
    """Remind before loans are due, flag overdue loans, close exchanges done 7 days ago (run from cron)."""
    counts = sweep(db.session)
    db.session.commit()
    click.echo(f"{counts['reminded']} reminded, {counts['overdue']} overdue, {counts['closed']} closed")
