"""Recording a visit (`validate_new`, `record_visit`): the household must be
one the author may see and change, and live; a household out of reach is
named as not found, never confirmed; the visit's task, when of the same
household and open, is done; a batch keeps its look-ups."""

import pytest
from sqlalchemy import select

from backend.common import new_id, utcnow
from backend.errors import Invalid, Refused
from backend.extensions import db
from backend.fieldwork.visits import services
from backend.fieldwork.visits.models import Visit, VisitTask
from tests.factories import VisitTaskFactory

SHA = "e" * 64


def body(household, **extra) -> dict:
    return {"household_id": household.id, "visited_at": "2026-11-27T09:00:00+08:00"} | extra


def invalid(actor, data) -> dict:
    with pytest.raises(Invalid) as raised:
        services.validate_new(actor, new_id(), data)
    return raised.value.errors


def test_a_visit_is_placed_and_authored(world):
    record_id = new_id()
    services.record_visit(world.worker1, record_id, body(world.H1, photos=[SHA, SHA], notes="一切正常"))
    db.session.expire_all()
    visit = db.session.get(Visit, record_id)
    assert (visit.household_id, visit.grid_id, visit.community_id, visit.author_id) == (
        world.H1.id, world.G1.id, world.C1.id, world.worker1.id)
    assert (visit.photos, visit.notes, visit.visited_at.isoformat()) == ([SHA], "一切正常", "2026-11-27T01:00:00")


@pytest.mark.parametrize(("username", "home"), [("worker2", "H1"), ("staff2", "H1"), ("station1", "H2"),
                                               ("volunteer1", "H1"), ("resident1", "H2")])
def test_a_household_out_of_reach_is_not_found(world, username, home):
    assert set(invalid(world.users[username], body(world.households[home]))) == {"household_id"}


def test_an_unknown_household_is_not_found(world):
    assert set(invalid(world.admin, {"household_id": "nope", "visited_at": "2026-11-27T09:00:00Z"})) == {
        "household_id"}


def test_a_reader_who_may_not_change_is_refused(world):
    for reader in (world.street1, world.district, world.resident1):  # a resident reads their own household
        with pytest.raises(Refused):
            services.validate_new(reader, new_id(), body(world.H1))


def test_a_retired_household_takes_no_visits(world, app):
    world.H2.retired_at = utcnow()
    db.session.commit()
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert invalid(world.worker2, body(world.H2)) == {"household_id": ["This household is retired."]}


def test_bad_fields_are_named_as_the_schema_words_them(world):
    errors = invalid(world.worker1, body(world.H1, visited_at="2026-11-27T09:00:00", mood=1))
    assert set(errors) == {"visited_at", "mood"}
    assert set(invalid(world.worker1, body(world.H1, location={"lat": 91, "lng": 0}))) == {"location.lat"}


def test_the_task_it_names_is_done(world):
    task = VisitTaskFactory(household=world.H1)
    db.session.commit()
    visit = services.record_visit(world.worker1, new_id(), body(world.H1, task_id=task.id))
    db.session.expire_all()
    done = db.session.get(VisitTask, task.id)
    assert (done.status, done.visit_id, done.completed_at is not None) == ("done", visit.id, True)


def test_a_task_of_another_household_or_not_open_is_left_alone(world):
    others = VisitTaskFactory(household=world.H2)
    cancelled = VisitTaskFactory(household=world.H1, status="cancelled")
    db.session.commit()
    services.record_visit(world.staff1, new_id(), body(world.H1, task_id=others.id))
    services.record_visit(world.staff1, new_id(), body(world.H1, task_id=cancelled.id))
    db.session.expire_all()
    assert db.session.get(VisitTask, others.id).status == "open"
    assert db.session.get(VisitTask, cancelled.id).status == "cancelled"
    assert db.session.scalar(select(Visit.task_id).where(Visit.task_id == others.id)) == others.id  # kept as sent


def test_complete_tasks_takes_a_batchs_rows(world):
    first, second = VisitTaskFactory(household=world.H1), VisitTaskFactory(household=world.H2)
    db.session.commit()
    services.complete_tasks([{"id": "v1", "household_id": world.H1.id, "task_id": first.id},
                             {"id": "v2", "household_id": world.H1.id, "task_id": second.id},
                             {"id": "v3", "household_id": world.H2.id, "task_id": None}])
    assert (first.status, first.visit_id) == ("done", "v1")
    assert (second.status, second.visit_id) == ("open", None)


def test_a_batch_caches_households_and_the_policys_answer(world):
    cache: dict = {}
    services.validate_new(world.worker1, new_id(), body(world.H1), cache)
    assert cache[world.H1.id] is world.H1
    assert cache[("policy", world.worker1.id, world.H1.id, world.G1.id)] == (True, True)
    # The answer is the actor's: another actor of the same batch is asked anew.
    with pytest.raises(Invalid):
        services.validate_new(world.worker2, new_id(), body(world.H1), cache)
    assert cache[("policy", world.worker2.id, world.H1.id, world.G1.id)] == (False, False)
