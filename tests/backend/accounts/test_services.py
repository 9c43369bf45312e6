"""Account administration (backend/accounts/services.py): creating accounts
within one's reach (role, scopes, household, the shared checks named field by
field), changing scopes, switching accounts off (which signs them out
everywhere), and residents' self-registration, its confirmation, rejection
and the list of registrations waiting."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from backend import clock
from backend.accounts import services as accounts
from backend.audit.models import AuditEntry
from backend.auth import services as auth
from backend.auth.passwords import verify_password
from backend.common import utcnow
from backend.errors import Invalid, Refused
from backend.extensions import db
from tests.factories import HouseholdFactory, user
from tests.timing import EPOCH

GOOD = "long-enough-1"


def create(actor, **fields):
    account = {"username": "worker9", "display_name": "新网格员", "password": GOOD, "role": "grid_worker"}
    return accounts.create_user(actor, **(account | fields))


def refused_fields(call) -> set:
    with pytest.raises(Invalid) as raised:
        call()
    return set(raised.value.errors)


def audit(action):
    return db.session.scalar(select(AuditEntry).where(AuditEntry.action == action))


# --- create_user ---------------------------------------------------------------------

def test_a_manager_creates_a_scoped_account_hashed_and_audited(world):
    made = create(world.staff1, username=" worker9 ", scope_ids=[world.G1.id, world.G2.id, world.G1.id],
                  phone="13700000009")
    assert (made.username, made.display_name, made.role, made.status, made.phone) == (
        "worker9", "新网格员", "grid_worker", "active", "13700000009")
    assert [node.id for node in made.scope_nodes] == [world.G1.id, world.G2.id]  # each once
    assert made.password_hash.startswith("$argon2id$") and GOOD not in made.password_hash
    assert verify_password(made.password_hash, GOOD)
    entry = audit("create_user")
    assert (entry.actor_id, entry.target_id, entry.detail) == (
        world.staff1.id, made.id, {"role": "grid_worker", "username": "worker9"})


def test_the_shared_checks_name_each_field(world):
    assert refused_fields(lambda: create(world.admin, username="bad name!", display_name=" ", password="short",
                                         role="mayor")) == {"username", "display_name", "password", "role"}
    assert refused_fields(lambda: create(world.admin, username="WORKER1", scope_ids=[world.G1.id])) == {
        "username"}  # taken, whatever the case
    assert refused_fields(lambda: create(world.admin, username="x" * 51, display_name="名" * 51,
                                         scope_ids=[world.G1.id])) == {"username", "display_name"}


def test_a_manager_creates_only_lower_roles_in_its_area(world):
    assert refused_fields(lambda: create(world.staff1, role="street_officer", scope_ids=[world.S1.id])) == {
        "role", "scope_ids"}
    assert refused_fields(lambda: create(world.staff1, scope_ids=[world.G5.id])) == {"scope_ids"}
    assert refused_fields(lambda: create(world.worker1, scope_ids=[world.G1.id])) == {"role"}


def test_the_scope_must_fit_the_role(world):
    assert refused_fields(lambda: create(world.admin, scope_ids=[])) == {"scope_ids"}
    assert refused_fields(lambda: create(world.admin, scope_ids=["no-such-node"])) == {"scope_ids"}
    assert refused_fields(lambda: create(world.admin, scope_ids=[world.C1.id])) == {"scope_ids"}  # not a grid
    assert refused_fields(lambda: create(world.admin, role="community_staff",
                                         scope_ids=[world.C1.id, world.C2.id])) == {"scope_ids"}
    world.G2.retired_at = utcnow()
    assert refused_fields(lambda: create(world.admin, scope_ids=[world.G2.id])) == {"scope_ids"}


def test_an_admin_has_no_scope_and_a_volunteer_belongs_to_its_community(world):
    admin = create(None, username="root2", role="admin", scope_ids=[world.G1.id])
    assert admin.scope_nodes == [] and admin.community_id is None
    volunteer = create(world.staff1, username="helper", role="volunteer", scope_ids=[world.C1.id])
    assert volunteer.community_id == world.C1.id


def test_a_resident_account_belongs_to_a_household_within_reach(world):
    made = create(world.admin, username="res9", role="resident", household_id=world.H2.id)
    assert (made.household_id, made.community_id, made.scope_nodes) == (world.H2.id, world.C1.id, [])
    assert refused_fields(lambda: create(world.admin, username="res8", role="resident")) == {"household_id"}
    world.H5.retired_at = utcnow()
    assert refused_fields(lambda: create(None, username="res6", role="resident",
                                         household_id=world.H5.id)) == {"household_id"}
    # Only admin creates residents (the others' are registered); the household is checked all the same.
    assert refused_fields(lambda: create(world.staff2, username="res7", role="resident",
                                         household_id=world.H2.id)) == {"role", "household_id"}


# --- scopes and switching off ---------------------------------------------------------------

def test_set_scopes_replaces_them_within_reach_and_audits(world):
    accounts.set_scopes(world.staff1, world.worker1, [world.G2.id])
    assert [node.id for node in world.worker1.scope_nodes] == [world.G2.id]
    assert audit("set_scopes").detail == {"before": [world.G1.id], "after": [world.G2.id]}
    with pytest.raises(Invalid) as raised:
        accounts.set_scopes(world.staff1, world.worker1, [world.G5.id])
    assert set(raised.value.errors) == {"scope_ids"}
    with pytest.raises(Refused):
        accounts.set_scopes(world.staff2, world.worker1, [world.G5.id])
    with pytest.raises(Refused):
        accounts.set_scopes(world.worker1, world.worker1, [world.G1.id])  # not one's own
    assert [node.id for node in world.worker1.scope_nodes] == [world.G2.id]


def test_switching_an_account_off_signs_it_out_everywhere(world):
    token, device = auth.issue_device_token(world.worker1, "d-1", "phone", None)
    clock.run_from(EPOCH + timedelta(hours=1))
    accounts.set_active(world.admin, world.worker1, False)
    assert not world.worker1.is_active and world.worker1.session_epoch == 1
    assert device.revoked_at is not None and device.revoked_by_id == world.admin.id
    assert auth.device_for_token(token) is None
    assert audit("deactivate_user").target_id == world.worker1.id
    accounts.set_active(world.admin, world.worker1, True)
    assert world.worker1.is_active and audit("activate_user") is not None
    assert auth.device_for_token(token) is None  # a revoked device stays revoked


def test_only_a_manager_switches_an_account(world):
    for actor in (world.worker1, world.staff2):
        with pytest.raises(Refused):
            accounts.set_active(actor, world.worker1, False)
    assert world.worker1.is_active


# --- self-registration ------------------------------------------------------------------------

def register(world, **fields):
    form = {"invite_code": world.C1.invite_code, "username": "newcomer", "display_name": "周新",
            "password": "resident-pass-1", "phone": " 13700000007 ", "claimed_address": " 幸福小区2号楼 "}
    return accounts.register_resident(**(form | fields))


def test_a_registration_is_a_pending_resident_of_the_codes_community(world):
    made = register(world, invite_code=f" {world.C1.invite_code.lower()} ")
    assert (made.role, made.status, made.community_id, made.household_id) == ("resident", "pending", world.C1.id,
                                                                              None)
    assert (made.phone, made.claimed_address) == ("13700000007", "幸福小区2号楼")
    entry = audit("register_resident")
    assert (entry.actor_id, entry.detail) == (made.id, {"community_id": world.C1.id})


def test_a_registration_names_what_is_wrong(world):
    assert refused_fields(lambda: register(world, invite_code="NOPE", claimed_address=" ", phone="1" * 21,
                                           username="staff1", password="short")) == {
        "invite_code", "claimed_address", "phone", "username", "password"}
    assert refused_fields(lambda: register(world, invite_code=None)) == {"invite_code"}


def test_a_retired_communitys_code_no_longer_registers(world):
    world.C1.retired_at = utcnow()
    assert refused_fields(lambda: register(world)) == {"invite_code"}


def test_confirming_links_the_household_and_activates(world):
    newcomer = register(world)
    accounts.confirm_resident(world.staff1, newcomer, world.H2)
    assert (newcomer.status, newcomer.household_id) == ("active", world.H2.id)
    assert audit("confirm_resident").detail == {"household_id": world.H2.id}
    with pytest.raises(Invalid):  # decided once
        accounts.confirm_resident(world.staff1, newcomer, world.H2)


def test_confirming_needs_reach_and_a_household_of_the_community(world):
    newcomer = register(world)
    with pytest.raises(Refused):
        accounts.confirm_resident(world.staff2, newcomer, world.H5)
    with pytest.raises(Refused):
        accounts.confirm_resident(world.worker1, newcomer, world.H1)
    with pytest.raises(Invalid) as raised:
        accounts.confirm_resident(world.admin, newcomer, world.H5)
    assert set(raised.value.errors) == {"household_id"}
    with pytest.raises(Invalid) as raised:
        accounts.confirm_resident(world.staff1, world.worker1, world.H1)  # not a registration
    assert set(raised.value.errors) == {"user"}
    assert newcomer.status == "pending"


def test_a_registration_is_not_confirmed_into_a_retired_household(world):
    newcomer = register(world)
    world.H2.retired_at = utcnow()
    with pytest.raises(Invalid) as raised:
        accounts.confirm_resident(world.staff1, newcomer, world.H2)
    assert set(raised.value.errors) == {"household_id"}
    assert newcomer.status == "pending" and newcomer.household_id is None


def test_rejecting_keeps_the_record_and_ends_the_waiting(world):
    newcomer = register(world)
    with pytest.raises(Refused):
        accounts.reject_resident(world.staff2, newcomer)
    accounts.reject_resident(world.staff1, newcomer)
    assert newcomer.status == "rejected" and not newcomer.is_active
    assert audit("reject_resident").target_id == newcomer.id
    with pytest.raises(Refused):
        accounts.reject_resident(world.staff1, newcomer)
    assert accounts.pending_registrations(world.staff1) == []


def test_the_registrations_waiting_are_those_of_ones_area_oldest_first(world):
    first = register(world)
    clock.run_from(EPOCH + timedelta(hours=1))
    second = register(world, username="newcomer2", invite_code=world.C2.invite_code)
    clock.run_from(EPOCH + timedelta(hours=2))
    third = register(world, username="newcomer3")
    user("confirmed", "resident", home=HouseholdFactory(grid=world.G1))
    assert accounts.pending_registrations(world.staff1) == [first, third]
    assert accounts.pending_registrations(world.staff2) == [second]
    assert accounts.pending_registrations(world.street1) == [first, second, third]
    assert accounts.pending_registrations(world.worker1) == []


# --- an account's contact details ---------------------------------------------------

def test_a_registrations_phone_and_address_are_sealed_masked_and_revealed_with_an_audit(world):
    from sqlalchemy import text

    made = register(world)
    db.session.flush()
    raw = db.session.execute(text("SELECT phone, claimed_address, phone_enc, claimed_address_enc FROM users "
                                  "WHERE id = :id"), {"id": made.id}).one()
    assert (raw.phone, raw.claimed_address) == (None, None)
    assert raw.phone_enc.startswith("k1:") and "13700000007" not in raw.phone_enc
    assert accounts.masked_contact(made, "phone") == "137****0007"
    assert "2号楼" not in accounts.masked_contact(made, "claimed_address")
    assert accounts.reveal_contact(world.staff1, made, "phone", "10.0.0.1") == "13700000007"
    assert accounts.reveal_contact(world.staff1, made, "claimed_address") == "幸福小区2号楼"
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "reveal")
                                 .order_by(AuditEntry.detail["field"].as_string())).all()
    assert [(e.actor_id, e.target_type, e.target_id, e.detail) for e in entries] == [
        (world.staff1.id, "user", made.id, {"field": "claimed_address"}),
        (world.staff1.id, "user", made.id, {"field": "phone"})]
    assert entries[1].address == "10.0.0.1"


def test_only_a_manager_of_the_account_reveals_its_contact(world):
    made = register(world)
    for actor in (world.staff2, world.worker1, world.street2, world.resident1):
        with pytest.raises(Refused):
            accounts.reveal_contact(actor, made, "phone")
    with pytest.raises(Invalid):
        accounts.reveal_contact(world.staff1, made, "password_hash")
    assert audit("reveal") is None


# --- issue 12: credentials within one's rights, temporary passwords -----------------------

def test_a_read_only_officer_creates_no_account_that_may_reveal(world):
    for role, scope in (("community_staff", world.C1), ("grid_worker", world.G1), ("station_operator", world.ST1)):
        assert "role" in refused_fields(lambda r=role, s=scope: create(world.street1, role=r, scope_ids=[s.id]))
        assert refused_fields(lambda r=role, s=scope: create(world.district, role=r, scope_ids=[s.id])) == {"role"}
    assert create(world.street1, role="volunteer", scope_ids=[world.C1.id]).role == "volunteer"


def test_an_account_made_by_staff_must_choose_its_own_password(world):
    made = create(world.staff1, scope_ids=[world.G1.id])
    assert auth.must_change_password(made)
    assert made.password_temporary_until > clock.now() + timedelta(hours=71)
    trusted = create(None, username="worker8", scope_ids=[world.G1.id])  # the command line
    assert not auth.must_change_password(trusted)


def test_a_reset_gives_a_temporary_password_and_ends_every_session_and_token(world):
    token, _device = auth.issue_device_token(world.worker1, "d-1", "phone", None)
    temporary = accounts.reset_password(world.staff1, world.worker1, "10.0.0.7")
    assert len(temporary) >= 16 and verify_password(world.worker1.password_hash, temporary)
    assert auth.must_change_password(world.worker1) and world.worker1.session_epoch == 1
    assert auth.device_for_token(token) is None
    entry = audit("reset_password")
    assert (entry.actor_id, entry.target_id, entry.address) == (world.staff1.id, world.worker1.id, "10.0.0.7")
    assert temporary not in str(entry.detail)
    assert accounts.reset_password(world.staff1, world.worker1) != temporary  # a new one each time
    # It expires.
    clock.run_from(clock.now() + timedelta(hours=73))
    assert auth.authenticate("worker1", temporary, "10.0.0.1").user is None


def test_a_reset_above_ones_rights_or_outside_ones_area_is_refused(world):
    for actor, target in ((world.street1, world.staff1), (world.street1, world.worker1),
                          (world.district, world.station1), (world.staff2, world.worker1),
                          (world.staff1, world.staff1), (world.worker1, world.volunteer1)):
        with pytest.raises(Refused):
            accounts.reset_password(actor, target)
    assert world.staff1.session_epoch == 0 and not auth.must_change_password(world.staff1)
