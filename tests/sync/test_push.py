"""Push: exactly once, in order, each mutation wholly or not at all."""

import uuid

from sqlalchemy import func, select

from backend.extensions import db
from backend.fieldwork.visits.models import Visit
from sync.models import AppliedMutation, Conflict
from tests.factories import VisitTaskFactory


def visit_data(household_id, **extra):
    return {"household_id": household_id, "visited_at": "2026-11-20T09:14:00+08:00", "notes": "血压正常",
            "findings": ["health_ok"], "follow_up": False, "photos": [],
            "location": {"lat": 39.9, "lng": 116.4, "accuracy": 12}} | extra


def count(model):
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model))


def test_visit_is_applied_once_and_replays_are_duplicates(world, device):
    phone = device("worker1")
    mutation = phone.mutation("visits", "create", data=visit_data(world.H1.id))
    first = phone.push_raw([mutation]).get_json()["results"][0]
    assert first["status"] == "applied" and first["version"] > 0 and "duplicate" not in first
    again = phone.push_raw([mutation]).get_json()["results"][0]
    assert again["duplicate"] is True
    assert {k: v for k, v in again.items() if k != "duplicate"} == first
    assert count(Visit) == 1
    visit = db.session.get(Visit, mutation["record_id"])
    assert visit.author_id == world.worker1.id and visit.grid_id == world.G1.id
    assert visit.visited_at.isoformat() == "2026-11-20T01:14:00"  # stored in UTC


def test_same_id_twice_in_one_batch(world, device):
    phone = device("worker1")
    mutation = phone.mutation("visits", "create", data=visit_data(world.H1.id))
    results = phone.push_raw([mutation, mutation]).get_json()["results"]
    assert results[0]["status"] == "applied" and results[1]["duplicate"] is True
    assert count(Visit) == 1


def test_same_id_with_another_payload_is_refused(world, device):
    phone = device("worker1")
    mutation = phone.mutation("visits", "create", data=visit_data(world.H1.id))
    phone.push_raw([mutation])
    altered = mutation | {"data": visit_data(world.H1.id, notes="改过的")}
    result = phone.push_raw([altered]).get_json()["results"][0]
    assert result["status"] == "rejected" and result["error"]["status"] == 409
    assert db.session.get(Visit, mutation["record_id"]).notes == "血压正常"


def test_a_record_is_never_created_twice_nor_overwritten(world, device):
    """Another mutation naming a record id that exists (pushed before, by any
    device, or earlier in the same batch) is refused; the record stays as it
    was and the rest of the batch applies."""
    one, two = device("worker1"), device("staff1")
    first = one.mutation("visits", "create", data=visit_data(world.H1.id))
    assert one.push_raw([first]).get_json()["results"][0]["status"] == "applied"
    again = one.mutation("visits", "create", record_id=first["record_id"], data=visit_data(world.H1.id, notes="覆盖"))
    fresh = one.mutation("visits", "create", data=visit_data(world.H1.id))
    twin = one.mutation("visits", "create", record_id=fresh["record_id"], data=visit_data(world.H1.id, notes="双"))
    results = one.push_raw([again, fresh, twin]).get_json()["results"]
    assert [r["status"] for r in results] == ["rejected", "applied", "rejected"]
    assert results[0]["error"]["status"] == 409 and results[2]["error"]["status"] == 409
    from_staff = two.mutation("visits", "create", record_id=first["record_id"], data=visit_data(world.H1.id))
    assert two.push_raw([from_staff]).get_json()["results"][0]["error"]["status"] == 409
    assert count(Visit) == 2
    assert db.session.get(Visit, first["record_id"]).notes == "血压正常"
    assert db.session.get(Visit, fresh["record_id"]).notes == "血压正常"


def test_another_users_mutation_id_is_refused(world, device):
    one, two = device("worker1"), device("staff1")
    mutation = one.mutation("visits", "create", data=visit_data(world.H1.id))
    one.push_raw([mutation])
    result = two.push_raw([mutation]).get_json()["results"][0]
    assert result["status"] == "rejected"
    assert "duplicate" not in result
    assert count(Visit) == 1


