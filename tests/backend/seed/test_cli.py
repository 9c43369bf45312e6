"""`flask seed-demo` (backend/seed/cli.py): the real command against the test
database: its refusals, --reset, and the summary it prints."""

from sqlalchemy import func, select

from backend.auth.models import User
from backend.extensions import db
from backend.org.models import Node
from backend.registry.models import CareTag
from backend.seed import cli, demo
from tests.backend.seed.seeding import nodes, seed, seeded, snapshot


def test_the_summary_names_the_accounts_and_a_second_run_is_refused(ctx):
    # One build of the demo city for both (it is the slowest thing the suite builds).
    result = seeded(ctx)
    assert f"Demo accounts (password for all: {demo.PASSWORD}):" in result.output
    lines = result.output.splitlines()
    for username, *_ in demo.ACCOUNTS:
        assert any(line.split()[:1] == [username] for line in lines), username
    assert "2 streets, 4 communities (3 urban, 1 village)" in result.output
    assert "1 rural service station" in result.output
    before = snapshot()
    again = seed(ctx)
    assert again.exit_code != 0
    assert "already has data" in again.output
    db.session.expire_all()
    assert snapshot() == before


def test_refuses_when_only_accounts_exist(ctx):
    from tests.factories import user

    user("someone", "admin")
    db.session.commit()
    result = seed(ctx)
    assert result.exit_code != 0 and "already has data" in result.output
    assert db.session.scalar(select(func.count(Node.id))) == 0


def test_reset_empties_everything_and_rebuilds_the_same_city(ctx):
    seeded(ctx)
    before = snapshot()
    staff = db.session.scalar(select(User).where(User.username == "staff1"))
    db.session.add(CareTag(code="flood_risk", name_zh_hans="防汛", name_zh_hant="防汛", name_en="Flood risk",
                           sensitive=False, builtin=False))
    db.session.add(Node(id="00000000-0000-4000-8000-000000000001", kind="district", name="别的区",
                        path="/00000000-0000-4000-8000-000000000001/"))
    staff.display_name = "改过的名字"
    db.session.commit()

    result = seed(ctx, "--reset")
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.get(CareTag, "flood_risk") is None
    assert db.session.scalar(select(func.count(CareTag.code))) == len(demo.BUILTIN_TAGS)
    assert [d.name for d in nodes("district")] == ["临河区"]
    assert db.session.scalar(select(User.display_name).where(User.username == "staff1")) == "王芳"
    assert snapshot() == before  # same seed, same city (same ids)
    assert "Emptied every table" in result.output


def test_refuses_without_the_builtin_care_tags_and_changes_nothing(ctx):
    tag = db.session.get(CareTag, "disabled")
    kept = {column.name: getattr(tag, column.name) for column in CareTag.__table__.columns}
    db.session.delete(tag)
    db.session.commit()
    try:
        result = seed(ctx)
        assert result.exit_code != 0
        assert "Built-in care tags are missing (disabled)" in result.output
        assert snapshot()["nodes"] == 0 and snapshot()["users"] == 0
    finally:  # the migrations' tag: every later test expects it
        db.session.add(CareTag(**kept))
        db.session.commit()


def test_counts_are_spelled_with_their_plural():
    assert cli._n(1, "street") == "1 street"
    assert cli._n(2, "street") == "2 streets"
    assert cli._n(12_345, "community") == "12,345 communities"
    assert cli._n(0, "grid") == "0 grids"
