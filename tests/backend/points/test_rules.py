"""Earning rules per community, and pairings with rural communities."""

import pytest

from backend.errors import Invalid, Refused
from backend.extensions import db
from backend.points import rules


def test_a_community_without_rules_has_the_defaults_and_staff_set_its_own(world):
    assert rules.rules_of(db.session, world.C1.id) == rules.DEFAULTS
    changed = rules.set_rules(db.session, world.staff1, world.C1.id, {"help_points": 15, "hours_rate": 20})
    db.session.commit()
    assert changed.help_points == 15 and changed.hours_rate == 20 and changed.help_daily_cap == 30
    assert rules.rules_of(db.session, world.C2.id) == rules.DEFAULTS


def test_bad_rules_name_the_field_and_others_may_not_set_them(world):
    with pytest.raises(Invalid) as caught:
        rules.set_rules(db.session, world.staff1, world.C1.id, {"hours_rate": -1, "help_points": "9"})
    assert set(caught.value.errors) == {"hours_rate", "help_points"}
    with pytest.raises(Refused):
        rules.set_rules(db.session, world.staff2, world.C1.id, {"hours_rate": 5})


def test_a_pairing_works_both_ways_once(world):
    rules.pair(db.session, world.staff1, world.C1.id, world.V1.id)
    db.session.commit()
    assert [n.id for n in rules.partners(db.session, world.C1.id)] == [world.V1.id]
    assert rules.is_paired(db.session, world.V1.id, world.C1.id)
    with pytest.raises(Invalid) as again:
        rules.pair(db.session, world.staff1, world.C1.id, world.V1.id)
    assert "partner_id" in again.value.errors
    with pytest.raises(Invalid):
        rules.pair(db.session, world.staff1, world.C1.id, world.C1.id)
