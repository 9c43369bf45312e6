"""`flask notices-count`: the area's own command."""

import click
from flask.cli import with_appcontext
from sqlalchemy import func, select

from backend.extensions import db
from tests.area_example.models import Notice


@click.command("notices-count")
@with_appcontext
def count_command():
    """How many notices there are."""
    click.echo(db.session.scalar(select(func.count()).select_from(Notice)))
