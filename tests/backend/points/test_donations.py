"""Donations to a neighbour, the pool, or a paired rural community's pool; never past the balance."""

import pytest

from backend.errors import Conflict, Invalid
from backend.extensions import db
from backend.points import donations, rules, services, verify
from tests.backend.points.conftest import give
from tests.factories import user


def test_donations_reach_a_neighbour_the_pool_and_a_paired_village(funded):
    w = funded
    neighbour = user("resident2", "resident", home=w.H2)
    give(w, w.resident1, 50)
    rules.pair(db.session, w.staff1, w.C1.id, w.V1.id)
    donations.donate(db.session, w.resident1, {"to_kind": "resident", "to_id": neighbour.id, "amount": 10,
                                               "message": "谢谢帮忙"})
    donations.donate(db.session, w.resident1, {"to_kind": "community_pool", "amount": 5})
    gift = donations.donate(db.session, w.resident1, {"to_kind": "paired_community", "to_id": w.V1.id, "amount": 20})
    db.session.commit()
    assert services.balance_of(db.session, w.resident1) == 15
    assert services.balance_of(db.session, neighbour) == 10
    assert services.pool_balance(db.session, w.V1.id) == 20
    assert gift.community_id == w.C1.id and gift.to_id == w.V1.id
    assert verify.problems(db.session) == []


def test_past_the_balance_is_refused(funded):
    give(funded, funded.resident1, 5)
    with pytest.raises(Conflict):
        donations.donate(db.session, funded.resident1, {"to_kind": "community_pool", "amount": 6})


def test_bad_donations_name_the_field(funded):
    w = funded
    with pytest.raises(Invalid) as caught:
        donations.donate(db.session, w.resident1, {"to_kind": "paired_community", "to_id": w.V1.id, "amount": 0,
                                                   "colour": "red"})
    assert set(caught.value.errors) == {"to_id", "amount", "colour"}
    with pytest.raises(Invalid) as self_gift:
        donations.donate(db.session, w.resident1, {"to_kind": "resident", "to_id": w.resident1.id, "amount": 1})
    assert set(self_gift.value.errors) == {"to_id"}
