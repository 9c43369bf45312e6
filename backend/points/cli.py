"""`flask points verify`: the ledger's tamper evidence, checked (backend/points/verify.py)."""

import time

import click
from flask.cli import AppGroup

from backend.extensions import db
from backend.points import verify as checks

points_command = AppGroup("points", help="The points bank (积分银行).")


@points_command.command("verify")
def verify_command():
    """Check every account's hash chain and balance, every transaction's sum and every reward's stock."""
    started = time.perf_counter()
    found = checks.problems(db.session)
    counts = checks.summary(db.session)
    db.session.commit()  # a read-only command: end the transaction it read in
    for line in found:
        click.echo(line, err=True)
    elapsed = time.perf_counter() - started
    click.echo(f"{counts['accounts']} accounts, {counts['transactions']} transactions, {counts['entries']} entries "
               f"checked in {elapsed:.2f} s: " + (f"{len(found)} problems" if found else "all good"))
    if found:
        click.get_current_context().exit(1)
