"""Staff's side: grants, reversals, flows and top helpers."""

import pytest

from backend.errors import Conflict, Invalid
from backend.extensions import db
from backend.points import donations, services, verify
from tests.backend.points.conftest import give


def test_a_grant_funds_the_pool_from_issuance_and_sums_to_zero(world):
    grant = services.grant(db.session, world.staff1, world.C1.id, 500, "街道拨付")
    db.session.commit()
    assert sorted(e.amount for e in grant.entries) == [-500, 500]
    assert services.pool_balance(db.session, world.C1.id) == 500
    with pytest.raises(Invalid) as caught:
        services.grant(db.session, world.staff2, world.C1.id, 0)
    assert "community_id" in caught.value.errors


def test_a_reversal_negates_once_with_a_reason(funded):
    w = funded
    earned = give(w, w.resident1, 30)
    db.session.commit()
    reversal = services.reverse(db.session, w.staff1, earned, "重复登记")
    db.session.commit()
    assert reversal.reverses_id == earned.id and services.balance_of(db.session, w.resident1) == 0
    with pytest.raises(Conflict):
        services.reverse(db.session, w.staff1, earned, "again")
    with pytest.raises(Invalid):
        services.reverse(db.session, w.staff1, earned, " ")
    assert verify.problems(db.session) == []


def test_a_reversal_that_would_overdraw_is_refused(funded):
    w = funded
    earned = give(w, w.resident1, 30)
    donations.donate(db.session, w.resident1, {"to_kind": "community_pool", "amount": 20})
    db.session.commit()
    with pytest.raises(Conflict, match="积分已被使用"):
        services.reverse(db.session, w.staff1, earned, "录错了")


def test_flows_and_top_helpers(funded):
    w = funded
    give(w, w.resident1, 30)
    db.session.commit()
    flows = services.flows(db.session, w.C1.id)
    assert flows["pool"] == 970 and flows["by_kind"]["hours"]["points"] == 30
    assert flows["by_kind"]["grant"]["points"] == 1000
    assert services.top_helpers(db.session, w.C1.id) == [{"user_id": w.resident1.id, "name": "resident1",
                                                          "points": 30}]
    assert [e.amount for e in services.history(db.session, w.resident1)] == [30]
