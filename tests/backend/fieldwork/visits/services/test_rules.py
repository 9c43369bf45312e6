"""Visit rules per community and care tag: product defaults until staff save
their own; who may save; invalid input is refused with messages per field."""

import pytest
from sqlalchemy import select

from backend.audit.models import AuditEntry
from backend.errors import Invalid, Refused
from backend.extensions import db
from backend.fieldwork.visits import services
from backend.fieldwork.visits.models import VisitRule


def _by_code(community):
    return {rule.code: rule for rule in services.rules_for(community)}


def test_a_community_starts_with_the_product_defaults(world):
    rules = _by_code(world.C1)
    assert {code: (r.interval_days, r.active) for code, r in rules.items() if r.active} == {
        "elderly_alone": (7, True), "left_behind_child": (14, True), "left_behind_woman": (14, True),
        "left_behind_elder": (14, True), "disabled": (30, True), "dibao": (30, True)}
    assert rules["special_hardship"].active is False and rules["special_hardship"].interval_days is None
    # Sensitive tags never drive tasks: a task's reason would reveal them.
    assert "community_correction" not in rules and "rehabilitation" not in rules
    assert db.session.scalar(select(VisitRule)) is None


def _form(community, **changes):
    form = {}
    for rule in services.rules_for(community):
        form[f"interval-{rule.code}"] = str(rule.interval_days or "")
        if rule.active:
            form[f"active-{rule.code}"] = "on"
    for key, value in changes.items():
        if value is None:
            form.pop(key, None)
        else:
            form[key] = value
    return form


def test_staff_edit_their_community_and_only_changes_are_stored(world):
    services.save_rules(world.staff1, world.C1, _form(world.C1, **{"interval-dibao": "14",
                                                                   "active-elderly_alone": None}))
    rules = _by_code(world.C1)
    assert (rules["dibao"].interval_days, rules["dibao"].active, rules["dibao"].custom) == (14, True, True)
    assert (rules["elderly_alone"].interval_days, rules["elderly_alone"].active) == (7, False)
    assert rules["disabled"].custom is False  # untouched: still follows the product default
    assert {r.tag_code for r in db.session.scalars(select(VisitRule))} == {"dibao", "elderly_alone"}
    # Another community keeps the defaults.
    assert _by_code(world.C2)["dibao"].interval_days == 30
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "visit_rules.update"))
    assert entry.target_id == world.C1.id and entry.actor_id == world.staff1.id
    assert entry.detail["dibao"] == {"interval_days": 14, "active": True}


def test_a_tag_without_default_can_get_a_rule(world):
    services.save_rules(world.staff1, world.C1, _form(world.C1, **{"interval-special_hardship": "10",
                                                                   "active-special_hardship": "on"}))
    assert services.active_intervals(world.C1)["special_hardship"] == 10


@pytest.mark.parametrize(("value", "active", "message"), [
    ("abc", True, "whole number"), ("0", True, "Between"), ("400", True, "Between"), ("", True, "needs the days"),
])
def test_invalid_input_is_refused_with_messages(world, app, value, active, message):
    form = _form(world.C1, **{"interval-dibao": value, "active-dibao": "on" if active else None})
    with app.test_request_context(headers={"Accept-Language": "en"}), pytest.raises(Invalid) as raised:
        services.save_rules(world.staff1, world.C1, form)
    assert message in raised.value.errors["interval-dibao"][0]
    db.session.rollback()
    assert db.session.scalar(select(VisitRule)) is None


@pytest.mark.parametrize(("username", "allowed"), [
    ("admin", True), ("district", True), ("street1", True), ("staff1", True), ("street2", False),
    ("staff2", False), ("worker1", False), ("station1", False), ("volunteer1", False), ("resident1", False),
])
def test_who_may_set_a_communitys_rules(world, username, allowed):
    user = world.users[username]
    assert services.may_set_rules(user, world.C1) is allowed
    if not allowed:
        with pytest.raises(Refused):
            services.save_rules(user, world.C1, _form(world.C1, **{"interval-dibao": "14"}))
