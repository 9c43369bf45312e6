"""Check-ins at the door, made on a phone that may have no signal: each records its real time
(`at`, the phone's clock) and whether it was made offline. Idempotent: one check-in (and one
check-out) per (activity, sign-up), per walk-in resident, or per walk-in's name, held by a unique
constraint; a retry, or a second phone uploading the same list, adds nothing and is answered with
the check-in that exists (`duplicate`). A volunteer's check-out after check-in gives their hours
(posted to the points bank when attendance closes: attendance.py). A participant's check-in earns
the community's "checkin" points (when its rules give any) for the account that signed up, exactly once
(the award's reference is the sign-up); a walk-in has no account to pay. Flushes; the caller commits."""

import logging

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from backend.activities import menu
from backend.activities import policy as act_policy
from backend.activities.models import Activity, Checkin, Signup
from backend.activities.schemas import checkin_create
from backend.common import new_id, utcnow
from backend.errors import DomainError, Invalid, NotAllowedNow, Refused
from backend.points import earning
from backend.points.rules import rules_of
from backend.registry.models import Resident

log = logging.getLogger(__name__)

MAX_HOURS = 24


def _who(session, activity, clean):
    """(signup, resident, name, who-key) of the person ticked."""
    signup = None
    if clean.get("signup_id"):
        signup = session.get(Signup, clean["signup_id"])
        if signup is None or signup.activity_id != activity.id:
            raise Invalid({"signup_id": [_l("No such sign-up for this activity.")]})
    elif clean.get("code"):
        signup = session.scalar(select(Signup).where(Signup.activity_id == activity.id,
                                                     Signup.code == clean["code"].strip().upper()))
        if signup is None:
            raise Invalid({"code": [_l("No sign-up with this code.")]})
    if signup is not None:
        return signup, signup.resident_id, signup.name, f"signup:{signup.id}"
    if clean.get("resident_id"):
        resident = session.get(Resident, clean["resident_id"])
        if resident is None or resident.retired_at is not None or resident.community_id != activity.community_id:
            raise Invalid({"resident_id": [_l("No such resident in this community.")]})
        return None, resident.id, resident.name, f"resident:{resident.id}"
    name = (clean.get("name") or "").strip()
    if not name:
        raise Invalid({"name": [_l("Name the walk-in, or give a sign-up or its code.")]})
    return None, None, name, f"name:{name}"


def existing(session, activity_id: str, who: str, kind: str) -> Checkin | None:
    return session.scalar(select(Checkin).where(Checkin.activity_id == activity_id, Checkin.who == who,
                                                Checkin.kind == kind))


def record(session, actor, data: dict, now=None, checkin_id: str | None = None) -> tuple[Checkin, bool]:
    """Record a check-in (or a volunteer's check-out) at the door: (the check-in, whether it existed
    already). The door is the activity's community's grid workers and staff."""
    now = now or utcnow()
    clean = menu.load(checkin_create, data)
    activity = session.get(Activity, clean["activity_id"])
    if activity is None or activity.retired_at is not None or not act_policy.sees_community(actor,
                                                                                             activity.community_id):
        raise Invalid({"activity_id": [_l("No such activity.")]})
    if not act_policy.is_door(actor, activity.community_id):
        raise Refused()
    if activity.status not in ("published", "done"):
        raise NotAllowedNow(_("No check-ins for an activity that is %(status)s.",
                              status=menu.STATUS_NAMES.get(activity.status, activity.status)))
    signup, resident_id, name, who = _who(session, activity, clean)
    kind, at = clean["kind"], menu.naive(clean["at"])
    found = existing(session, activity.id, who, kind)
    if found is not None:
        return found, True
    if signup is not None:
        _check_signup(signup, kind)
    elif kind == "check_out":
        raise Invalid({"kind": [_l("Only volunteers who signed up check out.")]})
    checkin = Checkin(id=str(clean["id"]) if clean.get("id") else (checkin_id or new_id()), activity_id=activity.id,
                      community_id=activity.community_id, signup_id=signup.id if signup is not None else None,
                      resident_id=resident_id, name=(name or "")[:50], who=who, kind=kind, at=at,
                      offline=bool(clean.get("offline")), recorded_by=actor.id, created_at=now)
    try:
        with session.begin_nested():
            session.add(checkin)
            session.flush()
    except IntegrityError:
        found = existing(session, activity.id, who, kind)
        if found is None:
            raise
        return found, True
    if signup is not None:
        _apply(session, signup, kind, at, now)
    return checkin, False


def _check_signup(signup, kind):
    if kind == "check_in" and signup.status not in ("confirmed", "attended"):
        raise NotAllowedNow(_("This sign-up is not confirmed: add the person as a walk-in."))
    if kind == "check_out":
        if signup.role != "volunteer":
            raise Invalid({"kind": [_l("Only volunteers who signed up check out.")]})
        if signup.checked_in_at is None:
            raise NotAllowedNow(_("Check the volunteer in first."))


def _apply(session, signup, kind, at, now):
    if kind == "check_in":
        session.execute(update(Signup).where(Signup.id == signup.id, Signup.status == "confirmed")
                        .values(status="attended", checked_in_at=at, updated_at=now)
                        .execution_options(synchronize_session=False))
        session.refresh(signup)
        _award_checkin(session, signup, now)
        return
    seconds = max(0.0, (at - signup.checked_in_at).total_seconds())
    signup.checked_out_at, signup.updated_at = at, now
    signup.hours = round(min(seconds / 3600, MAX_HOURS), 1)
    session.flush()


def pays_the_signer(signup) -> bool:
    """Whether the account that made the sign-up is the attendee's side: a resident or volunteer of
    the attendee's household (themself or a family member). A sign-up staff or a grid worker made on
    a resident's behalf has no account of the attendee to pay, like a walk-in."""
    signer = signup.user
    return signer is not None and signer.role in ("resident", "volunteer") \
        and signer.household_id is not None and signer.household_id == signup.household_id


def _award_checkin(session, signup, now) -> None:
    """The "checkin" points of a participant's check-in, once per sign-up (idempotent on the reference);
    an empty pool leaves the check-in standing, unpaid (logged)."""
    if signup.role != "participant" or not pays_the_signer(signup):
        return
    if rules_of(session, signup.community_id).rate("checkin") <= 0:
        return
    try:
        with session.begin_nested():
            earning.award(session, community_id=signup.community_id, user_id=signup.user_id, rule="checkin",
                          reference=f"activity-checkin:{signup.id}", now=now,
                          memo=signup.activity.title[:60])
    except DomainError as exc:
        log.warning("check-in points of sign-up %s not posted: %s", signup.id, exc)


def for_activity(session, activity: Activity) -> list[Checkin]:
    return list(session.scalars(select(Checkin).where(Checkin.activity_id == activity.id).order_by(Checkin.at)))
