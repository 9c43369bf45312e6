"""`flask points verify`: exit 0 on a clean ledger; prints what is wrong and exits non-zero otherwise."""

from sqlalchemy import update

from backend.extensions import db
from backend.points.models import PointsEntry
from tests.factories import PointsEntryFactory


def test_verify_passes_then_finds_a_tampered_entry(ctx, app):
    entry = PointsEntryFactory(amount=40)
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["points", "verify"])
    assert result.exit_code == 0, result.output
    assert "all good" in result.output
    table = PointsEntry.__table__
    db.session.execute(update(table).where(table.c.id == entry.id).values(amount=4000))
    db.session.commit()
    result = runner.invoke(args=["points", "verify"])
    assert result.exit_code == 1
    assert entry.id in result.output and "altered" in result.output
