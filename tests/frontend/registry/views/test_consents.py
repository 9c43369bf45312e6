"""Consent on the registry pages: the edit and add forms ask for it when a sensitive tag is set
(the message next to the field), the resident's and household's pages list the records with who
agreed, how, who noted it and when, and a withdrawal is recorded on the page, never deleted."""

from sqlalchemy import select

from backend.extensions import db
from backend.registry.models import Consent, Resident
from tests.factories import ConsentFactory
from tests.frontend.registry.conftest import error_for

FORM = {"name": "张伟", "gender": "M", "birth_date": "", "relation": "", "id_number": "", "phone": "", "notes": ""}


def test_setting_a_sensitive_tag_asks_for_consent_next_to_the_field(world, browser, fresh):
    worker1 = browser("worker1")
    form = worker1.get(f"/registry/residents/{world.R1.id}/edit").get_data(as_text=True)
    assert 'id="consent-fields"' in form and 'name="consent_basis"' in form
    refused = worker1.post(f"/registry/residents/{world.R1.id}/edit",
                           FORM | {"care_tags": ["elderly_alone", "rehabilitation"]})
    assert refused.status_code == 422
    assert "rehabilitation" in error_for(refused.get_data(as_text=True), "consent")
    assert {t.code for t in fresh(Resident, world.R1.id).care_tags} == {"elderly_alone"}
    no_law = worker1.post(f"/registry/residents/{world.R1.id}/edit",
                          FORM | {"care_tags": ["rehabilitation"], "consent_basis": "legal_duty"})
    assert no_law.status_code == 422
    assert error_for(no_law.get_data(as_text=True), "consent.detail") == "Name the law or duty that allows it."
    saved = worker1.post(f"/registry/residents/{world.R1.id}/edit", FORM | {
        "care_tags": ["rehabilitation"], "consent_basis": "guardian", "consent_given_by": "张伟之子",
        "consent_detail": "电话确认"})
    assert saved.status_code == 303
    record = fresh(Consent, db.session.scalar(select(Consent.id)))
    assert (record.resident_id, record.tag_code, record.basis, record.given_by, record.detail) == (
        world.R1.id, "rehabilitation", "guardian", "张伟之子", "电话确认")
    page = worker1.get(f"/registry/residents/{world.R1.id}").get_data(as_text=True)
    consents = page.split('id="consents"', 1)[1]
    assert "Consent of a guardian" in consents and "张伟之子" in consents and "电话确认" in consents
    assert "In community rehabilitation" in consents


def test_a_new_resident_with_a_sensitive_tag_needs_consent(world, browser, fresh):
    staff1 = browser("staff1")
    refused = staff1.post(f"/registry/households/{world.H1.id}/residents",
                          FORM | {"name": "新人", "care_tags": ["community_correction"]})
    assert refused.status_code == 422 and error_for(refused.get_data(as_text=True), "consent")
    made = staff1.post(f"/registry/households/{world.H1.id}/residents", FORM | {
        "name": "新人", "care_tags": ["community_correction"], "consent_basis": "legal_duty",
        "consent_detail": "社区矫正法"})
    assert made.status_code == 303
    household = staff1.get(f"/registry/households/{world.H1.id}").get_data(as_text=True)
    assert "A duty under law (no consent needed)" in household.split('id="consents"', 1)[1]


def test_consent_records_of_sensitive_tags_are_hidden_from_readers(world, browser):
    ConsentFactory(resident=world.R1b, tag_code="community_correction", recorder=world.staff1, detail="矫正决定书")
    db.session.commit()
    assert "矫正决定书" in browser("staff1").get(f"/registry/residents/{world.R1b.id}").get_data(as_text=True)
    for reader in ("street1",):
        assert "矫正决定书" not in browser(reader).get(f"/registry/residents/{world.R1b.id}").get_data(as_text=True)
        assert "矫正决定书" not in browser(reader).get(f"/registry/households/{world.H1.id}").get_data(as_text=True)
    resident_page = browser("resident1", staff=False).get(f"/registry/households/{world.H1.id}")
    assert resident_page.status_code == 200 and "矫正决定书" not in resident_page.get_data(as_text=True)


def test_a_withdrawal_is_recorded_on_the_page_and_the_tag_comes_off(world, browser, fresh):
    record = ConsentFactory(resident=world.R1b, tag_code="community_correction", recorder=world.staff1)
    db.session.commit()
    record_id = record.id
    assert browser("street1").post(f"/registry/consents/{record_id}/withdraw", {"reason": "x"}).status_code == 404
    assert browser("staff2").post(f"/registry/consents/{record_id}/withdraw", {"reason": "x"}).status_code == 404
    staff1 = browser("staff1")
    assert staff1.post(f"/registry/consents/{record_id}/withdraw", {"reason": ""}).status_code == 303
    assert fresh(Consent, record_id).withdrawn_at is None
    response = staff1.post(f"/registry/consents/{record_id}/withdraw", {"reason": "本人来电撤回"})
    assert response.status_code == 303
    kept = fresh(Consent, record_id)
    assert kept.withdrawn_at is not None and kept.withdraw_reason == "本人来电撤回"
    assert fresh(Resident, world.R1b.id).care_tags == []
    page = staff1.get(f"/registry/residents/{world.R1b.id}").get_data(as_text=True)
    assert "本人来电撤回" in page.split('id="consents"', 1)[1]
    assert staff1.post(f"/registry/consents/{record_id}/withdraw", {"reason": "again"}).status_code == 409
