"""The appliers' base rules (sync/apply.py): which fields each operation
takes, the field-level merge of editable records against base_version, what
counts as the same value, who raced a delete, and what a retired or unseen
record answers."""

import hashlib
import uuid

import pytest

from backend.extensions import db
from backend.registry import services
from backend.registry.models import Household
from sync.apply import APPLIERS, Rejected
from sync.changefeed import CLIENT_DEVICE, CLIENT_TIME
from sync.models import Conflict
from sync.push import Mutation


def mutation(collection, op, record_id, data=None, base_version=None, action=None,
             sent_time="2026-11-27T02:00:00.000000Z") -> Mutation:
    return Mutation(id=str(uuid.uuid4()), collection=collection, record_id=record_id, op=op, action=action,
                    base_version=base_version, data=data or {}, sent_time=sent_time,
                    raw_hash=hashlib.sha256(b"x").hexdigest(), index=0)


def apply(user, m: Mutation, device_pk="device-a") -> dict:
    """Apply as the push does: the device's key and the mutation's time on the session while it applies."""
    info = db.session.info
    info[CLIENT_DEVICE], info[CLIENT_TIME] = device_pk, m.client_time
    try:
        return APPLIERS[m.collection].apply(db.session, user, m, {}, {"prepared": {}})
    finally:
        info.pop(CLIENT_DEVICE, None)
        info.pop(CLIENT_TIME, None)


def test_the_fields_each_operation_takes(app):
    households, visits, tasks = APPLIERS["households"], APPLIERS["visits"], APPLIERS["visit_tasks"]
    assert households.fields_for("update", None) == {"address", "head_name", "notes", "care_tags", "consent"}
    assert households.fields_for("delete", None) == {"reason"}
    assert households.fields_for("action", "move") == {"grid_id", "building_id"}
    assert households.fields_for("action", "demolish") is None
    assert "household_id" in visits.fields_for("create", None)
    assert visits.fields_for("update", None) is None and visits.fields_for("delete", None) is None
    assert tasks.fields_for("create", None) is None


def test_an_operation_a_collection_does_not_take_is_rejected_with_its_reason(world):
    with pytest.raises(Rejected) as caught:
        apply(world.worker1, mutation("visits", "update", str(uuid.uuid4()), base_version=1))
    assert caught.value.status == 422 and caught.value.detail == APPLIERS["visits"].refusal("update")
    with pytest.raises(Rejected) as caught:
        apply(world.worker1, mutation("visit_tasks", "create", str(uuid.uuid4())))
    assert caught.value.status == 422


@pytest.mark.parametrize("op", ["update", "delete"])
def test_an_edit_names_a_base_version_no_newer_than_the_record(world, op):
    h1 = world.H1
    for base, message in ((None, "Required"), (h1.version + 1, "Newer")):
        with pytest.raises(Rejected) as caught:
            apply(world.staff1, mutation("households", op, h1.id, {"notes": "x"} if op == "update" else {},
                                         base_version=base))
        assert caught.value.status == 422 and message in caught.value.errors["base_version"][0]
    db.session.expire_all()
    assert h1.notes is None and h1.retired_at is None


def test_what_the_user_may_not_read_is_gone(world):
    with pytest.raises(Rejected) as caught:
        apply(world.worker1, mutation("households", "update", world.H2.id, {"notes": "x"}, base_version=1))
    assert caught.value.status == 404
    with pytest.raises(Rejected) as caught:
        apply(world.worker1, mutation("households", "update", str(uuid.uuid4()), {"notes": "x"}, base_version=1))
    assert caught.value.status == 404


def test_the_same_value_on_both_sides_is_no_collision(world):
    h1 = world.H1
    base = h1.version
    services.update_household(world.staff1, h1, {"address": "幸福路 9 号", "care_tags": ["elderly_alone", "dibao"]})
    result = apply(world.worker1, mutation("households", "update", h1.id,
                                           {"address": "  幸福路 9 号 ", "care_tags": ["dibao", "elderly_alone"]},
                                           base_version=base))
    assert result["status"] == "merged"
    assert db.session.scalar(db.select(Conflict.id)) is None


