"""The demo city: `flask --app wsgi seed-demo [--reset] [--scale demo|city]`."""

import time

import click
from flask.cli import with_appcontext

from backend.sensitive import keys as sensitive

ROLE_NAMES = {
    "admin": "admin", "district_officer": "district officer", "street_officer": "street officer",
    "community_staff": "community staff", "grid_worker": "grid worker", "station_operator": "station operator",
    "resident": "resident", "volunteer": "volunteer",
}


@click.command("seed-demo")
@click.option("--reset", is_flag=True, help="Empty every table first (built-in care tags are kept).")
@click.option("--scale", type=click.Choice(["demo", "city"]), default="demo", show_default=True,
              help="demo: about 600 households; city: as large as seed 001 (77,095 households), for benchmarks.")
@click.option("--seed", type=int, default=None, help="Random seed (the same seed builds the same city).")
@with_appcontext
def seed_demo_command(reset, scale, seed):
    """Build the demo city and the demo accounts."""
    from backend.extensions import db
    from backend.seed import demo

    if demo.has_data() and not reset:
        raise click.ClickException(
            "The database already has data (places or accounts); nothing was changed. "
            "Run `flask --app wsgi seed-demo --reset` to empty it and build the demo city.")
    missing = demo.missing_tags()
    if missing:
        raise click.ClickException(f"Built-in care tags are missing ({', '.join(missing)}): "
                                   "run `flask --app wsgi db upgrade -d backend/migrations` first.")
    started = time.perf_counter()
    if reset:
        demo.wipe()
        db.session.commit()
        click.echo(f"Emptied every table ({time.perf_counter() - started:.1f} s).")
    plan = demo.PRESETS[scale](demo.DEFAULT_SEED if seed is None else seed)
    if scale == "city":
        click.echo(f"Building a city of {plan.households:,} households and {plan.residents:,} residents…")
    summary = demo.build(plan, echo=click.echo if scale == "city" else None, checkpoint=db.session.commit)
    db.session.commit()
    _print_summary(summary, summary.seconds)


def _print_summary(summary, seconds: float) -> None:
    counts = summary.counts
    plan = summary.plan
    villages = sum(c.kind == "village" for c in plan.communities)
    click.echo("")
    click.echo(f"Built {plan.district} (seed {plan.seed}) in {seconds:.1f} s:")
    click.echo(f"  {_n(counts.get('street', 0), 'street')}, {_n(counts.get('community', 0), 'community')} "
               f"({counts.get('community', 0) - villages} urban, {_n(villages, 'village')}), "
               f"{_n(counts.get('grid', 0), 'grid')}, {_n(counts.get('building', 0), 'building')}, "
               f"{_n(counts.get('station', 0), 'rural service station')}")
    click.echo(f"  {counts['households']:,} households, {counts['residents']:,} residents")
    click.echo("  households by care tag: " + ", ".join(f"{code} {n}" for code, n in summary.tag_counts.items()))
    click.echo("  residents by care tag: " + ", ".join(f"{code} {n}" for code, n in summary.person_tag_counts.items()))
    work = summary.fieldwork
    if work:
        history = f"over the past {work['weeks']} weeks" if work["weeks"] else "(no history at this scale)"
        click.echo(f"  field work {history}: {work['visits']:,} visits, {work['patrol_reports']:,} patrol reports; "
                   f"{work['open_tasks']:,} open visit tasks, {work['overdue_tasks']:,} overdue")
    if work and "requests" in work:
        click.echo(f"  requests: {work['requests']} in the first communities, {work['departments']} partner "
                   "departments")
    shown = plan.communities[:4]
    click.echo("  invitation codes: " + ", ".join(f"{c.name} {summary.invite_codes[c.name]}" for c in shown))
    click.echo("")
    click.echo(f"Demo accounts (password for all: {_password()}):")
    for user in summary.accounts:
        if user["status"] == "pending":
            where = f"registration pending: {sensitive.decrypt(user['claimed_address_enc'])}"
        elif user["role"] == "resident":
            where = "household of " + user["display_name"]
        else:
            where = ", ".join(summary.scopes.get(user["username"], [])) or "everything"
        click.echo(f"  {user['username']:<12} {ROLE_NAMES[user['role']]:<17} {user['display_name']:<6} {where}")


def _n(count: int, noun: str) -> str:
    if count == 1:
        return f"1 {noun}"
    return f"{count:,} " + (noun[:-1] + "ies" if noun.endswith("y") else noun + "s")


def _password() -> str:
    from backend.seed.demo import PASSWORD

    return PASSWORD
