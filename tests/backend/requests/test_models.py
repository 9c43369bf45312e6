"""The requests' tables: their defaults, the built-in categories the migrations seed,
one time limit and one catalogue line per community and category."""

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from backend.extensions import db
from backend.requests.models import (
    BUILTIN_CATEGORIES,
    OPEN_STATES,
    STATUSES,
    TERMINAL_STATES,
    CatalogueEntry,
    Department,
    Request,
    RequestCategory,
    RequestEvent,
    TimeLimit,
)
from tests.factories import DepartmentFactory
from tests.timing import EPOCH


def _soon(moment):
    return EPOCH <= moment < EPOCH + timedelta(minutes=1)  # the clock runs on from EPOCH


def test_the_statuses_are_open_resolved_or_over():
    assert len(set(STATUSES)) == len(STATUSES) == len(OPEN_STATES) + 1 + len(TERMINAL_STATES)
    assert not set(OPEN_STATES) & set(TERMINAL_STATES) and "resolved" not in OPEN_STATES + TERMINAL_STATES


def test_the_migrations_seed_the_builtin_categories(ctx):
    rows = db.session.execute(select(RequestCategory.code, RequestCategory.name, RequestCategory.accept_hours,
                                     RequestCategory.resolve_days, RequestCategory.sort_order)
                              .order_by(RequestCategory.sort_order)).all()
    assert [tuple(row) for row in rows] == list(BUILTIN_CATEGORIES)
    assert all(c.active for c in db.session.scalars(select(RequestCategory)))


def test_a_bare_request_starts_submitted_at_the_community_and_is_open(world):
    request = Request(community_id=world.C1.id, holder_node_id=world.C1.id, category="environment")
    db.session.add(request)
    db.session.commit()
    assert (request.status, request.level, request.channel) == ("submitted", "community", "app")
    assert request.photos == [] and request.requester_name == "" and request.escalations == 0
    assert not request.overdue and not request.on_behalf and not request.consent
    assert _soon(request.created_at) and _soon(request.updated_at) and len(request.id) == 36
    assert request.holder == world.C1 and request.grid is None and request.category_ref.code == "environment"
    for status in STATUSES:
        request.status = status
        assert request.is_open is (status in OPEN_STATES), status


def test_an_event_is_public_by_default_and_listed_on_its_request(world):
    request = Request(community_id=world.C1.id, holder_node_id=world.C1.id, category="other")
    db.session.add(request)
    db.session.flush()
    event = RequestEvent(request_id=request.id, community_id=request.community_id, kind="noted")
    db.session.add(event)
    db.session.commit()
    assert event.public and event.data == {} and event.photos == [] and event.message == ""
    assert event.actor_id is None and _soon(event.created_at)
    db.session.expire_all()
    assert [e.id for e in db.session.get(Request, request.id).events] == [event.id]


def test_a_department_is_active_when_added(world):
    department = DepartmentFactory(node=world.S1)
    db.session.commit()
    assert department.active and department.contact == "" and _soon(department.created_at)
    assert department.node == world.S1


def test_one_time_limit_per_community_and_category(world):
    db.session.add_all([TimeLimit(community_id=world.C1.id, category_code="environment", accept_hours=4,
                                  resolve_days=2),
                        TimeLimit(community_id=world.C2.id, category_code="environment", accept_hours=4,
                                  resolve_days=2),
                        TimeLimit(community_id=world.C1.id, category_code="safety", accept_hours=1, resolve_days=1)])
    db.session.commit()
    db.session.add(TimeLimit(community_id=world.C1.id, category_code="environment", accept_hours=8, resolve_days=3))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_one_catalogue_line_per_community_and_category(world):
    street, community = DepartmentFactory(node=world.S1), DepartmentFactory(node=world.C1)
    db.session.add(CatalogueEntry(community_id=world.C1.id, category_code="environment", department_id=street.id))
    db.session.add(CatalogueEntry(community_id=world.C1.id, category_code="safety", department_id=street.id))
    db.session.commit()
    assert db.session.scalar(select(CatalogueEntry).where(CatalogueEntry.category_code == "safety")).department \
        == street
    db.session.add(CatalogueEntry(community_id=world.C1.id, category_code="environment", department_id=community.id))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    assert db.session.scalar(select(db.func.count()).select_from(Department)) == 2
