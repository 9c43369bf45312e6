"""Sign-ups and the waitlist. Never more confirmed participants than capacity, whatever the race
(phones that signed up offline pushing at once): a place is taken by ONE conditional UPDATE of
the activity's row inside the write transaction (`held_count < capacity`), which PostgreSQL
re-checks under the row lock and SQLite runs under its write lock (every transaction's first
statement is a write). The loser goes to the waitlist (its position handed out by the same kind
of UPDATE, so the line is the order of arrival) or, when the activity keeps no waitlist or the
window is closed, is refused (409) and told why.

Counts on the activity: `held_count` = confirmed + attended + offered (places taken or reserved
for an offer), `confirmed_count` = confirmed + attended, `waitlist_count` = waitlisted (in line).
A freed place goes to the first in line as an offer (offered, until offer_expires_at: OFFER_HOURS
or the close of the window); confirm, decline, or the sweep's expiry, then the next.
Flushes; the caller commits."""

import secrets
from datetime import timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from backend.activities import machine, menu
from backend.activities import policy as act_policy
from backend.activities.machine import OWNER
from backend.activities.models import Activity, Signup
from backend.activities.places import bump as _bump
from backend.activities.places import offer_free_places, window_open
from backend.activities.places import refresh as _refresh
from backend.activities.schemas import signup_action, signup_create
from backend.auth import policy
from backend.common import new_id, utcnow
from backend.errors import Conflict, Invalid, NotAllowedNow, Refused
from backend.registry.models import Household, Resident

TRANSITIONS = machine.transitions()
ACTIONS = tuple(TRANSITIONS)
ACTION_FIELDS = {"cancel": (), "confirm": (), "decline": (), "rate": ("score", "comment"),
                 "check_in": ("at", "offline")}
STATUS_NAMES = {"confirmed": _l("confirmed"), "waitlisted": _l("on the waitlist"), "offered": _l("place offered"),
                "cancelled": _l("cancelled"), "declined": _l("declined"), "expired": _l("offer expired"),
                "attended": _l("attended"), "no_show": _l("did not come")}
ACTION_NAMES = {"cancel": _l("Cancel"), "confirm": _l("Take the place"), "decline": _l("Decline"),
                "rate": _l("Rate"), "check_in": _l("Check in")}
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def _code(session, activity_id: str) -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _i in range(6))
        if session.scalar(select(Signup.id).where(Signup.activity_id == activity_id, Signup.code == code)) is None:
            return code


def _attendee(session, actor, clean, activity):
    """(resident, household, name) of who attends: oneself, a member of one's household, or (staff) any
    resident of the activity's community."""
    resident = None
    if clean.get("resident_id"):
        resident = session.get(Resident, clean["resident_id"])
        if resident is None or resident.retired_at is not None:
            raise Invalid({"resident_id": [_l("No such member of your household.")]})
        own = actor.household_id is not None and resident.household_id == actor.household_id
        if not own and not act_policy.is_door(actor, resident.community_id):
            raise Invalid({"resident_id": [_l("No such member of your household.")]})
        return resident, resident.household, resident.name
    household = session.get(Household, actor.household_id) if actor.household_id else None
    return None, household, actor.display_name


def sign_up(session, actor, data: dict, now=None) -> Signup:
    """Sign up oneself or a member of one's household: confirmed if a place is free, else waitlisted
    (or refused when the activity keeps no waitlist). Volunteers sign up for a role."""
    now = now or utcnow()
    if not policy.active(actor):
        raise Refused()
    clean = menu.load(signup_create, data)
    record_id = str(clean["id"]) if clean.get("id") else new_id()
    if session.get(Signup, record_id) is not None:
        raise Conflict(_("A sign-up with this id exists already."), {"id": [_("Already used.")]})
    activity = session.get(Activity, clean["activity_id"])
    if activity is None or not policy.can(actor, policy.READ, activity):
        raise Invalid({"activity_id": [_l("No such activity.")]})
    if activity.status != "published":
        raise NotAllowedNow(_("This activity takes no sign-ups: %(status)s.",
                              status=menu.STATUS_NAMES.get(activity.status, activity.status)))
    if not window_open(activity, now):
        raise NotAllowedNow(_("The sign-up window is closed."))
    resident, household, name = _attendee(session, actor, clean, activity)
    role = clean["role"]
    volunteer_role = (clean.get("volunteer_role") or "").strip()
    _check_role(session, actor, activity, role, volunteer_role, resident, household)
    _no_twice(session, activity, actor, resident, role)
    signup = Signup(id=record_id, activity_id=activity.id, community_id=activity.community_id,
                    household_id=household.id if household is not None and household.community_id ==
                    activity.community_id else None,
                    user_id=actor.id, resident_id=resident.id if resident is not None else None,
                    name=(name or "")[:50], role=role, volunteer_role=volunteer_role, code=_code(session, activity.id),
                    created_at=now, updated_at=now)
    _take_place(session, activity, signup, now)
    session.add(signup)
    session.flush()
    _refresh(session, activity)
    return signup


