"""Field work's visit collections on devices: visits are appended (checked one
by one where the batch's quick check leaves them, refused whole where they are
wrong), complete the task they name, and visit tasks are the server's alone."""

from datetime import date

from sqlalchemy import func, select

from backend.extensions import db
from backend.fieldwork.visits.models import Visit, VisitTask
from tests.factories import VisitTaskFactory


def visit(household, **extra):
    return {"household_id": household.id, "visited_at": "2026-11-20T09:14:00+08:00"} | extra


def test_a_batch_of_visits_applies_the_good_and_words_why_the_others_fail(world, device):
    phone = device("worker1")
    good = phone.record("visits", "create", data=visit(world.H1, notes="血压正常"))
    outside = phone.record("visits", "create", data=visit(world.H2))
    wrong_time = phone.record("visits", "create", data=visit(world.H1, visited_at="2026-02-30T09:00:00Z"))
    also_good = phone.record("visits", "create", data=visit(world.H1, findings=["health_ok"]))
    results = phone.push()
    assert results[good["id"]]["status"] == results[also_good["id"]]["status"] == "applied"
    assert results[outside["id"]]["status"] == "rejected"
    assert "household_id" in results[outside["id"]]["error"]["errors"]
    assert "visited_at" in results[wrong_time["id"]]["error"]["errors"]
    db.session.expire_all()
    stored = {v.id: v for v in db.session.scalars(select(Visit))}
    assert set(stored) == {good["record_id"], also_good["record_id"]}
    assert stored[good["record_id"]].author_id == world.worker1.id
    phone.pull()
    pulled = phone.get("visits", good["record_id"])
    assert pulled["notes"] == "血压正常" and pulled["grid_id"] == world.G1.id and pulled["visited_at"] == \
        "2026-11-20T01:14:00Z"


def test_one_record_id_twice_in_a_batch_is_written_once(world, device):
    phone = device("worker1")
    first = phone.mutation("visits", "create", data=visit(world.H1, notes="一"))
    second = phone.mutation("visits", "create", first["record_id"], visit(world.H1, notes="二"))
    results = phone.push_raw([first, second]).get_json()["results"]
    assert [r["status"] for r in results] == ["applied", "rejected"]
    assert results[1]["error"]["status"] == 409
    assert db.session.scalar(select(func.count()).select_from(Visit)) == 1
    assert db.session.get(Visit, first["record_id"]).notes == "一"


def test_a_pushed_visit_completes_the_task_it_names(world, device):
    task = VisitTaskFactory(household=world.H1, due_date=date(2026, 12, 1), reason="走访")
    other = VisitTaskFactory(household=world.H1, due_date=date(2026, 12, 2), reason="走访")
    db.session.commit()
    phone = device("worker1")
    done = phone.record("visits", "create", data=visit(world.H1, task_id=task.id))
    assert phone.push()[done["id"]]["status"] == "applied"
    phone.pull()
    assert phone.get("visit_tasks", task.id) | {"version": 0} == {
        "version": 0, "id": task.id, "household_id": world.H1.id, "grid_id": world.G1.id, "assignee_id": None,
        "due_date": "2026-12-01", "status": "done", "reason": "走访", "visit_id": done["record_id"]}
    assert phone.get("visit_tasks", other.id)["status"] == "open"


def test_visit_tasks_are_the_servers(world, device):
    task = VisitTaskFactory(household=world.H1, due_date=date(2026, 12, 1), reason="走访")
    db.session.commit()
    phone = device("worker1")
    for op, extra in (("create", {}), ("update", {"base_version": 1}), ("delete", {"base_version": 1})):
        result = phone.push_raw([phone.mutation("visit_tasks", op, task.id, **extra)]).get_json()["results"][0]
        assert result["status"] == "rejected" and result["error"]["status"] == 422, (op, result)
    db.session.expire_all()
    assert db.session.get(VisitTask, task.id).status == "open"
