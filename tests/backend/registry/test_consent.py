"""Consent records: a sensitive care tag is set only with the person's consent (or a legal basis)
recorded in the same write, naming who agreed, how, who noted it and when; a withdrawal is
written on the record, never a deletion, and takes the tag off; those who may not see sensitive
tags do not see the records that would tell them. (Requests raised on a resident's behalf:
tests/backend/requests/services/test_raising.py; the API: tests/backend/registry/test_api.py.)"""

import pytest
from sqlalchemy import func, select

from backend.audit.models import AuditEntry
from backend.errors import Conflict, Invalid, Refused
from backend.extensions import db
from backend.registry import consent as consents
from backend.registry import services as registry
from backend.registry.models import Consent, Household, Resident
from tests.factories import ConsentFactory


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(Consent))


def test_a_sensitive_tag_without_consent_is_refused_naming_the_field(world):
    with pytest.raises(Invalid) as raised:
        registry.update_resident(world.worker1, world.R1, {"care_tags": ["elderly_alone", "rehabilitation"]})
    assert list(raised.value.errors) == ["consent"]
    assert "rehabilitation" in raised.value.errors["consent"][0]
    db.session.rollback()
    assert [t.code for t in db.session.get(Resident, world.R1.id).care_tags] == ["elderly_alone"]
    assert count() == 0


def test_a_sensitive_tag_with_consent_records_who_how_and_when(world):
    registry.update_resident(world.worker1, world.R1, {"care_tags": ["elderly_alone", "rehabilitation"],
                                                       "consent": {"basis": "written", "detail": "签字同意书"}})
    db.session.commit()
    record = db.session.scalar(select(Consent))
    assert (record.resident_id, record.household_id, record.purpose, record.tag_code) == (
        world.R1.id, None, "care_tag", "rehabilitation")
    assert (record.basis, record.given_by, record.detail) == ("written", world.R1.name, "签字同意书")
    assert record.recorded_by_id == world.worker1.id and record.recorded_at is not None
    assert record.active
    assert "rehabilitation" in {t.code for t in db.session.get(Resident, world.R1.id).care_tags}
    assert db.session.scalar(select(AuditEntry.detail).where(AuditEntry.action == "consent"))["consent_id"] == record.id


def test_non_sensitive_tags_and_tags_already_consented_need_nothing_more(world):
    registry.update_resident(world.worker1, world.R1, {"care_tags": ["elderly_alone", "disabled"]})
    assert count() == 0
    ConsentFactory(resident=world.R1, tag_code="rehabilitation", recorder=world.worker1)
    registry.update_resident(world.worker1, world.R1, {"care_tags": ["rehabilitation"]})
    assert count() == 1  # the consent in force allows it: no second record
    # R1b carries community_correction already (set before consent records existed): an edit keeps it.
    registry.update_resident(world.worker1, world.R1b, {"name": "张秀英", "care_tags": ["community_correction"]})


@pytest.mark.parametrize(("consent", "fields"), [
    ({"basis": "legal_duty"}, {"consent.detail"}),               # which law?
    ({"basis": "guardian"}, {"consent.given_by"}),               # which guardian?
    ({"basis": "nodded"}, {"consent.basis"}),
    ({"basis": "written", "detail": "x" * 201}, {"consent.detail"}),
    ("yes", {"consent"}),
])
def test_a_consent_that_does_not_say_enough_is_refused_naming_its_field(world, consent, fields):
    with pytest.raises(Invalid) as raised:
        registry.update_resident(world.worker1, world.R1, {"care_tags": ["rehabilitation"], "consent": consent})
    assert set(raised.value.errors) == fields
    db.session.rollback()
    assert count() == 0


def test_a_legal_duty_is_a_basis_and_is_recorded(world):
    resident = registry.create_resident(world.staff1, world.H2, {
        "name": "李强", "care_tags": ["community_correction"],
        "consent": {"basis": "legal_duty", "detail": "《社区矫正法》第二十五条"}})
    household = registry.create_household(world.worker1, {
        "grid_id": world.G1.id, "address": "幸福小区9号", "head_name": "赵六", "care_tags": ["rehabilitation"],
        "consent": {"basis": "guardian", "given_by": "赵六之妻"}})
    db.session.commit()
    assert [(c.basis, c.detail) for c in consents.of(resident)] == [("legal_duty", "《社区矫正法》第二十五条")]
    assert [(c.household_id, c.basis, c.given_by) for c in consents.of(household)] == [
        (household.id, "guardian", "赵六之妻")]
    with pytest.raises(Invalid) as raised:
        registry.create_household(world.worker1, {"grid_id": world.G1.id, "address": "幸福小区10号",
                                                  "head_name": "钱七", "care_tags": ["rehabilitation"]})
    assert list(raised.value.errors) == ["consent"]


def test_a_withdrawal_is_recorded_never_deleted_and_takes_the_tag_off(world):
    registry.update_resident(world.worker1, world.R1, {"care_tags": ["elderly_alone", "rehabilitation"],
                                                       "consent": {"basis": "verbal"}})
    record = db.session.scalar(select(Consent))
    consents.withdraw(world.staff1, record, "本人电话撤回")
    db.session.commit()
    db.session.expire_all()
    kept = db.session.get(Consent, record.id)
    assert kept.withdrawn_at is not None and kept.withdrawn_by_id == world.staff1.id
    assert kept.withdraw_reason == "本人电话撤回" and not kept.active
    assert [t.code for t in db.session.get(Resident, world.R1.id).care_tags] == ["elderly_alone"]
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action == "withdraw_consent")) == 1
    with pytest.raises(Conflict):
        consents.withdraw(world.staff1, kept, "again")
    db.session.rollback()
    # Setting the tag again asks for a new consent.
    with pytest.raises(Invalid):
        registry.update_resident(world.worker1, world.R1, {"care_tags": ["rehabilitation"]})


def test_a_withdrawal_needs_a_reason_and_someone_who_keeps_the_record(world):
    record = ConsentFactory(resident=world.R1, tag_code="rehabilitation", recorder=world.worker1)
    with pytest.raises(Invalid) as raised:
        consents.withdraw(world.worker1, record, " ")
    assert list(raised.value.errors) == ["reason"]
    for outsider in (world.staff2, world.street1, world.resident1):
        with pytest.raises(Refused):
            consents.withdraw(outsider, record, "撤回")
    assert db.session.get(Consent, record.id).withdrawn_at is None


def test_records_of_sensitive_tags_are_seen_only_by_those_who_see_the_tags(world):
    tag = ConsentFactory(resident=world.R1b, tag_code="community_correction", recorder=world.staff1)
    proxy = ConsentFactory(household=world.H1, purpose="proxy_request", tag_code=None, basis="verbal",
                           recorder=world.worker1)
    records = consents.of_household(db.session.get(Household, world.H1.id))
    assert {c.id for c in records} == {tag.id, proxy.id}
    assert consents.visible(world.staff1, records, world.H1) == records
    for reader in (world.street1, world.resident1, world.district):
        assert [c.id for c in consents.visible(reader, records, world.H1)] == [proxy.id]
    assert consents.dump(tag)["recorded_by"] == world.staff1.display_name
