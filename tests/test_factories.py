"""The factories build what the services would: placement follows the grid, members are counted,
sensitive fields are encrypted, and records are flushed (stamped for sync) with the test's session."""

import factory
import pytest
from sqlalchemy import inspect, select

import tests.factories
from backend.extensions import db
from backend.open311 import keys as open311_keys
from backend.ratings.models import Rating
from backend.registry import sensitive
from backend.registry.models import CareTag
from backend.requests.machine import EVENT_KINDS
from backend.requests.models import BUILTIN_CATEGORIES, STATUSES, Request, RequestCategory
from tests.factories import (
    CareTagFactory,
    DeviceFactory,
    HouseholdFactory,
    NodeFactory,
    Open311SubmissionFactory,
    PatrolReportFactory,
    RatingFactory,
    RequestCategoryFactory,
    RequestEventFactory,
    RequestFactory,
    ResidentFactory,
    UserFactory,
    VisitFactory,
    VisitTaskFactory,
    empty_database,
    request_steps,
)


def test_a_household_and_its_residents_are_placed_counted_and_encrypted(ctx):
    community = NodeFactory(kind="community", name="测试社区")
    grid = NodeFactory(kind="grid", name="一网格", parent=community)
    home = HouseholdFactory(grid=grid, tags=["dibao"], phone="13800000009")
    ResidentFactory(home=home, id_number="11010119400101123X", tags=["elderly_alone"])
    ResidentFactory(home=home)
    db.session.commit()
    db.session.expire_all()
    assert grid.path == f"/{community.id}/{grid.id}/" and community.invite_code
    assert (home.grid_id, home.community_id, home.member_count) == (grid.id, community.id, 2)
    assert [t.code for t in home.care_tags] == ["dibao"]
    assert sensitive.decrypt(home.phone_enc) == "13800000009"
    tagged = next(r for r in home.residents if r.care_tags)
    assert tagged.id_number_hash == sensitive.blind_index("11010119400101123X")


def test_field_records_follow_their_household_and_are_stamped(ctx):
    grid = NodeFactory(kind="grid", parent=NodeFactory(kind="community", name="测试社区"))
    home = HouseholdFactory(grid=grid)
    worker = UserFactory(role="grid_worker", scopes=[grid])
    task, visit = VisitTaskFactory(household=home), VisitFactory(household=home, author=worker)
    patrol = PatrolReportFactory(grid=grid, author=worker)
    device = DeviceFactory(user=worker)
    db.session.commit()
    for record in (task, visit, patrol):
        assert (record.grid_id, record.community_id) == (grid.id, grid.parent_id)
        assert record.version  # the change feed stamped it on flush
    assert worker.scope_nodes == [grid] and device.user_id == worker.id


# Mapped models that need no factory of their own. Only pure join or bookkeeping tables belong here;
# each with the reason. (The care tag joins and the account scopes are plain tables, not models: the
# factories' `tags` and `scopes` fill them.)
EXEMPT: dict[type, str] = {}


def _factories() -> dict[type, type]:
    found = {}
    for value in vars(tests.factories).values():
        if isinstance(value, type) and issubclass(value, factory.Factory) and not value._meta.abstract:
            found[value._meta.model] = value
    return found


def _models() -> list[type]:
    return sorted((mapper.class_ for mapper in db.Model.registry.mappers), key=lambda model: model.__name__)


def test_every_mapped_model_has_a_factory():
    missing = [model.__name__ for model in _models() if model not in _factories() and model not in EXEMPT]
    assert missing == [], f"give these models a factory in tests/factories.py: {missing}"
    assert set(EXEMPT) <= set(_models())


@pytest.mark.parametrize("model", _models(), ids=lambda model: model.__name__)
def test_each_factory_builds_a_row_the_database_keeps(ctx, model):
    made = _factories()[model]()
    db.session.flush()
    assert inspect(made).persistent
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(model, inspect(made).identity) is not None


@pytest.mark.parametrize("status", STATUSES)
def test_a_request_reaches_each_state_by_the_machines_own_steps(ctx, status):
    request = RequestFactory(status=status)
    db.session.commit()
    kinds = [event.kind for event in sorted(request.events, key=lambda event: event.version)]
    assert request.status == status and request.level == ("street" if status == "escalated" else "community")
    assert kinds == ["submitted", *(EVENT_KINDS[action] for action in request_steps(status))]
    if status in ("resolved", "closed"):
        assert request.resolved_at is not None and request.resolved_at >= request.created_at
    if status == "closed":
        assert db.session.scalar(select(Rating.score).where(Rating.target_id == request.id)) == 5


@pytest.mark.parametrize(("status", "level"), [("escalated", "street"), ("in_progress", "street"),
                                               ("dispatched", "district"), ("resolved", "district")])
def test_a_request_is_held_higher_only_by_escalating(ctx, status, level):
    request = RequestFactory(status=status, level=level)
    db.session.commit()
    assert (request.status, request.level, request.holder.kind) == (status, level, level)
    assert request.escalations == {"street": 1, "district": 2}[level]


def test_a_state_the_machine_never_leads_to_is_refused(ctx):
    for status, level in (("submitted", "street"), ("escalated", "community"), ("withdrawn", "district")):
        with pytest.raises(ValueError):
            RequestFactory(status=status, level=level)
    with pytest.raises(TypeError):
        RequestFactory.build()


def test_records_of_requests_follow_their_request(ctx):
    event, rating = RequestEventFactory(), RatingFactory(score=2)
    submission = Open311SubmissionFactory()
    key = submission.key  # held: its plain text lives on this object only, not in a column
    db.session.commit()
    assert event.kind == "noted" and not event.public and event.community_id == event.request.community_id
    closed = db.session.get(Request, rating.target_id)
    assert closed.status == "closed" and rating.household_id == closed.household_id
    filed = db.session.get(Request, submission.request_id)
    assert filed.channel == "open311" and filed.community_id == submission.key.node_id
    assert open311_keys.live_key(key.plain).id == submission.key_id


def test_the_emptied_database_keeps_the_built_in_categories_as_seeded(ctx):
    RequestCategoryFactory(code="parking")
    db.session.get(RequestCategory, "safety").accept_hours = 99
    db.session.get(RequestCategory, "other").active = False
    CareTagFactory(code="flood_risk")
    db.session.get(CareTag, "dibao").name_en = "<x-xss>"
    db.session.commit()
    empty_database()
    categories = {c.code: (c.name, c.accept_hours, c.resolve_days, c.sort_order)
                  for c in db.session.scalars(select(RequestCategory).where(RequestCategory.active.is_(True)))}
    assert categories == {code: (name, hours, days, order) for code, name, hours, days, order in BUILTIN_CATEGORIES}
    assert db.session.get(CareTag, "flood_risk") is None
    assert db.session.get(CareTag, "dibao").name_en == "Minimum-livelihood household"
