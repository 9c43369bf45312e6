"""After the activity: attendance closes (confirmed sign-ups not checked in become no_show, those
still waiting expire), volunteers' hours are worked out (check-in to check-out, or to the
activity's end when they never checked out) and posted to the points bank exactly once:
`award(..., rule="hours", quantity=hours, reference=f"activity-hours:{signup_id}")`, idempotent on
the reference whatever the number of uploads or closes. An award the pool cannot pay is left for
the next sweep (hours_posted stays false). Flushes; the caller commits."""

import logging

from flask_babel import gettext as _
from sqlalchemy import func, select

from backend.activities import checkins
from backend.activities.models import Activity, Signup
from backend.auth import policy
from backend.common import utcnow
from backend.errors import DomainError, NotAllowedNow, Refused
from backend.points import earning

log = logging.getLogger(__name__)


def close(session, activity: Activity, now=None, actor=None) -> dict:
    """Close an activity's attendance and post its volunteers' hours. Idempotent."""
    now = now or utcnow()
    counts = {"no_show": 0, "expired": 0, "hours_posted": 0}
    if activity.status == "published":
        for signup in session.scalars(select(Signup).where(Signup.activity_id == activity.id)):
            if signup.status == "confirmed":
                signup.status, signup.updated_at = "no_show", now
                counts["no_show"] += 1
            elif signup.status in ("waitlisted", "offered"):
                signup.status, signup.position, signup.offer_expires_at, signup.updated_at = "expired", None, None, now
                counts["expired"] += 1
        attended = session.scalar(select(func.count()).select_from(Signup).where(
            Signup.activity_id == activity.id, Signup.role == "participant", Signup.status == "attended"))
        activity.waitlist_count, activity.held_count, activity.confirmed_count = 0, attended, attended
        activity.status, activity.attendance_closed_at, activity.updated_at = "done", now, now
        session.flush()
    if activity.status == "done":
        counts["hours_posted"] = post_hours(session, activity, now, actor)
    return counts


def hours_of(signup: Signup, activity: Activity) -> float | None:
    if signup.checked_in_at is None:
        return None
    if signup.hours is not None:
        return signup.hours
    seconds = max(0.0, (activity.ends_at - signup.checked_in_at).total_seconds())
    return round(min(seconds / 3600, checkins.MAX_HOURS), 1)


def post_hours(session, activity: Activity, now, actor=None) -> int:
    posted = 0
    volunteers = session.scalars(select(Signup).where(Signup.activity_id == activity.id, Signup.role == "volunteer",
                                                      Signup.status == "attended",
                                                      Signup.hours_posted.is_(False))).all()
    for signup in volunteers:
        hours = hours_of(signup, activity)
        if not hours or signup.user_id is None:
            continue
        try:
            with session.begin_nested():
                earning.award(session, community_id=activity.community_id, user_id=signup.user_id, rule="hours",
                              quantity=hours, reference=f"activity-hours:{signup.id}", now=now,
                              actor_id=actor.id if actor is not None else None, memo=activity.title[:60])
        except DomainError as exc:
            log.warning("hours of sign-up %s not posted: %s", signup.id, exc)
            continue
        signup.hours, signup.hours_posted, signup.updated_at = hours, True, now
        posted += 1
    session.flush()
    return posted


def close_by_staff(session, actor, activity: Activity, now=None) -> dict:
    """Staff close attendance once the activity has begun."""
    now = now or utcnow()
    if not policy.can(actor, policy.MANAGE, activity):
        raise Refused()
    if activity.status not in ("published", "done") or now < activity.starts_at:
        raise NotAllowedNow(_("Attendance closes once a published activity has begun."))
    return close(session, activity, now, actor)


def sweep(session, now=None) -> dict:
    """The CLI's sweep: expire offers and offer the next, remind the day before, close the attendance of
    activities that have ended and post hours. Idempotent; the clock decides."""
    from backend.activities import signups

    now = now or utcnow()
    out = {"expired": signups.expire_offers(session, now), "reminded": signups.remind(session, now),
           "closed": 0, "hours_posted": 0}
    ended = session.scalars(select(Activity).where(Activity.status.in_(("published", "done")),
                                                   Activity.ends_at <= now, Activity.retired_at.is_(None))).all()
    for activity in ended:
        was = activity.status
        counts = close(session, activity, now)
        out["closed"] += was == "published"
        out["hours_posted"] += counts["hours_posted"]
    return out
