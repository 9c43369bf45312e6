"""The request office's settings through the services: categories, time limits,
partner departments, reply templates, and revealing the requester's phone."""

import pytest
from sqlalchemy import select

from backend.audit.models import AuditEntry
from backend.errors import Invalid, Refused
from backend.extensions import db
from backend.requests import deadlines, services
from backend.requests.models import RequestCategory, TimeLimit
from tests.backend.requests.conftest import raise_request
from tests.factories import RequestCategoryFactory


@pytest.fixture
def added_categories(world):
    """Two categories staff added (emptying the database removes them again)."""
    RequestCategoryFactory(code="parking", name="停车难", sort_order=15)
    RequestCategoryFactory(code="retired", name="Old", sort_order=1, active=False)
    db.session.commit()


def test_categories_in_order_with_their_names_translated(world, added_categories):
    codes = [c.code for c in services.categories(db.session)]
    assert codes[:3] == ["environment", "parking", "facilities"] and "retired" not in codes
    assert "retired" in [c.code for c in services.categories(db.session, active_only=False)]
    environment = db.session.get(RequestCategory, "environment")
    assert services.category_label(environment) == "环境卫生"  # the default language
    assert services.category_label(db.session.get(RequestCategory, "parking")) == "停车难"  # as staff wrote it
    assert services.category_label(None) == ""


def test_time_limits_are_whole_numbers_within_bounds_and_named_by_field(world):
    form = {"accept_hours_environment": "0", "resolve_days_environment": "61", "accept_hours_safety": "1.5",
            "resolve_days_safety": "60", "accept_hours_other": "720"}
    with pytest.raises(Invalid) as invalid:
        services.save_time_limits(db.session, world.staff1, world.C1, form)
    assert set(invalid.value.errors) == {"accept_hours_environment", "resolve_days_environment",
                                         "accept_hours_safety"}
    db.session.rollback()
    assert db.session.scalar(select(db.func.count()).select_from(TimeLimit)) == 0


def test_a_limit_given_alone_keeps_the_categorys_other_limit_and_empty_ones_restore_the_defaults(world):
    own = services.save_time_limits(db.session, world.staff1, world.C1, {
        "accept_hours_environment": " 720 ", "resolve_days_safety": "60"})
    db.session.commit()
    assert own == 2
    limits = {c.code: (t.accept_hours, t.resolve_days) for c, t in services.time_limits_of(db.session, world.C1) if t}
    assert limits == {"environment": (720, 3), "safety": (1, 60)}  # the other limit: the category's default
    assert deadlines.limits(db.session, world.C1.id, "environment") == (720, 3)
    assert deadlines.limits(db.session, world.C2.id, "environment") == (2, 3)  # another community: the defaults
    assert services.save_time_limits(db.session, world.street1, world.C1, {"accept_hours_safety": "3"}) == 1
    db.session.commit()
    assert db.session.scalars(select(TimeLimit.category_code)).all() == ["safety"]


@pytest.mark.parametrize("who", ["staff2", "worker1", "station1", "resident1"])
def test_only_the_communitys_keepers_set_its_limits_and_templates(world, who):
    user = world.users[who]
    with pytest.raises(Refused):
        services.save_time_limits(db.session, user, world.C1, {})
    with pytest.raises(Refused):
        services.add_reply_template(db.session, user, world.C1, "已受理", "您好")
    template = services.add_reply_template(db.session, world.staff1, world.C1, "已受理", "您好")
    with pytest.raises(Refused):
        services.edit_reply_template(db.session, user, template, "改", "改")
    with pytest.raises(Refused):
        services.delete_reply_template(db.session, user, template)


def test_departments_are_named_within_bounds_and_retired_by_their_keepers(world):
    department = services.add_department(db.session, world.street1, world.S1, "  城管执法中队 ", " 010-1 ")
    db.session.commit()
    assert (department.name, department.contact, department.active) == ("城管执法中队", "010-1", True)
    for name, contact, fields in [("", "", {"name"}), ("所" * 101, "", {"name"}), ("所", "1" * 201, {"contact"}),
                                  ("   ", "1" * 201, {"name", "contact"})]:
        with pytest.raises(Invalid) as invalid:
            services.add_department(db.session, world.street1, world.S1, name, contact)
        assert set(invalid.value.errors) == fields, (name, contact)
    assert services.add_department(db.session, world.street1, world.S1, "所" * 100, "1" * 200).name == "所" * 100
    for outsider in (world.street2, world.staff1):
        with pytest.raises(Refused):
            services.add_department(db.session, outsider, world.S1, "越界")
        with pytest.raises(Refused):
            services.retire_department(db.session, outsider, department)
    services.retire_department(db.session, world.district, department)
    db.session.commit()
    assert department.active is False
    assert department not in services.departments_serving(db.session, world.C1)


def test_reply_templates_are_checked_trimmed_and_listed_in_their_order(world):
    first = services.add_reply_template(db.session, world.staff1, world.C1, " 已受理 ", " 您好，已受理。 ")
    second = services.add_reply_template(db.session, world.street1, world.C1, "已派单", "您好，已派单。")
    services.add_reply_template(db.session, world.staff2, world.C2, "别处", "别处的回复")
    db.session.commit()
    assert (first.title, first.body, first.sort_order, second.sort_order) == ("已受理", "您好，已受理。", 10, 20)
    assert services.reply_templates(db.session, world.C1.id) == [first, second]
    assert services.reply_templates(db.session, None) == []
    for title, body, fields in [("", "", {"title", "body"}), ("题" * 61, "好", {"title"}),
                                ("好", "字" * 2001, {"body"}), ("  ", "好", {"title"})]:
        with pytest.raises(Invalid) as invalid:
            services.edit_reply_template(db.session, world.staff1, first, title, body)
        assert set(invalid.value.errors) == fields, (title, body)
    services.edit_reply_template(db.session, world.staff1, first, "题" * 60, "字" * 2000)
    services.delete_reply_template(db.session, world.staff1, second)
    db.session.commit()
    assert services.reply_templates(db.session, world.C1.id) == [first] and first.title == "题" * 60


def test_revealing_the_requesters_phone_is_refused_to_others_and_audited(world):
    request = raise_request(world, requester_phone="13912345678")
    silent = raise_request(world)
    with pytest.raises(Refused):
        services.reveal_requester_phone(db.session, world.street1, request)
    assert services.reveal_requester_phone(db.session, world.worker1, request, "10.0.0.1") == "13912345678"
    assert services.reveal_requester_phone(db.session, world.staff1, silent) == ""
    db.session.commit()
    entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [(e.actor_id, e.action, e.target_id, e.detail, e.address) for e in entries] == [
        (world.worker1.id, "reveal", request.id, {"field": "requester_phone"}, "10.0.0.1"),
        (world.staff1.id, "reveal", silent.id, {"field": "requester_phone"}, None)]
