"""Places of an activity: its counts move by one conditional UPDATE of its row inside the write
transaction (PostgreSQL re-checks the condition under the row lock; SQLite runs it under its write
lock), and free places are offered to the first in line. Used by the sign-ups and by the menu (a
raised capacity offers the new places). Flushes; the caller commits."""

from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select, update

from backend.activities.machine import OFFER_HOURS
from backend.activities.models import Activity, Signup


def bump(session, activity_id: str, condition, **values) -> bool:
    """One conditional UPDATE of the activity's counts: True when it moved."""
    moved = session.execute(update(Activity).where(Activity.id == activity_id, condition).values(**values)
                            .execution_options(synchronize_session=False)).rowcount
    return moved == 1


def refresh(session, activity):
    session.refresh(activity, ["held_count", "confirmed_count", "waitlist_count", "last_position"])


def window_open(activity: Activity, now) -> bool:
    if activity.signup_opens_at is not None and now < activity.signup_opens_at:
        return False
    closes = activity.signup_closes_at or activity.starts_at
    return now < closes


def offer_free_places(session, activity: Activity, now) -> list[Signup]:
    """Offer every free place to the first in line, in order (each until OFFER_HOURS later, or the
    close of the window). Nothing once the window is closed."""
    offered = []
    if activity.status != "published" or not window_open(activity, now):
        return offered
    deadline = min(now + timedelta(hours=OFFER_HOURS), activity.signup_closes_at or activity.starts_at)
    while bump(session, activity.id, (Activity.held_count < Activity.capacity) & (Activity.waitlist_count > 0)
                & (Activity.status == "published"),
                held_count=Activity.held_count + 1, waitlist_count=Activity.waitlist_count - 1):
        first = session.scalar(select(Signup).where(Signup.activity_id == activity.id,
                                                    Signup.status == "waitlisted")
                               .order_by(Signup.position).limit(1))
        first.status, first.offer_expires_at, first.updated_at = "offered", deadline, now
        first.notice, first.noticed_at = _("A place is free for you: take it before %(time)s.",
                                           time=deadline.strftime("%Y-%m-%d %H:%M UTC")), now
        session.flush()
        offered.append(first)
    refresh(session, activity)
    return offered
