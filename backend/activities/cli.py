"""Activities' command: `flask --app wsgi activities-sweep` (run from cron)."""

import click
from flask.cli import with_appcontext

from backend.activities.attendance import sweep
from backend.extensions import db


@click.command("activities-sweep")
@with_appcontext
def sweep_command():
    """Expire unanswered offers (the next in line is offered), remind the day before, close attendance of
    ended activities and post volunteers' hours (idempotent)."""
    counts = sweep(db.session)
    db.session.commit()
    click.echo(f"{counts['expired']} offers expired, {counts['reminded']} reminded, {counts['closed']} closed, "
               f"{counts['hours_posted']} hours posted")