def test_a_rejected_mutation_does_not_stop_the_batch(world, device):
    phone = device("worker1")
    good1 = phone.mutation("visits", "create", data=visit_data(world.H1.id))
    outside = phone.mutation("visits", "create", data=visit_data(world.H2.id))  # worker2's grid
    invalid = phone.mutation("visits", "create", data=visit_data(world.H1.id, visited_at="yesterday"))
    good2 = phone.mutation("visits", "create", data=visit_data(world.H1.id))
    results = phone.push_raw([good1, outside, invalid, good2]).get_json()["results"]
    assert [r["status"] for r in results] == ["applied", "rejected", "rejected", "applied"]
    assert results[1]["error"]["errors"]["household_id"]
    assert results[2]["error"]["errors"]["visited_at"]
    assert results[0]["version"] < results[3]["version"]
    assert count(Visit) == 2
    # the rejections are stored too: a replay gets the same answer
    replay = phone.push_raw([outside]).get_json()["results"][0]
    assert replay["status"] == "rejected" and replay["duplicate"] is True
    assert count(AppliedMutation) == 4


def test_mutations_apply_in_order(world, device):
    phone = device("staff1")
    household_id = str(uuid.uuid4())
    resident_id = str(uuid.uuid4())
    create = phone.mutation("households", "create", household_id,
                            {"grid_id": world.G1.id, "address": "新楼1号", "head_name": "赵六"})
    person = phone.mutation("residents", "create", resident_id, {"household_id": household_id, "name": "赵六"})
    visit = phone.mutation("visits", "create", data=visit_data(household_id))
    results = phone.push_raw([create, person, visit]).get_json()["results"]
    assert [r["status"] for r in results] == ["applied", "applied", "applied"], results
    phone.pull()
    assert phone.get("households", household_id)["member_count"] == 1
    assert phone.get("residents", resident_id)["name"] == "赵六"


def test_append_only_records_refuse_update_and_delete(world, device):
    phone = device("worker1")
    mutation = phone.mutation("visits", "create", data=visit_data(world.H1.id))
    phone.push_raw([mutation])
    update = phone.mutation("visits", "update", mutation["record_id"], {"notes": "x"}, base_version=1)
    delete = phone.mutation("visits", "delete", mutation["record_id"], base_version=1)
    results = phone.push_raw([update, delete]).get_json()["results"]
    assert [r["status"] for r in results] == ["rejected", "rejected"]
    assert db.session.get(Visit, mutation["record_id"]).notes == "血压正常"


def test_visit_completes_its_task(world, device):
    from datetime import date


    task = VisitTaskFactory(household=world.H1, assignee_id=world.worker1.id, due_date=date(2026, 11, 30),
                            reason="独居老人每周走访")
    db.session.commit()
    phone = device("worker1")
    phone.pull()
    assert phone.get("visit_tasks", task.id)["status"] == "open"
    phone.record("visits", "create", data=visit_data(world.H1.id, task_id=task.id))
    phone.sync()
    assert phone.get("visit_tasks", task.id)["status"] == "done"


def test_pushes_from_any_path_reach_devices(world, device, ctx):
    from backend.registry import services

    phone = device("worker1")
    phone.pull()
    services.update_household(world.staff1, world.H1, {"address": "幸福小区1号楼1单元102"})
    db.session.commit()
    phone.pull()
    assert phone.get("households", world.H1.id)["address"] == "幸福小区1号楼1单元102"


