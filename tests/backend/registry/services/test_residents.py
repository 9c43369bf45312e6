"""Residents through the registry's services: each field checked (an ID card
number upper-cased and blind-indexed, no birth date after today), the
household's member count kept, partial edits, moves between households, and
sensitive fields revealed only to keepers, every look audited."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from backend import clock
from backend.audit.models import AuditEntry
from backend.errors import Invalid, Refused
from backend.extensions import db
from backend.registry import sensitive
from backend.registry import services as registry
from backend.registry.models import Resident

ID_NUMBER = "11010119400101123X"


def invalid(call, *args) -> dict:
    with pytest.raises(Invalid) as raised:
        call(*args)
    db.session.rollback()
    return raised.value.errors


def test_a_resident_is_added_and_counted(world):
    made = registry.create_resident(world.worker1, world.H1, {
        "name": " 张小伟 ", "gender": "M", "birth_date": "2015-06-01", "relation": "孙子",
        "id_number": " 11010120150601123x", "phone": " 13800000009 ", "care_tags": ["disabled"]})
    assert (made.name, made.gender, made.birth_date.isoformat(), made.relation) == ("张小伟", "M", "2015-06-01", "孙子")
    assert (made.household_id, made.grid_id, made.community_id) == (world.H1.id, world.G1.id, world.C1.id)
    assert sensitive.decrypt(made.id_number_enc) == "11010120150601123X"  # stored upper-cased
    assert made.id_number_hash == sensitive.blind_index("11010120150601123X")
    assert sensitive.decrypt(made.phone_enc) == "13800000009"
    assert world.H1.member_count == 3
    assert db.session.scalar(select(AuditEntry.detail).where(AuditEntry.action == "create",
                                                             AuditEntry.target_id == made.id)) == {
        "household_id": world.H1.id}


@pytest.mark.parametrize(("data", "fields"), [
    ({}, {"name"}),
    ({"name": "x" * 51}, {"name"}),
    ({"name": "甲", "gender": "X"}, {"gender"}),
    ({"name": "甲", "birth_date": "1.1.1940"}, {"birth_date"}),
    ({"name": "甲", "relation": "x" * 21, "notes": "x" * 2001}, {"relation", "notes"}),
    ({"name": "甲", "id_number": "11010119400101123"}, {"id_number"}),   # 17 characters
    ({"name": "甲", "id_number": "1101011940010112XX"}, {"id_number"}),
    ({"name": "甲", "phone": "abc"}, {"phone"}),
    ({"name": "甲", "care_tags": ["nope"]}, {"care_tags"}),
])
def test_bad_fields_are_named(world, data, fields):
    assert set(invalid(registry.create_resident, world.staff1, world.H1, data)) == fields
    assert world.H1.member_count == 2


def test_no_birth_date_after_today(world):
    today = clock.today()
    registry.create_resident(world.staff1, world.H2, {"name": "新生儿", "birth_date": today.isoformat()})
    assert set(invalid(registry.create_resident, world.staff1, world.H2,
                       {"name": "甲", "birth_date": (today + timedelta(days=1)).isoformat()})) == {"birth_date"}


def test_only_keepers_add_residents(world):
    for reader in (world.street1, world.resident1, world.worker2):
        with pytest.raises(Refused):
            registry.create_resident(reader, world.H1, {"name": "甲"})


def test_an_edit_touches_only_the_fields_sent(world):
    registry.update_resident(world.worker1, world.R1, {"relation": "户主", "phone": None})
    db.session.expire_all()
    r1 = db.session.get(Resident, world.R1.id)
    assert (r1.name, r1.gender, r1.relation, r1.phone_enc) == ("张伟", "M", "户主", None)
    assert sensitive.decrypt(r1.id_number_enc) == ID_NUMBER  # not sent: kept
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "update",
                                                        AuditEntry.target_id == r1.id)).one()
    assert entry.detail == {"fields": ["phone", "relation"]}
    assert set(invalid(registry.update_resident, world.worker1, r1, {"name": ""})) == {"name"}
    with pytest.raises(Refused):
        registry.update_resident(world.street1, r1, {"notes": "x"})


def test_retiring_a_resident_recounts_the_household(world):
    with pytest.raises(Refused):
        registry.retire_resident(world.worker1, world.R1b, "moved away")
    assert set(invalid(registry.retire_resident, world.staff1, world.R1b, "")) == {"reason"}
    registry.retire_resident(world.staff1, world.R1b, " 去世 ")
    assert (world.R1b.retire_reason, world.H1.member_count) == ("去世", 1)


def test_a_resident_moves_only_to_a_live_household_one_may_change(world):
    assert set(invalid(registry.move_resident, world.worker1, world.R1b, world.H2.id)) == {"household_id"}
    assert set(invalid(registry.move_resident, world.staff1, world.R1b, "nope")) == {"household_id"}
    registry.retire_household(world.staff1, world.H2, "merged")
    assert set(invalid(registry.move_resident, world.staff1, world.R1b, world.H2.id)) == {"household_id"}
    with pytest.raises(Refused):
        registry.move_resident(world.street1, world.R1b, world.H5.id)
    assert world.H1.member_count == 2


def test_reveal_gives_the_clear_value_to_keepers_and_audits_it(world):
    assert registry.reveal(world.worker1, world.R1, "id_number", "10.0.0.7") == ID_NUMBER
    assert registry.reveal(world.worker1, world.H1, "phone") == "13800000001"
    assert registry.reveal(world.worker1, world.R1b, "phone") == ""  # none recorded
    entries = list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == "reveal").order_by(AuditEntry.id)))
    assert [(e.target_type, e.target_id, e.detail, e.address) for e in entries] == [
        ("resident", world.R1.id, {"field": "id_number"}, "10.0.0.7"),
        ("household", world.H1.id, {"field": "phone"}, None),
        ("resident", world.R1b.id, {"field": "phone"}, None)]


def test_reveal_is_refused_to_readers_and_only_for_sensitive_fields(world):
    for reader in (world.street1, world.district, world.resident1, world.worker2):
        with pytest.raises(Refused):
            registry.reveal(reader, world.R1, "id_number")
    assert set(invalid(registry.reveal, world.staff1, world.R1, "notes")) == {"field"}
    assert set(invalid(registry.reveal, world.staff1, world.H1, "id_number")) == {"field"}  # households have none
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "reveal")) is None


def test_masked_values(world):
    assert registry.masked(world.R1, "id_number") == "1****************X"
    assert registry.masked(world.H1, "phone") == "138****0001"
    assert registry.masked(world.R2, "phone") == ""
