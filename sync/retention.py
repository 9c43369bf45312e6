"""Retention: what is kept for how long, and the daily run that lets go of
what expired (`flask --app wsgi apply-retention`, sync/cli.py).

Each kind of record has a default period (KINDS), overridden per deployment
by LINLI_RETAIN_<KIND>_DAYS (0: keep for ever). The run works in batches
(the command commits after each), is idempotent (what expired is gone after
the first run, so a second finds nothing), and writes one audit entry with
the count of each kind. It lives in the sync engine because photos are the
engine's (the content-addressed store) and because what devices hold must
leave them too: a photo is taken off its record through the ORM, so the
change feed stamps the record and every device gets it without the photo on
its next pull; the bytes go when no record names them any more. Nothing a
device replicates is deleted outright."""

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, func, select

from backend import clock
from backend.audit import alerts
from backend.audit import services as audit
from backend.audit.models import AuditEntry, RevealAlert
from backend.auth.models import Device, SignInAttempt
from backend.fieldwork.patrols.models import PatrolReport
from backend.fieldwork.visits.models import Visit
from backend.requests.models import TERMINAL_STATES, Request, RequestEvent
from sync.collections import REGISTRY
from sync.models import AppliedMutation, Attachment, AttachmentRef, AttachmentUpload, Conflict, SyncDevice

BATCH = 500
YEAR = 365


@dataclass(frozen=True)
class Kind:
    name: str
    days: int  # the default period
    what: str  # what expires, for the docs and the command's help


KINDS = (
    Kind("visit_photos", 3 * YEAR, "photos of a visit, counted from the visit"),
    Kind("patrol_photos", 3 * YEAR, "photos of a patrol report, counted from the report"),
    Kind("request_photos", 2 * YEAR, "photos of an ended request and its steps, counted from its end"),
    Kind("sign_in_attempts", 90, "failed sign-in attempts"),
    Kind("revoked_devices", 180, "devices revoked or expired, counted from the revocation or expiry"),
    Kind("sync_mutations", 180, "the push log of applied mutations (idempotency), but each device's last"),
    Kind("settled_conflicts", 180, "sync conflicts (both values of a field) once settled, counted from settling"),
    Kind("audit_entries", 3 * YEAR, "audit entries and alerts on unusual reveals"),
)
NAMES = tuple(kind.name for kind in KINDS)


def periods(overrides: dict | None = None) -> dict[str, int]:
    """Days each kind is kept: the defaults, with the deployment's overrides
    (RETENTION_DAYS, from LINLI_RETAIN_<KIND>_DAYS). Unknown kinds are an error."""
    overrides = current_app.config.get("RETENTION_DAYS", {}) if overrides is None else overrides
    unknown = sorted(set(overrides) - set(NAMES))
    if unknown:
        raise ValueError(f"unknown retention kinds: {', '.join(unknown)} (known: {', '.join(NAMES)})")
    return {kind.name: int(overrides.get(kind.name, kind.days)) for kind in KINDS}


# --- photos: taken off their records (stamped for devices), bytes dropped when unnamed -----

def _forget_photos(session, records) -> None:
    """Take the photos off these records (one collection) and drop the bytes no record names."""
    dropped: dict[str, set[str]] = {}
    for record in records:
        collection = REGISTRY.for_model(type(record)).name
        for sha256 in record.photos or ():
            dropped.setdefault(sha256, set()).add(f"{collection}:{record.id}")
            session.execute(delete(AttachmentRef).where(
                AttachmentRef.sha256 == sha256, AttachmentRef.collection == collection,
                AttachmentRef.record_id == record.id))
        record.photos = []
        if hasattr(record, "photo_times"):
            record.photo_times = None
    session.flush()
    if dropped:
        named = select(AttachmentRef.sha256).where(AttachmentRef.sha256.in_(list(dropped)))
        unnamed = (AttachmentUpload.sha256.in_(list(dropped)), AttachmentUpload.sha256.not_in(named))
        session.execute(delete(AttachmentUpload).where(*unnamed))  # who uploaded it goes with the bytes
        session.execute(delete(Attachment).where(Attachment.sha256.in_(list(dropped)),
                                                 Attachment.sha256.not_in(named)))


def _with_photos(model):
    return func.json_array_length(model.photos) > 0


