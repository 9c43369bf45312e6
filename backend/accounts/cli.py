"""The flask command create-user: an account made from the command line (trusted: no scope
check), for the first administrator of a deployment."""

import click
from flask.cli import with_appcontext


@click.command("create-user")
@click.option("--username", required=True)
@click.option("--display-name", required=True)
@click.option("--role", required=True)
@click.option("--scope", "scope_ids", multiple=True, help="node id (repeat for several grids)")
@click.option("--household", "household_id", default=None)
@click.password_option()
@with_appcontext
def create_user_command(username, display_name, role, scope_ids, household_id, password):
    """Create an account (trusted: no scope check)."""
    from backend.accounts.services import create_user
    from backend.errors import Invalid
    from backend.extensions import db

    try:
        user = create_user(None, username=username, display_name=display_name, password=password, role=role,
                           scope_ids=list(scope_ids), household_id=household_id)
    except Invalid as exc:
        for field, messages in exc.errors.items():
            click.echo(f"{field}: {' '.join(messages)}", err=True)
        raise SystemExit(2) from None
    db.session.commit()
    click.echo(f"created {user.username} ({user.role})")
