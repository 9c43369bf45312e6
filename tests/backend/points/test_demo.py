"""The points bank's part of the demo city, on the test world: funded pools, catalogues with
stock, a year of earnings, redemptions in every state, donations of every kind; all verifying."""

from sqlalchemy import select

from backend.extensions import db
from backend.points import demo, services, verify
from backend.points.models import Donation, Pairing, Redemption, Reward


def test_the_demo_ledger_is_a_year_of_activity_that_verifies(world):
    counts = demo.populate(7)
    db.session.commit()
    assert counts["points_rewards"] == len(demo.CATALOGUE) * 2  # C1 and C2 have staff; the village has none
    assert verify.problems(db.session) == []
    assert {r.status for r in db.session.scalars(select(Redemption))} == {"reserved", "fulfilled", "cancelled"}
    assert {d.to_kind for d in db.session.scalars(select(Donation))} == {"community_pool", "resident",
                                                                         "paired_community"}
    assert services.balance_of(db.session, world.resident1) > 0
    assert services.top_helpers(db.session, world.C1.id)
    assert any(r.stock_available == 0 for r in db.session.scalars(select(Reward)))
    pairs = {(p.community_id, p.partner_id) for p in db.session.scalars(select(Pairing))}
    assert pairs == {(world.C1.id, world.V1.id), (world.C2.id, world.V1.id)}
    assert services.pool_balance(db.session, world.V1.id) == 50


def test_the_helpers_of_the_sharing_demos_confirmed_exchanges_hold_their_points(world):
    """Sharing seeds first, before any pool is funded: the points demo pays those helpers through
    sharing's signal (the real award path), once each."""
    from backend.auth.models import User
    from backend.points.models import PointsEntry
    from backend.sharing import demo as sharing_demo
    from backend.sharing import exchanges
    from tests.backend.sharing.conftest import NOW

    sharing_demo.populate(7, now=NOW)
    earned = exchanges.earned_help(db.session)
    assert len(earned) >= 2  # the tap fixed by neighbour1, the calligraphy class, the bookcase (closed by the sweep)
    assert not db.session.scalars(select(PointsEntry).where(PointsEntry.reference.like("exchange:%"))).all()
    counts = demo.populate(7, now=NOW)
    db.session.commit()
    assert counts["help_exchanges_paid"] == len(earned)
    for response in earned:
        paid = db.session.scalars(select(PointsEntry).where(PointsEntry.reference == f"exchange:{response.id}",
                                                            PointsEntry.owner_id == response.helper_id)).all()
        assert [(e.kind, e.amount) for e in paid] == [("help", 10)], response.id
    plumber = db.session.scalar(select(User).where(User.username == "neighbour1"))
    assert plumber.id in {r.helper_id for r in earned}
    assert services.balance_of(db.session, plumber) > 0
    assert verify.problems(db.session) == []
