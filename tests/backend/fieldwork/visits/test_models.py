"""Visits, visit tasks and visit rules as tables: defaults, a visit's and a
task's place (their household's, and they follow it when it moves), one rule
per community and tag."""

import pytest
from sqlalchemy.exc import IntegrityError

from backend.common import utcnow
from backend.extensions import db
from backend.fieldwork.visits.models import Visit, VisitRule, VisitTask
from backend.registry import services as registry
from tests.factories import VisitFactory, VisitTaskFactory


def test_a_visit_takes_its_households_place_and_defaults(world):
    visit = Visit(household_id=world.H3.id, grid_id=world.G1.id, community_id=world.C1.id,
                  author_id=world.station1.id, visited_at=utcnow())
    db.session.add(visit)
    db.session.flush()
    assert (visit.grid_id, visit.community_id) == (world.G3.id, world.V1.id)
    assert (visit.notes, visit.findings, visit.follow_up, visit.photos, visit.task_id) == ("", [], False, [], None)


def test_a_task_defaults_to_open(world):
    task = VisitTask(household_id=world.H1.id, grid_id=world.G1.id, community_id=world.C1.id, due_date=utcnow().date())
    db.session.add(task)
    db.session.flush()
    assert (task.status, task.reason, task.assignee_id, task.visit_id, task.completed_at) == ("open", "", None, None,
                                                                                             None)


def test_visits_and_tasks_follow_their_household(world):
    visit = VisitFactory(household=world.H1, author=world.worker1)
    task = VisitTaskFactory(household=world.H1)
    db.session.commit()
    registry.move_household(world.staff1, world.H1, world.G2.id)
    db.session.commit()
    db.session.expire_all()
    for model, record_id in ((Visit, visit.id), (VisitTask, task.id)):
        moved = db.session.get(model, record_id)
        assert (moved.grid_id, moved.community_id) == (world.G2.id, world.C1.id), model.__name__


def test_one_rule_per_community_and_tag(world):
    db.session.add(VisitRule(community_id=world.C1.id, tag_code="dibao", interval_days=14))
    db.session.add(VisitRule(community_id=world.C2.id, tag_code="dibao", interval_days=7))
    db.session.flush()
    rule = db.session.query(VisitRule).filter_by(community_id=world.C1.id).one()
    assert rule.active is True and rule.updated_at is not None
    db.session.add(VisitRule(community_id=world.C1.id, tag_code="dibao", interval_days=30))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_a_rule_names_a_known_tag(world):
    db.session.add(VisitRule(community_id=world.C1.id, tag_code="no_such_tag", interval_days=7))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
