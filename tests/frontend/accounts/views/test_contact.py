"""Accounts' phones and claimed addresses: sealed at rest (the raw row holds no
clear text), masked on the lists and pages, and shown in clear only through an
audited reveal, to those who manage the account."""

from sqlalchemy import select, text

from backend.audit.models import AuditEntry
from backend.auth.models import User
from backend.extensions import db
from backend.sensitive import keys
from tests.factories import UserFactory


def _pending(world):
    account = UserFactory(username="newcomer", role="resident", status="pending", community=world.C1,
                          phone="13700000007", claimed_address="幸福小区9号楼3单元909")
    db.session.commit()
    return account


def test_phone_and_claimed_address_are_sealed_at_rest(world):
    account = _pending(world)
    row = db.session.execute(text("SELECT phone, claimed_address, phone_enc, claimed_address_enc FROM users "
                                  "WHERE id = :id"), {"id": account.id}).one()
    assert row.phone is None and row.claimed_address is None  # the old clear columns stay empty
    assert row.phone_enc.startswith("k1:") and "13700000007" not in row.phone_enc
    assert row.claimed_address_enc.startswith("k1:") and "幸福" not in row.claimed_address_enc
    assert keys.decrypt(row.phone_enc) == "13700000007" and account.phone == "13700000007"
    assert account.masked_phone == "137****0007" and "909" not in account.masked_address


def test_registration_pages_mask_and_the_reveal_is_audited(world, browser):
    account = _pending(world)
    staff1 = browser("staff1")
    for path in ("/accounts/registrations", f"/accounts/registrations/{account.id}", f"/accounts/{account.id}"):
        html = staff1.get(path).get_data(as_text=True)
        assert "137****0007" in html and "13700000007" not in html and "3单元909" not in html, path
    assert f"/accounts/{account.id}/reveal/phone" in staff1.get(f"/accounts/{account.id}").get_data(as_text=True)

    shown = staff1.post(f"/accounts/{account.id}/reveal/phone", headers={"HX-Request": "true"})
    assert shown.status_code == 200 and "13700000007" in shown.get_data(as_text=True)
    page = staff1.post(f"/accounts/{account.id}/reveal/claimed_address")
    assert page.status_code == 200 and "幸福小区9号楼3单元909" in page.get_data(as_text=True)
    db.session.rollback()
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.target_id == account.id,
                                                          AuditEntry.action == "reveal")).all()
    assert sorted(e.detail["field"] for e in entries) == ["claimed_address", "phone"]
    assert {e.actor_id for e in entries} == {world.staff1.id} and all(e.target_type == "user" for e in entries)


def test_only_managers_of_the_account_may_reveal(world, browser):
    account = _pending(world)
    for username, statuses in (("staff2", {403, 404}), ("worker1", {403}), ("street2", {403, 404})):
        response = browser(username).post(f"/accounts/{account.id}/reveal/phone")
        assert response.status_code in statuses, username
        assert "13700000007" not in response.get_data(as_text=True)
    assert browser("staff1").post(f"/accounts/{account.id}/reveal/password_hash").status_code == 404
    db.session.rollback()
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "reveal")) is None


def test_an_accounts_phone_set_at_creation_is_sealed(world, browser):
    from tests.frontend.accounts.views.test_users import _new_worker

    response = browser("staff1").post("/accounts/new", {**_new_worker(), "scope_ids": [world.G1.id]})
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.rollback()
    made = db.session.scalar(select(User).where(User.username == "worker9"))
    raw = db.session.execute(text("SELECT phone, phone_enc FROM users WHERE id = :id"), {"id": made.id}).one()
    assert raw.phone is None and raw.phone_enc.startswith("k1:") and made.phone == "13900000009"
