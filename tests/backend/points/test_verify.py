"""verify: a clean ledger has no problems; a reward's stock out of step with its redemptions is found."""

from sqlalchemy import update

from backend.extensions import db
from backend.points import verify
from backend.points.models import Reward
from tests.factories import RedemptionFactory


def test_a_clean_ledger_and_a_tampered_stock(ctx):
    redemption = RedemptionFactory(status="fulfilled")
    db.session.commit()
    assert verify.problems(db.session) == []
    assert verify.summary(db.session)["entries"] > 0
    table = Reward.__table__
    db.session.execute(update(table).where(table.c.id == redemption.reward_id).values(stock_available=9))
    db.session.commit()
    assert any("in stock" in line for line in verify.problems(db.session))