def test_conflict_rules(world, device, ctx):
    from backend.registry import services

    phone = device("worker1")
    phone.pull()
    household = phone.get("households", world.H1.id)
    resident = phone.get("residents", world.R1.id)
    # Staff edit on the server meanwhile.
    services.update_household(world.staff1, world.H1, {"head_name": "张伟(户主)"})
    services.update_resident(world.staff1, world.R1, {"relation": "户主"})
    db.session.commit()
    # The device edits offline: one field collides, one does not.
    merged = phone.mutation("households", "update", world.H1.id, {"notes": "新装了扶手"},
                            base_version=household["version"])
    late = phone.mutation("households", "update", world.H1.id, {"head_name": "张伟伟"},
                          base_version=household["version"], client_time="2099-01-01T00:00:00+08:00")
    early = phone.mutation("residents", "update", world.R1.id, {"relation": "本人"},
                           base_version=resident["version"], client_time="2099-01-01T00:00:00+08:00")
    results = phone.push_raw([merged, late, early]).get_json()["results"]
    assert [r["status"] for r in results] == ["merged", "conflict", "conflict"], results
    db.session.expire_all()
    # households: the later client_time wins; residents: the server's value stands
    assert world.H1.head_name == "张伟伟" and world.H1.notes == "新装了扶手"
    assert world.R1.relation == "户主"
    conflicts = {c.id: c for c in db.session.scalars(select(Conflict))}
    assert set(conflicts) == {results[1]["conflict_id"], results[2]["conflict_id"]}
    household_conflict = conflicts[results[1]["conflict_id"]]
    assert household_conflict.fields["head_name"] == {"server": "张伟(户主)", "client": "张伟伟", "winner": "client"}
    assert conflicts[results[2]["conflict_id"]].fields["relation"]["winner"] == "server"


def test_delete_racing_an_edit_keeps_the_record(world, device, ctx):
    from backend.registry import services

    phone = device("staff1")
    phone.pull()
    base = phone.get("households", world.H2.id)["version"]
    services.update_household(world.staff1, world.H2, {"notes": "刚更新"})
    db.session.commit()
    result = phone.push_raw([phone.mutation("households", "delete", world.H2.id, base_version=base)]) \
        .get_json()["results"][0]
    assert result["status"] == "conflict"
    db.session.expire_all()
    assert world.H2.retired_at is None


def test_delete_retires_and_devices_purge(world, device):
    phone = device("staff1")
    phone.pull()
    base = phone.get("households", world.H2.id)["version"]
    result = phone.push_raw([phone.mutation("households", "delete", world.H2.id, {"reason": "搬走"},
                                            base_version=base)]).get_json()["results"][0]
    assert result["status"] == "applied"
    phone.pull()
    assert world.H2.id not in phone.ids("households")


def test_a_device_may_delete_what_it_edited_offline(world, device):
    phone = device("staff1")
    phone.pull()
    base = phone.get("households", world.H2.id)["version"]
    edit = phone.mutation("households", "update", world.H2.id, {"notes": "改一下"}, base_version=base)
    delete = phone.mutation("households", "delete", world.H2.id, {"reason": "搬走"}, base_version=base)
    results = phone.push_raw([edit, delete]).get_json()["results"]
    assert [r["status"] for r in results] == ["applied", "applied"], results
    db.session.expire_all()
    assert world.H2.retired_at is not None


def test_a_delete_still_loses_to_another_devices_edit(world, device):
    one, two = device("staff1"), device("staff1")
    one.pull()
    two.pull()
    base = one.get("households", world.H2.id)["version"]
    two.push_raw([two.mutation("households", "update", world.H2.id, {"notes": "另一台设备"}, base_version=base)])
    result = one.push_raw([one.mutation("households", "delete", world.H2.id, base_version=base)]) \
        .get_json()["results"][0]
    assert result["status"] == "conflict"
    db.session.expire_all()
    assert world.H2.retired_at is None


def test_photo_capture_times_travel_with_the_record(world, device):
    photo = "a" * 64
    phone = device("worker1")
    phone.record("visits", "create", data=visit_data(world.H1.id, photos=[photo],
                                                     photo_times={photo: "2026-11-20T09:10:00+08:00"}))
    phone.sync()
    (visit,) = [phone.get("visits", record_id) for record_id in phone.ids("visits")]
    assert visit["photo_times"] == {photo: "2026-11-20T09:10:00+08:00"}
    stray = phone.mutation("visits", "create", data=visit_data(world.H1.id, photos=[photo],
                                                               photo_times={"b" * 64: "2026-11-20T09:10:00+08:00"}))
    result = phone.push_raw([stray]).get_json()["results"][0]
    assert result["status"] == "rejected" and "photo_times" in result["error"]["errors"]
