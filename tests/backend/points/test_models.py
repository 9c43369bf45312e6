"""The ledger's rows: an entry lives in its account's community and is stamped for sync; one
account of a kind per community and owner."""

import pytest
from sqlalchemy.exc import IntegrityError

from backend.extensions import db
from backend.points import ledger
from backend.points.models import PointsAccount
from tests.factories import PointsEntryFactory, RedemptionFactory


def test_an_entry_is_placed_in_its_community_and_stamped(ctx):
    entry = PointsEntryFactory(amount=30)
    db.session.commit()
    assert entry.community_id == entry.account.community_id
    assert entry.version > 0 and entry.seq == 1


def test_a_redemption_is_placed_in_its_rewards_community(ctx):
    redemption = RedemptionFactory()
    db.session.commit()
    assert redemption.community_id == redemption.reward.community_id and redemption.version > 0


def test_one_account_per_kind_community_and_owner(world):
    pool = ledger.account(db.session, "pool", world.C1.id)
    assert ledger.account(db.session, "pool", world.C1.id).id == pool.id
    db.session.add(PointsAccount(code=pool.code, community_id=world.C1.id, kind="pool"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
