"""Retention (sync/retention.py): what expired goes, in batches, once — a second run finds
nothing — and each run is audited with its counts. Photos leave their records through the
change feed, so a device's copy loses them on its next pull, and their bytes go when no
record names them any more."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from backend import clock
from backend.audit.models import AuditEntry, RevealAlert
from backend.auth.models import Device, SignInAttempt
from backend.extensions import db
from backend.fieldwork.visits.models import Visit
from backend.requests.models import Request
from sync import retention
from sync.models import AppliedMutation, Attachment, AttachmentRef, AttachmentUpload, Conflict, SyncDevice
from tests.factories import (
    AppliedMutationFactory,
    AttachmentUploadFactory,
    AuditEntryFactory,
    ConflictFactory,
    DeviceFactory,
    PatrolReportFactory,
    RequestFactory,
    RevealAlertFactory,
    SignInAttemptFactory,
    SyncDeviceFactory,
    VisitFactory,
)

ZERO = dict.fromkeys(retention.NAMES, 0)


def _days_ago(days):
    return clock.now() - timedelta(days=days)


def _count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def _run(**kwargs):
    counts = retention.apply(db.session, **kwargs)
    db.session.commit()
    db.session.expire_all()
    return counts


def _runs():
    return [entry.detail["counts"] for entry in db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "apply_retention").order_by(AuditEntry.id))]


def test_visit_photos_leave_the_record_the_store_and_the_devices(world, device):
    old_photo, shared, young_photo = (AttachmentUploadFactory(user=world.worker1).sha256 for _ in range(3))
    old = VisitFactory(household=world.H1, author=world.worker1, visited_at=_days_ago(3 * 365 + 1),
                       photos=[old_photo, shared], photo_times={old_photo: "2023-01-01"})
    young = VisitFactory(household=world.H1, author=world.worker1, visited_at=_days_ago(3 * 365 - 1),
                         photos=[young_photo, shared])
    db.session.commit()
    phone = device("worker1")
    phone.pull()
    assert phone.get("visits", old.id)["photos"] == [old_photo, shared]

    assert _run() == ZERO | {"visit_photos": 1}
    stored = db.session.get(Visit, old.id)
    assert stored.photos == [] and stored.photo_times is None
    assert db.session.get(Visit, young.id).photos == [young_photo, shared]
    assert db.session.get(Attachment, old_photo) is None
    assert db.session.scalars(select(AttachmentUpload.sha256)).all().count(old_photo) == 0  # its uploader too
    assert db.session.get(Attachment, shared) is not None  # the young visit still names it
    assert db.session.scalars(select(AttachmentRef.record_id).where(AttachmentRef.sha256 == shared)).all() \
        == [young.id]
    phone.pull()
    assert phone.get("visits", old.id)["photos"] == [] and phone.get("visits", young.id)["photos"]

    assert _run() == ZERO  # a second run finds nothing
    clock.run_from(clock.now() + timedelta(days=2))  # the young visit's photos expire meanwhile
    assert _run() == ZERO | {"visit_photos": 1}
    assert db.session.get(Attachment, shared) is None and db.session.get(Attachment, young_photo) is None
    assert _runs() == [ZERO | {"visit_photos": 1}, ZERO, ZERO | {"visit_photos": 1}]


def test_patrol_and_closed_request_photos(world):
    patrol_photo = AttachmentUploadFactory(user=world.worker1).sha256
    request_photo, open_photo, withdrawn_photo, recent_photo = (  # the requester took them
        AttachmentUploadFactory(user=world.resident1).sha256 for _ in range(4))
    patrol = PatrolReportFactory(grid=world.G1, author=world.worker1, reported_at=_days_ago(3 * 365 + 1),
                                 photos=[patrol_photo])
    long_ago = _days_ago(2 * 365 + 1)
    closed = RequestFactory(household=world.H1, status="closed", at=long_ago, photos=[request_photo])
    still_open = RequestFactory(household=world.H1, status="accepted", at=long_ago, photos=[open_photo])
    withdrawn = RequestFactory(household=world.H1, status="withdrawn", at=long_ago, photos=[withdrawn_photo])
    lately = RequestFactory(household=world.H1, status="closed", at=_days_ago(2 * 365 - 1), photos=[recent_photo])
    db.session.commit()
    counts = _run()
    assert counts["patrol_photos"] == 1 and counts["request_photos"] >= 1
    assert patrol.photos == [] and db.session.get(Request, closed.id).photos == []
    assert db.session.get(Request, withdrawn.id).photos == []
    assert db.session.get(Request, still_open.id).photos == [open_photo]
    assert db.session.get(Request, lately.id).photos == [recent_photo]
    assert {a.sha256 for a in db.session.scalars(select(Attachment))} == {open_photo, recent_photo}
    assert _run() == ZERO


def test_records_no_device_holds_are_deleted(world):
    for days in (91, 91, 89):
        SignInAttemptFactory(at=_days_ago(days))
    revoked_long_ago = DeviceFactory(user=world.worker1, revoked_at=_days_ago(181))
    SyncDeviceFactory(device=revoked_long_ago)
    DeviceFactory(user=world.worker1, expires_at=_days_ago(181))
    revoked_lately = DeviceFactory(user=world.worker1, revoked_at=_days_ago(10))
    active = DeviceFactory(user=world.worker1)
    last = AppliedMutationFactory(user=world.worker1, applied_at=_days_ago(400))
    SyncDeviceFactory(device=active, last_mutation_id=last.id)
    AppliedMutationFactory(user=world.worker1, applied_at=_days_ago(181))
    young_mutation = AppliedMutationFactory(user=world.worker1, applied_at=_days_ago(179))
    ConflictFactory(record=world.H1, status="settled", settled_at=_days_ago(181))
    kept = {ConflictFactory(record=world.H1, status="settled", settled_at=_days_ago(179)).id,
            ConflictFactory(record=world.H1, created_at=_days_ago(400)).id}  # open: waiting for staff
    AuditEntryFactory(actor=world.staff1, at=_days_ago(3 * 365 + 1))
    RevealAlertFactory(user=world.worker1, at=_days_ago(3 * 365 + 1))
    RevealAlertFactory(user=world.worker2)
    db.session.commit()
    before = _count(AuditEntry)

    assert _run() == ZERO | {"sign_in_attempts": 2, "revoked_devices": 2, "sync_mutations": 1,
                             "settled_conflicts": 1, "audit_entries": 2}
    assert set(db.session.scalars(select(Conflict.id))) == kept
    assert _count(SignInAttempt) == 1
    assert set(db.session.scalars(select(Device.id))) == {revoked_lately.id, active.id}
    assert set(db.session.scalars(select(SyncDevice.device_pk))) == {active.id}
    assert set(db.session.scalars(select(AppliedMutation.id))) == {last.id, young_mutation.id}
    assert [a.user_id for a in db.session.scalars(select(RevealAlert))] == [world.worker2.id]
    assert _count(AuditEntry) == before - 1 + 1  # the old entry went, the run's own came
    assert _run() == ZERO


def test_each_run_is_audited_with_its_counts_and_periods(world, app, monkeypatch):
    monkeypatch.setitem(app.config, "RETENTION_DAYS", {"sign_in_attempts": 10, "audit_entries": 0})
    SignInAttemptFactory(at=_days_ago(11))
    AuditEntryFactory(actor=world.staff1, at=_days_ago(10 * 365))
    db.session.commit()
    assert _run() == ZERO | {"sign_in_attempts": 1}  # audit_entries 0: kept for ever
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "apply_retention")).one()
    assert entry.actor_id is None and entry.target_type == "retention"
    assert entry.detail["days"]["sign_in_attempts"] == 10 and entry.detail["days"]["visit_photos"] == 3 * 365
    assert entry.detail["days"]["audit_entries"] == 0


def test_unknown_kinds_are_refused(ctx):
    with pytest.raises(ValueError, match="visit_fotos"):
        retention.periods({"visit_fotos": 10})


def test_work_goes_in_batches_each_committed(world):
    for _ in range(5):
        SignInAttemptFactory(at=_days_ago(100))
    db.session.commit()
    batches = []
    counts = retention.apply(db.session, batch=2, checkpoint=lambda: batches.append(_count(SignInAttempt)))
    db.session.commit()
    assert counts["sign_in_attempts"] == 5
    order = list(retention.NAMES)
    assert batches[order.index("sign_in_attempts"):][:3] == [3, 1, 0]  # the kinds before: one batch each
