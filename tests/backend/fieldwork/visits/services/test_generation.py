"""Task generation from the visit rules: due dates, idempotence, assignees,
obsolete tasks cancelled, visits completing tasks, and tasks reaching the
grid worker's device through the sync pull."""

from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import select

from backend import clock
from backend.common import new_id
from backend.extensions import db
from backend.fieldwork.visits import services
from backend.fieldwork.visits.models import VisitTask
from backend.registry import services as registry
from tests.factories import CareTagFactory, user
from tests.timing import EPOCH


@pytest.fixture
def today(ctx):
    return services.local_today()


def tasks(status=None):
    db.session.expire_all()
    query = select(VisitTask).order_by(VisitTask.created_at)
    if status:
        query = query.where(VisitTask.status == status)
    return list(db.session.scalars(query))


def open_task(household):
    found = [t for t in tasks("open") if t.household_id == household.id]
    assert len(found) <= 1
    return found[0] if found else None


def visit(actor, household, day, task=None, hour=10):
    moment = datetime.combine(day, time(hour), services._zone()).isoformat()
    return services.record_visit(actor, new_id(), {
        "household_id": household.id, "visited_at": moment, "task_id": task.id if task else None})


def test_never_visited_households_are_due_today_with_reason_and_assignee(world, today):
    result = services.generate_tasks(world.C1, today)
    assert (result.created, result.updated, result.cancelled) == (2, 0, 0)
    h1, h2 = open_task(world.H1), open_task(world.H2)
    assert (h1.due_date, h1.reason, h1.assignee_id, h1.grid_id) == (today, "独居老人 每周走访", world.worker1.id,
                                                                     world.G1.id)
    assert (h2.due_date, h2.reason, h2.assignee_id) == (today, "低保户 每月走访", world.worker2.id)
    assert open_task(world.H5) is None and open_task(world.H3) is None  # other communities: not this run


def test_generation_is_idempotent(world, today):
    services.generate_tasks(world.C1, today)
    versions = {t.id: t.version for t in tasks()}
    again = services.generate_tasks(world.C1, today)
    assert not again and (again.created, again.updated, again.cancelled, again.completed) == (0, 0, 0, 0)
    assert {t.id: t.version for t in tasks()} == versions  # nothing rewritten, nothing re-sent to devices


def test_due_date_follows_the_last_visit(world, today):
    visit(world.worker1, world.H1, today - timedelta(days=3))
    visit(world.worker2, world.H2, today - timedelta(days=40))  # monthly, last visit 40 days ago: overdue
    services.generate_tasks(world.C1, today)
    assert open_task(world.H1).due_date == today + timedelta(days=4)
    assert open_task(world.H2).due_date == today


def test_a_resident_tag_is_enough_and_the_shortest_interval_wins(world, today):
    registry.update_household(world.staff1, world.H2, {"care_tags": []})
    registry.update_resident(world.staff1, world.R2, {"care_tags": ["disabled", "left_behind_woman"]})
    services.generate_tasks(world.C1, today)
    assert open_task(world.H2).reason == "留守妇女、残疾人 每两周走访"
    # A retired resident's tags no longer count.
    registry.retire_resident(world.staff1, world.R2, "moved away")
    result = services.generate_tasks(world.C1, today)
    assert result.cancelled == 1 and open_task(world.H2) is None


def test_assignee_only_when_the_grid_has_exactly_one_worker(world, today):
    user("worker2b", "grid_worker", [world.G2])
    db.session.commit()
    services.generate_tasks(world.C1, today)
    assert open_task(world.H2).assignee_id is None
    assert open_task(world.H1).assignee_id == world.worker1.id
    # The second worker leaves the grid: the next run assigns the task.
    db.session.execute(select(VisitTask))  # keep the session fresh
    from backend.auth.models import User

    db.session.scalar(select(User).where(User.username == "worker2b")).scope_nodes = []
    db.session.commit()
    assert services.generate_tasks(world.C1, today).updated == 1
    assert open_task(world.H2).assignee_id == world.worker2.id


def test_obsolete_tasks_are_cancelled(world, today):
    services.generate_tasks(world.C1, today)
    # The household tag goes, but the resident still carries it: still needed.
    registry.update_household(world.staff1, world.H1, {"care_tags": []})
    assert services.generate_tasks(world.C1, today).cancelled == 0
    registry.update_resident(world.staff1, world.R1, {"care_tags": []})
    registry.retire_household(world.staff1, world.H2, "moved away")
    result = services.generate_tasks(world.C1, today)
    assert (result.created, result.cancelled) == (0, 2)
    assert {t.status for t in tasks()} == {"cancelled"}


def test_a_rule_switched_off_or_changed_from_the_rules_changes_the_tasks(world, today):
    visit(world.worker2, world.H2, today - timedelta(days=5))
    services.generate_tasks(world.C1, today)
    assert open_task(world.H2).due_date == today + timedelta(days=25)
    form = {f"interval-{r.code}": str(r.interval_days or "") for r in services.rules_for(world.C1)}
    form |= {f"active-{r.code}": "on" for r in services.rules_for(world.C1) if r.active}
    result = services.save_rules(world.staff1, world.C1, form | {"interval-dibao": "7"}, today=today)
    assert result.updated == 1
    task = open_task(world.H2)
    assert (task.reason, task.due_date) == ("低保户 每周走访", today + timedelta(days=2))
    form.pop("active-dibao")
    assert services.save_rules(world.staff1, world.C1, form, today=today).cancelled == 1
    assert open_task(world.H2) is None