def _take_place(session, activity, signup, now) -> None:
    """The server decides, inside the write transaction: a free place (none waiting before), else the line."""
    free = (Activity.held_count < Activity.capacity) & (Activity.waitlist_count == 0) \
        & (Activity.status == "published")
    if signup.role == "volunteer" or _bump(session, activity.id, free, held_count=Activity.held_count + 1,
                                           confirmed_count=Activity.confirmed_count + 1):
        signup.status = "confirmed"
        return
    if not activity.waitlist:
        raise Conflict(_("Full: every place is taken and this activity keeps no waitlist."),
                       {"activity_id": [_l("Full.")]})
    if not _bump(session, activity.id, Activity.status == "published",
                 waitlist_count=Activity.waitlist_count + 1, last_position=Activity.last_position + 1):
        raise NotAllowedNow(_("This activity takes no sign-ups now."))
    _refresh(session, activity)
    signup.status, signup.position = "waitlisted", activity.last_position
    signup.notice, signup.noticed_at = _("Full: you are number %(n)s on the waitlist.",
                                         n=activity.waitlist_count), now


def _check_role(session, actor, activity, role, volunteer_role, resident, household) -> None:
    if role == "volunteer":
        _check_volunteer_role(session, actor, activity, volunteer_role)
        return
    if volunteer_role:
        raise Invalid({"volunteer_role": [_l("Only volunteers have a role.")]})
    reason = menu.eligible(activity, resident, household)
    if reason == "community":
        raise Invalid({"resident_id": [_l("Only residents of the activity's community may join.")]})
    if reason is not None:
        raise Invalid({"eligibility": [_l("This activity is not open to this person (%(rule)s).", rule=reason)]})


def _check_volunteer_role(session, actor, activity, volunteer_role):
    roles = {r["role"]: r["count"] for r in activity.volunteer_roles or []}
    if not roles:
        raise Invalid({"role": [_l("This activity needs no volunteers.")]})
    if volunteer_role not in roles:
        raise Invalid({"volunteer_role": [_l("One of: %(roles)s.", roles=", ".join(roles))]})
    taken = len(session.scalars(select(Signup.id).where(
        Signup.activity_id == activity.id, Signup.role == "volunteer", Signup.volunteer_role == volunteer_role,
        Signup.status.in_(machine.HOLDING))).all())
    if taken >= roles[volunteer_role]:
        raise Conflict(_("Enough volunteers for this role already."), {"volunteer_role": [_l("Full.")]})


def _no_twice(session, activity, actor, resident, role):
    query = select(Signup.id).where(Signup.activity_id == activity.id, Signup.status.in_(machine.OPEN_STATES))
    if resident is not None:
        query = query.where(Signup.resident_id == resident.id)
    else:
        query = query.where(Signup.user_id == actor.id, Signup.resident_id.is_(None))
    if session.scalar(query.limit(1)) is not None:
        raise Conflict(_("Signed up for this activity already."), {"activity_id": [_l("Signed up already.")]})


def _move(session, signup, states, to, now, **values) -> None:
    """Move the sign-up from one of `states` to `to` with one conditional UPDATE: of two racing
    moves, one wins and the other is refused."""
    moved = session.execute(update(Signup).where(Signup.id == signup.id, Signup.status.in_(states))
                            .values(status=to, updated_at=now, **values)
                            .execution_options(synchronize_session=False)).rowcount
    if moved != 1:
        session.refresh(signup)
        raise NotAllowedNow(_("Not allowed while the sign-up is %(status)s.",
                              status=STATUS_NAMES.get(signup.status, signup.status)))
    session.refresh(signup)


def _free(session, activity, now, confirmed: bool) -> None:
    """A held place is given back (a confirmed one, or an offer), then offered to the next in line."""
    values = {"held_count": Activity.held_count - 1}
    if confirmed:
        values["confirmed_count"] = Activity.confirmed_count - 1
    _bump(session, activity.id, Activity.held_count > 0, **values)
    _refresh(session, activity)
    offer_free_places(session, activity, now)


def actions_for(user, signup: Signup) -> list[str]:
    """The actions the user may take on this sign-up now."""
    return [action for action, (states, _to, _who) in TRANSITIONS.items()
            if signup.status in states and can_act(user, signup, action)
            and (action != "rate" or signup.score is None)]


def can_act(user, signup: Signup, action: str) -> bool:
    who = machine.ACTORS.get(action)
    if who == OWNER:
        return act_policy.owns_signup(user, signup)
    return act_policy.is_door(user, signup.community_id)


