"""Consent records (PIPL Art. 14, 29): who agreed, when and on what basis to a sensitive care
tag, or to a request raised on a resident's behalf. A sensitive tag is set only with a consent
(or a legal basis) recorded in the same write; a withdrawal is written on the record, never a
deletion, and takes the tag off. Services flush, never commit: the caller commits."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from backend.audit import services as audit
from backend.auth import policy
from backend.common import utcnow
from backend.errors import Conflict, Invalid, Refused
from backend.extensions import db
from backend.registry import policy as registry_policy
from backend.registry.models import CONSENT_BASES, Consent, Household, Resident

BASIS_NAMES = {
    "written": _l("Written consent"),
    "verbal": _l("Spoken consent, to the person recording it"),
    "guardian": _l("Consent of a guardian"),
    "legal_duty": _l("A duty under law (no consent needed)"),
}
PURPOSE_NAMES = {"proxy_request": _l("Request raised on their behalf"), "care_tag": _l("Sensitive care tag"),
                 "proxy_share": _l("Shared post or answer made on their behalf")}
# Bases that must say more: the guardian's name (given_by), the law (detail).
NEEDS_GIVEN_BY = {"guardian"}
NEEDS_DETAIL = {"legal_duty"}


def basis_name(code: str) -> str:
    return str(BASIS_NAMES.get(code, code))


def purpose_name(code: str) -> str:
    return str(PURPOSE_NAMES.get(code, code))


def clean(value, field: str = "consent") -> dict | None:
    """A consent as submitted ({basis, given_by, detail}), checked; None when none was given.
    Errors name the field (`consent.basis`)."""
    if value is None or value == {} or value == "":
        return None
    if not isinstance(value, dict):
        raise Invalid({field: [_l("Give the basis of the consent, who gave it, and any detail.")]})
    basis = (value.get("basis") or "").strip() if isinstance(value.get("basis"), str) else ""
    given_by = value.get("given_by") if isinstance(value.get("given_by"), str) else ""
    detail = value.get("detail") if isinstance(value.get("detail"), str) else ""
    given_by, detail = (given_by or "").strip(), (detail or "").strip()
    errors: dict = {}
    if basis not in CONSENT_BASES:
        errors["basis"] = [_l("Choose the basis: written, verbal, guardian or legal duty.")]
    if basis in NEEDS_GIVEN_BY and not given_by:
        errors["given_by"] = [_l("Name the guardian who agreed.")]
    if basis in NEEDS_DETAIL and not detail:
        errors["detail"] = [_l("Name the law or duty that allows it.")]
    if len(given_by) > 50:
        errors["given_by"] = [_l("At most %(n)s characters.", n=50)]
    if len(detail) > 200:
        errors["detail"] = [_l("At most %(n)s characters.", n=200)]
    if errors:
        raise Invalid({field: errors})
    return {"basis": basis, "given_by": given_by, "detail": detail}


def record(actor, *, purpose: str, basis: str, resident: Resident | None = None,
           household: Household | None = None, tag_code: str | None = None, request_id: str | None = None,
           given_by: str = "", detail: str = "", now=None) -> Consent:
    """Write one consent record (the subject: a resident, else a household). Flushes."""
    consent = Consent(resident_id=resident.id if resident is not None else None,
                      household_id=None if resident is not None else (household.id if household else None),
                      purpose=purpose, tag_code=tag_code, request_id=request_id, basis=basis,
                      given_by=(given_by or (resident.name if resident is not None else ""))[:50],
                      detail=(detail or "")[:200], recorded_by_id=getattr(actor, "id", None),
                      recorded_at=now or utcnow())
    db.session.add(consent)
    db.session.flush()
    audit.record(actor, "consent", "resident" if resident is not None else "household",
                 resident.id if resident is not None else (household.id if household else ""),
                 {"consent_id": consent.id, "purpose": purpose, "basis": basis, "tag": tag_code,
                  "request_id": request_id})
    return consent


def _subject_filter(record_):
    if isinstance(record_, Resident):
        return Consent.resident_id == record_.id
    return Consent.household_id == record_.id


def active_tag_codes(record_) -> set[str]:
    """The sensitive tags of a resident or household with a consent in force."""
    return set(db.session.scalars(select(Consent.tag_code).where(
        _subject_filter(record_), Consent.purpose == "care_tag", Consent.withdrawn_at.is_(None))))


def tags_needing_consent(record_, before, after, given: dict | None, new: bool = False) -> list:
    """The sensitive tags newly set on `record_` (a resident or a household) with no consent in
    force; Invalid naming `consent` when there are some and no consent is given with the write.
    Call before the tags are written; record_for_tags records the given consent once the record
    is flushed."""
    known = {t.code for t in before}
    added = [tag for tag in after if tag.sensitive and tag.code not in known]
    if not added:
        return []
    allowed = set() if new else active_tag_codes(record_)
    missing = [tag for tag in added if tag.code not in allowed]
    if missing and given is None:
        names = ", ".join(tag.code for tag in missing)
        raise Invalid({"consent": [_l("The sensitive care tag %(tags)s needs the person's consent, or a legal "
                                      "basis: record who agreed, and how.", tags=names)]})
    return missing


def record_for_tags(actor, record_, tags, given: dict | None) -> None:
    """One consent record per tag, from the consent given with the write."""
    if not tags or given is None:
        return
    resident = record_ if isinstance(record_, Resident) else None
    household = record_ if isinstance(record_, Household) else None
    for tag in tags:
        record(actor, purpose="care_tag", basis=given["basis"], resident=resident, household=household,
               tag_code=tag.code, given_by=given["given_by"], detail=given["detail"])


def of(record_) -> list[Consent]:
    """A resident's or a household's consent records, newest first, withdrawn ones included."""
    return list(db.session.scalars(select(Consent).where(_subject_filter(record_))
                                   .order_by(Consent.recorded_at.desc(), Consent.id)))


def of_household(household: Household) -> list[Consent]:
    """The household's records and those of its residents, newest first."""
    residents = select(Resident.id).where(Resident.household_id == household.id)
    return list(db.session.scalars(select(Consent).where(
        (Consent.household_id == household.id) | Consent.resident_id.in_(residents))
        .order_by(Consent.recorded_at.desc(), Consent.id)))