def test_a_collision_keeps_the_losing_value(world):
    r1 = world.R1
    base = r1.version
    services.update_resident(world.staff1, r1, {"relation": "户主"})
    result = apply(world.worker1, mutation("residents", "update", r1.id, {"relation": "本人", "notes": "新"},
                                           base_version=base, sent_time="2099-01-01T00:00:00.000000Z"))
    assert result["status"] == "conflict"
    conflict = db.session.get(Conflict, result["conflict_id"])
    assert conflict.fields == {"relation": {"server": "户主", "client": "本人", "winner": "server"}}
    assert (conflict.rule, conflict.space_id, conflict.user_id) == ("server_wins", world.C1.id, world.worker1.id)
    db.session.expire_all()
    assert (r1.relation, r1.notes) == ("户主", "新")  # the rest of the mutation applied


def test_a_consent_goes_with_the_fields_applied_and_is_never_in_a_conflict(world):
    """`consent` (for a sensitive tag) is carried by the write, not a field of the record."""
    from backend.registry.models import Consent

    r1 = world.R1
    base = r1.version
    services.update_resident(world.staff1, r1, {"relation": "户主"})
    alone = apply(world.worker1, mutation("residents", "update", r1.id, {"consent": {"basis": "verbal"}},
                                          base_version=base))
    assert alone["status"] == "merged" and db.session.scalar(db.select(db.func.count()).select_from(Consent)) == 0
    result = apply(world.worker1, mutation("residents", "update", r1.id, {
        "relation": "本人", "care_tags": ["elderly_alone", "rehabilitation"], "consent": {"basis": "verbal"}},
        base_version=base))
    assert result["status"] == "conflict"
    conflict = db.session.get(Conflict, result["conflict_id"])
    assert set(conflict.fields) == {"relation"}
    assert db.session.scalar(db.select(Consent.tag_code)) == "rehabilitation"
    db.session.expire_all()
    assert {t.code for t in r1.care_tags} == {"elderly_alone", "rehabilitation"}


def test_an_earlier_edit_of_this_same_device_is_no_collision(world):
    h1 = world.H1
    base = h1.version
    first = apply(world.worker1, mutation("households", "update", h1.id, {"notes": "一"}, base_version=base))
    again = apply(world.worker1, mutation("households", "update", h1.id, {"notes": "二"}, base_version=base))
    other = apply(world.worker1, mutation("households", "update", h1.id, {"notes": "三"}, base_version=base,
                                          sent_time="2000-01-01T00:00:00.000000Z"), device_pk="device-b")
    assert first["status"] == "applied" and again["status"] == "merged"
    assert other["status"] == "conflict"  # another device, and its time is earlier: the server's value stands
    db.session.expire_all()
    assert h1.notes == "二"


def test_who_edited_after_a_base():
    edited_by_others = APPLIERS["households"].edited_by_others
    record = Household(version=9, field_meta={"notes": [7, "t", "pk-a"], "address": [3, "t", "pk-b"]})
    assert edited_by_others(record, 9, "pk-z") is False  # nothing after the base
    assert edited_by_others(record, 5, "pk-z") is True
    assert edited_by_others(record, 5, "pk-a") is False  # only this device's own edit
    assert edited_by_others(record, 2, "pk-a") is True  # pk-b's edit at 3 too
    legacy = Household(version=9, field_meta={"notes": [7, "t"]})  # no writer noted
    assert edited_by_others(legacy, 5, "pk-a") is True


def test_a_retired_record_refuses_edits_and_takes_deletes_again(world):
    h2 = world.H2
    services.retire_household(world.staff1, h2, "搬走")
    db.session.commit()
    with pytest.raises(Rejected) as caught:
        apply(world.staff1, mutation("households", "update", h2.id, {"notes": "x"}, base_version=h2.version))
    assert caught.value.status == 409
    version = h2.version
    again = apply(world.staff1, mutation("households", "delete", h2.id))  # no base needed: nothing changes
    assert again == {"status": "applied", "version": version}


def test_a_device_delete_without_a_reason_says_so(world):
    h2 = world.H2
    result = apply(world.staff1, mutation("households", "delete", h2.id, {"reason": "  "}, base_version=h2.version))
    assert result["status"] == "applied"
    db.session.expire_all()
    assert h2.retired_at is not None and h2.retire_reason.strip()