def transition(session, actor, signup: Signup, action: str, data: dict | None = None, now=None) -> Signup:
    """Take `action` on a sign-up, checked against the state machine and the actor's side."""
    now = now or utcnow()
    if action not in TRANSITIONS:
        raise Invalid({"action": [_l("Unknown action.")]})
    data = {} if data is None else data
    clean = menu.load(signup_action, data)
    unknown = {k for k, v in data.items() if v not in (None, "", False)} - set(ACTION_FIELDS[action])
    if unknown:
        raise Invalid({name: [_l("Not used by this action.")] for name in sorted(unknown)})
    if not can_act(actor, signup, action):
        raise Refused()
    states, _to, _who = TRANSITIONS[action]
    if signup.status not in states:
        raise NotAllowedNow(_("Not allowed while the sign-up is %(status)s.",
                              status=STATUS_NAMES.get(signup.status, signup.status)))
    getattr(_Steps, action)(session, actor, signup, clean, now)
    session.flush()
    return signup


class _Steps:
    @staticmethod
    def cancel(session, actor, signup, clean, now):
        before = signup.status
        _move(session, signup, (before,), "cancelled", now, position=None, offer_expires_at=None)
        activity = signup.activity
        if signup.role == "volunteer":
            return
        if before == "waitlisted":
            _bump(session, activity.id, Activity.waitlist_count > 0, waitlist_count=Activity.waitlist_count - 1)
            _refresh(session, activity)
        else:
            _free(session, activity, now, confirmed=before == "confirmed")

    @staticmethod
    def confirm(session, actor, signup, clean, now):
        if signup.offer_expires_at is not None and signup.offer_expires_at <= now:
            raise NotAllowedNow(_("The offer has expired."))
        _move(session, signup, ("offered",), "confirmed", now, position=None, offer_expires_at=None,
              notice="", noticed_at=now)
        _bump(session, signup.activity_id, Activity.confirmed_count < Activity.held_count,
              confirmed_count=Activity.confirmed_count + 1)
        _refresh(session, signup.activity)

    @staticmethod
    def decline(session, actor, signup, clean, now):
        _move(session, signup, ("offered",), "declined", now, position=None, offer_expires_at=None)
        _free(session, signup.activity, now, confirmed=False)

    @staticmethod
    def rate(session, actor, signup, clean, now):
        if clean.get("score") is None:
            raise Invalid({"score": [_l("Give a score from 1 to 5.")]})
        if signup.score is not None:
            raise NotAllowedNow(_("Rated already."))
        signup.score, signup.comment, signup.updated_at = clean["score"], (clean.get("comment") or "").strip(), now

    @staticmethod
    def check_in(session, actor, signup, clean, now):
        from backend.activities import checkins

        checkins.record(session, actor, {"activity_id": signup.activity_id, "signup_id": signup.id,
                                         "kind": "check_in", "at": clean.get("at") or now,
                                         "offline": clean.get("offline", False)}, now=now)


def expire_offers(session, now=None) -> int:
    """Offers not answered in time expire; their places go to the next in line. Idempotent."""
    now = now or utcnow()
    count = 0
    due = session.scalars(select(Signup).where(Signup.status == "offered", Signup.offer_expires_at <= now)
                          .order_by(Signup.offer_expires_at)).all()
    for signup in due:
        moved = session.execute(update(Signup).where(Signup.id == signup.id, Signup.status == "offered")
                                .values(status="expired", position=None, updated_at=now,
                                        notice=_("The offered place was not taken in time."), noticed_at=now)
                                .execution_options(synchronize_session=False)).rowcount
        if moved == 1:
            session.refresh(signup)
            _free(session, signup.activity, now, confirmed=False)
            count += 1
    return count


def remind(session, now=None) -> int:
    """The day before: every confirmed sign-up of a published activity starting within REMIND_HOURS gets
    its reminder (reminded_at and a notice the field app shows), once."""
    now = now or utcnow()
    soon = now + timedelta(hours=machine.REMIND_HOURS)
    due = session.scalars(select(Signup).join(Activity, Activity.id == Signup.activity_id).where(
        Activity.status == "published", Activity.starts_at > now, Activity.starts_at <= soon,
        Signup.status == "confirmed", Signup.reminded_at.is_(None))).all()
    for signup in due:
        signup.reminded_at, signup.noticed_at, signup.updated_at = now, now, now
        signup.notice = _("Reminder: %(title)s starts at %(time)s.", title=signup.activity.title[:80],
                          time=signup.activity.starts_at.strftime("%Y-%m-%d %H:%M UTC"))[:200]
    session.flush()
    return len(due)


def for_activity(session, activity: Activity) -> list[Signup]:
    """The sign-up list and the waitlist of an activity, in order."""
    return list(session.scalars(select(Signup).where(Signup.activity_id == activity.id)
                                .order_by(Signup.role, Signup.status, Signup.position, Signup.created_at)))