def for_request(request_id: str) -> Consent | None:
    """The consent recorded when a request was raised on a resident's behalf."""
    return db.session.scalar(select(Consent).where(Consent.request_id == request_id,
                                                   Consent.purpose == "proxy_request").limit(1))


def subject(consent: Consent):
    return consent.resident if consent.resident_id else consent.household


def withdraw(actor, consent: Consent, reason: str, now=None) -> Consent:
    """Record that consent was withdrawn (kept, never deleted). A sensitive tag it allowed comes
    off its subject, unless another consent in force still allows it. Flushes."""
    target = subject(consent)
    if target is None or not policy.can(actor, policy.CHANGE, target):
        raise Refused()
    if consent.withdrawn_at is not None:
        raise Conflict(str(_l("This consent was withdrawn already.")))
    reason = (reason or "").strip()
    if not reason:
        raise Invalid({"reason": [_l("Say who withdrew it and how.")]})
    consent.withdrawn_at = now or utcnow()
    consent.withdrawn_by_id = actor.id
    consent.withdraw_reason = reason[:200]
    db.session.flush()
    if consent.purpose == "care_tag" and consent.tag_code not in active_tag_codes(target):
        target.care_tags = [tag for tag in target.care_tags if tag.code != consent.tag_code]
        target.updated_at = utcnow()
    audit.record(actor, "withdraw_consent", "resident" if consent.resident_id else "household", target.id,
                 {"consent_id": consent.id, "purpose": consent.purpose, "tag": consent.tag_code})
    db.session.flush()
    return consent


def visible(actor, records, household) -> list[Consent]:
    """The records `actor` may see: one for a sensitive tag tells the tag, so only those who see
    sensitive tags see it (a resident, on a household's shared account, sees the others)."""
    if registry_policy.sees_sensitive_tags(actor, household):
        return list(records)
    return [c for c in records if c.purpose != "care_tag"]


def dump(consent: Consent) -> dict:
    return {"id": consent.id, "resident_id": consent.resident_id, "household_id": consent.household_id,
            "purpose": consent.purpose, "tag_code": consent.tag_code, "request_id": consent.request_id,
            "basis": consent.basis, "given_by": consent.given_by, "detail": consent.detail,
            "recorded_by": consent.recorded_by.display_name if consent.recorded_by else None,
            "recorded_at": consent.recorded_at, "withdrawn_at": consent.withdrawn_at,
            "withdraw_reason": consent.withdraw_reason}
