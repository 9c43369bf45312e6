import click
from flask.cli import with_appcontext


@click.command("seed-demo")
@click.option("--reset", is_flag=True, help="wipe every table first")
@click.option("--scale", type=click.Choice(["demo", "city"]), default="demo")
@with_appcontext
def seed_demo_command(reset, scale):
    """Build the demo city. (Being built out.)"""
    raise click.ClickException("not built yet")
