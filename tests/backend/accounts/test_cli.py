"""`flask create-user` (backend/accounts/cli.py): an account from the command line,
trusted (no actor), saved; refused input is named field by field on stderr
with exit code 2 and nothing written."""

from sqlalchemy import func, select

from backend.auth.models import User
from backend.auth.passwords import verify_password
from backend.extensions import db


def create_user(app, *args):
    return app.test_cli_runner().invoke(args=["create-user", *args])


def test_creates_a_scoped_account_that_is_saved(world, app):
    result = create_user(app, "--username", "newworker", "--display-name", "新网格员", "--role", "grid_worker",
                         "--scope", world.G1.id, "--scope", world.G2.id, "--password", "long-enough-pass-2026")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == "created newworker (grid_worker)"
    db.session.expire_all()
    made = db.session.scalar(select(User).where(User.username == "newworker"))
    assert (made.display_name, made.role, made.status) == ("新网格员", "grid_worker", "active")
    assert {node.id for node in made.scope_nodes} == {world.G1.id, world.G2.id}
    assert verify_password(made.password_hash, "long-enough-pass-2026")


def test_a_resident_needs_a_household(world, app):
    result = create_user(app, "--username", "res2", "--display-name", "居民", "--role", "resident",
                         "--household", world.H2.id, "--password", "long-enough-pass-2026")
    assert result.exit_code == 0, result.stderr
    made = db.session.scalar(select(User).where(User.username == "res2"))
    assert (made.household_id, made.community_id) == (world.H2.id, world.C1.id)


def test_refusals_name_each_field_and_write_nothing(world, app):
    before = db.session.scalar(select(func.count(User.id)))
    result = create_user(app, "--username", "staff1", "--display-name", "重名", "--role", "mayor",
                         "--password", "long-enough-pass-2026")
    assert result.exit_code == 2
    fields = {line.split(":", 1)[0] for line in result.stderr.splitlines() if ":" in line}
    assert {"username", "role"} <= fields
    assert "created" not in result.stdout
    result = create_user(app, "--username", "lonely", "--display-name", "居民", "--role", "resident",
                         "--password", "long-enough-pass-2026")
    assert result.exit_code == 2 and result.stderr.startswith("household_id:")
    db.session.expire_all()
    assert db.session.scalar(select(func.count(User.id))) == before