def visit_photos(session, cutoff, batch) -> int:
    visits = list(session.scalars(select(Visit).where(Visit.visited_at < cutoff, _with_photos(Visit))
                                  .order_by(Visit.id).limit(batch)))
    _forget_photos(session, visits)
    return len(visits)


def patrol_photos(session, cutoff, batch) -> int:
    reports = list(session.scalars(
        select(PatrolReport).where(PatrolReport.reported_at < cutoff, _with_photos(PatrolReport))
        .order_by(PatrolReport.id).limit(batch)))
    _forget_photos(session, reports)
    return len(reports)


def request_photos(session, cutoff, batch) -> int:
    """The photos of a request that ended (closed, withdrawn or merged) and of its steps; a
    reopened request has not ended (its photos stay)."""
    closed = select(Request.id).where(Request.status.in_(TERMINAL_STATES), Request.closed_at < cutoff)
    requests = list(session.scalars(select(Request).where(Request.id.in_(closed), _with_photos(Request))
                                    .order_by(Request.id).limit(batch)))
    _forget_photos(session, requests)
    events = list(session.scalars(select(RequestEvent).where(RequestEvent.request_id.in_(closed),
                                                             _with_photos(RequestEvent))
                                  .order_by(RequestEvent.id).limit(batch)))
    _forget_photos(session, events)
    return len(requests) + len(events)


# --- records no device holds: deleted ------------------------------------------------------

def _delete_batch(session, model, key, condition, batch) -> int:
    ids = list(session.scalars(select(key).where(condition).order_by(key).limit(batch)))
    if ids:
        session.execute(delete(model).where(key.in_(ids)))
    return len(ids)


def sign_in_attempts(session, cutoff, batch) -> int:
    return _delete_batch(session, SignInAttempt, SignInAttempt.id, SignInAttempt.at < cutoff, batch)


def revoked_devices(session, cutoff, batch) -> int:
    """Devices no token works for any more (revoked, or expired), long enough ago; their
    sync bookkeeping goes with them (ON DELETE CASCADE)."""
    ids = list(session.scalars(select(Device.id).where((Device.revoked_at < cutoff) | (Device.expires_at < cutoff))
                               .order_by(Device.id).limit(batch)))
    if ids:
        session.execute(delete(SyncDevice).where(SyncDevice.device_pk.in_(ids)))
        session.execute(delete(Device).where(Device.id.in_(ids)))
    return len(ids)


def sync_mutations(session, cutoff, batch) -> int:
    """The push log: a device resending a mutation this old has long lost its token; each
    device's last applied mutation stays, as its sync status reports it."""
    last = select(SyncDevice.last_mutation_id).where(SyncDevice.last_mutation_id.is_not(None))
    return _delete_batch(session, AppliedMutation, AppliedMutation.id,
                         (AppliedMutation.applied_at < cutoff) & AppliedMutation.id.not_in(last), batch)


def settled_conflicts(session, cutoff, batch) -> int:
    """A settled conflict keeps both values of a field (a phone, a name): not past its use."""
    return _delete_batch(session, Conflict, Conflict.id,
                         (Conflict.status == "settled") & (Conflict.settled_at < cutoff), batch)


def audit_entries(session, cutoff, batch) -> int:
    count = _delete_batch(session, AuditEntry, AuditEntry.id, AuditEntry.at < cutoff, batch)
    return count + _delete_batch(session, RevealAlert, RevealAlert.id, RevealAlert.at < cutoff, batch)


STEPS = {name: globals()[name] for name in NAMES}


def apply(session, *, now=None, overrides=None, batch: int = BATCH, checkpoint=None) -> dict[str, int]:
    """Let go of everything past its period; returns the count of each kind. `checkpoint`
    (the command's commit) runs after each batch. Recorded in the audit trail (one entry)."""
    now = now or clock.now()
    days = periods(overrides)
    counts = dict.fromkeys(NAMES, 0)
    for name in NAMES:
        if days[name] <= 0:
            continue
        cutoff = now - timedelta(days=days[name])
        while True:
            done = STEPS[name](session, cutoff, batch)
            counts[name] += done
            session.flush()
            if checkpoint is not None:
                checkpoint()
            if done < batch:
                break
    audit.record(None, "apply_retention", "retention", alerts.local_day(now).isoformat(),
                 {"counts": counts, "days": days})
    session.flush()
    return counts