def test_a_visit_completes_its_task_and_the_next_run_schedules_the_next(world, today):
    services.generate_tasks(world.C1, today)
    task = open_task(world.H1)
    made = visit(world.worker1, world.H1, today, task=task)
    db.session.expire_all()
    done = db.session.get(VisitTask, task.id)
    assert (done.status, done.visit_id) == ("done", made.id)
    result = services.generate_tasks(world.C1, today)
    assert result.created == 1
    assert open_task(world.H1).due_date == today + timedelta(days=7)


def test_a_visit_that_names_no_task_still_does_it(world, today):
    services.generate_tasks(world.C1, today)
    task = open_task(world.H1)
    # Recorded offline earlier today, arriving after the task was made.
    made = visit(world.worker1, world.H1, today, hour=0)
    result = services.generate_tasks(world.C1, today)
    assert (result.completed, result.created) == (1, 1)
    done = db.session.get(VisitTask, task.id)
    assert (done.status, done.visit_id) == ("done", made.id)
    # A visit older than the task's interval does not count.
    services.generate_tasks(world.C1, today + timedelta(days=30))
    db.session.expire_all()
    assert open_task(world.H1).status == "open"


def test_tasks_reach_the_grid_workers_device(world, today, device):
    phone = device("worker1")
    phone.pull()
    assert phone.ids("visit_tasks") == set()
    services.generate_tasks(world.C1, today)
    db.session.commit()
    phone.pull()
    task = open_task(world.H1)
    assert phone.ids("visit_tasks") == {task.id}  # not H2's: worker1 works in G1 only
    held = phone.get("visit_tasks", task.id)
    assert (held["status"], held["due_date"], held["reason"], held["assignee_id"]) == (
        "open", today.isoformat(), "独居老人 每周走访", world.worker1.id)
    # The worker records the visit through the sync push, naming the task.
    visit_id = new_id()
    phone.record("visits", "create", visit_id, {"household_id": world.H1.id, "task_id": task.id,
                                                "visited_at": clock.aware_now().isoformat()})
    results = phone.sync()
    assert all(r["status"] == "applied" for r in results.values()), results
    assert phone.get("visit_tasks", task.id)["status"] == "done"
    services.generate_tasks(world.C1, today)
    db.session.commit()
    phone.pull()
    following = open_task(world.H1)
    assert phone.get("visit_tasks", following.id)["due_date"] == (today + timedelta(days=7)).isoformat()


def test_custom_tags_can_drive_tasks(world, today):
    CareTagFactory(code="pregnant", name_zh_hans="孕产妇", name_zh_hant="孕產婦", name_en="Pregnant")
    db.session.commit()
    registry.update_household(world.staff1, world.H1, {"care_tags": ["pregnant"]})
    registry.update_resident(world.staff1, world.R1, {"care_tags": []})
    services.generate_tasks(world.C1, today)
    assert open_task(world.H1) is None  # no rule for it yet
    form = {f"interval-{r.code}": str(r.interval_days or "") for r in services.rules_for(world.C1)}
    form |= {f"active-{r.code}": "on" for r in services.rules_for(world.C1) if r.active}
    services.save_rules(world.staff1, world.C1, form | {"interval-pregnant": "10", "active-pregnant": "on"},
                        today=today)
    assert open_task(world.H1).reason == "孕产妇 每10天走访"


def test_a_tasks_reason_words_the_interval():
    assert [services.interval_phrase(days) for days in (1, 7, 14, 30, 10)] == [
        "每天走访", "每周走访", "每两周走访", "每月走访", "每10天走访"]


def test_local_days_begin_at_local_midnight(ctx):
    day = EPOCH.date()
    midnight = services.local_midnight_utc(day)
    assert midnight == datetime.combine(day - timedelta(days=1), time(16))  # Shanghai is UTC+8
    assert services.local_date(midnight) == day
    assert services.local_date(midnight - timedelta(seconds=1)) == day - timedelta(days=1)


def test_only_an_active_grid_worker_is_the_grids_worker(world):
    assert services.grid_workers([world.G1.id, world.G2.id, world.G3.id]) == {
        world.G1.id: world.worker1.id, world.G2.id: world.worker2.id}
    user("worker1b", "grid_worker", [world.G1], status="pending")
    user("staff1b", "community_staff", [world.G2])
    world.worker2.is_active_flag = False
    db.session.commit()
    assert services.grid_workers([world.G1.id, world.G2.id]) == {world.G1.id: world.worker1.id}
    assert services.grid_workers([]) == {}


def test_the_communities_tasks_are_generated_for(world):
    world.C2.retired_at = clock.now()
    db.session.commit()
    assert {c.id for c in services.communities()} == {world.C1.id, world.V1.id}
    assert [c.id for c in services.communities([world.V1.id, world.C2.id])] == [world.V1.id]
