"""`flask --app wsgi generate-visit-tasks [--community ID] [--date YYYY-MM-DD]`: run daily (cron or a timer)."""

import click
from flask.cli import with_appcontext

from backend.extensions import db


@click.command("generate-visit-tasks")
@click.option("--community", "community_ids", multiple=True, help="community id (repeat; default: every community)")
@click.option("--date", "day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="generate as of this local date (default: today)")
@with_appcontext
def generate_visit_tasks_command(community_ids, day):
    """Create, update and cancel visit tasks from each community's visit rules."""
    from backend.fieldwork.visits import services

    today = day.date() if day else services.local_today()
    found = services.communities(community_ids or None)
    missing = set(community_ids) - {c.id for c in found}
    if missing:
        raise click.ClickException(f"No such community: {', '.join(sorted(missing))}")
    totals = services.Generated()
    for community in found:
        result = services.generate_tasks(community, today)
        db.session.commit()  # one transaction per community: a long run holds no lock for long
        for name in ("created", "updated", "cancelled", "completed"):
            setattr(totals, name, getattr(totals, name) + getattr(result, name))
        if result:
            click.echo(f"{community.name}: {result.created} created, {result.updated} updated, "
                       f"{result.cancelled} cancelled, {result.completed} completed")
    click.echo(f"{len(found)} communities as of {today.isoformat()}: {totals.created} tasks created, "
               f"{totals.updated} updated, {totals.cancelled} cancelled, {totals.completed} completed")
