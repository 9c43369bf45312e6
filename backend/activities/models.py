"""Activities (社区活动): the monthly menu staff publish, residents' sign-ups (with a waitlist and
offers of a freed place) and the check-ins recorded at the door, offline or not.

An activity lives in its community; a sign-up under the household of the member who attends
(or the community, for a volunteer without a household); a check-in in the activity's community.
`room_id` names a function room of backend.rooms as a plain id (no foreign key: the rooms area
is wired after the merge)."""

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.common import new_id, utcnow
from backend.extensions import db
from backend.org.placement import COMMUNITY, Placement
from backend.registry.models import Household
from backend.versioning import FieldVersioned, Versioned

ACTIVITY_STATUSES = ("draft", "published", "cancelled", "done")
# Activities residents see (published, and those past or cancelled they may have signed up to).
PUBLIC_STATUSES = ("published", "cancelled", "done")
SIGNUP_STATUSES = ("confirmed", "waitlisted", "offered", "cancelled", "declined", "expired", "attended", "no_show")
ROLES = ("participant", "volunteer")
CHECKIN_KINDS = ("check_in", "check_out")


class Activity(FieldVersioned, db.Model):
    """One activity of a community's menu. Edited by its staff; its counts move only through the services."""

    __tablename__ = "activities"
    __table_args__ = (Index("ix_activities_space_version", "community_id", "version"),
                      Index("ix_activities_community_starts", "community_id", "starts_at"))
    __placement__ = Placement(COMMUNITY, via="community_id")

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    community_id: Mapped[str] = mapped_column(ForeignKey("nodes.id"))
    title: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(Text, default="")
    photos = mapped_column(JSON, default=list, nullable=False)
    room_id: Mapped[str | None] = mapped_column(String(36))  # backend.rooms, no foreign key (wired after merge)
    address: Mapped[str] = mapped_column(String(200), default="")
    starts_at = mapped_column(db.DateTime, nullable=False)
    ends_at = mapped_column(db.DateTime, nullable=False)
    capacity: Mapped[int] = mapped_column(Integer, default=20)
    # {"buildings": [...], "care_tags": [...], "age_min": n, "age_max": n}; empty: the whole community
    eligibility = mapped_column(JSON, default=dict, nullable=False)
    signup_opens_at = mapped_column(db.DateTime)
    signup_closes_at = mapped_column(db.DateTime)
    waitlist: Mapped[bool] = mapped_column(Boolean, default=True)
    volunteer_roles = mapped_column(JSON, default=list, nullable=False)  # [{"role": "...", "count": n}]
    status: Mapped[str] = mapped_column(String(12), default="draft")
    # Raised only by a conditional UPDATE inside the write transaction (signups.py).
    held_count: Mapped[int] = mapped_column(Integer, default=0)  # confirmed + attended + offered
    confirmed_count: Mapped[int] = mapped_column(Integer, default=0)  # confirmed + attended
    waitlist_count: Mapped[int] = mapped_column(Integer, default=0)
    # The last waitlist position handed out (positions only grow: the order is the order of arrival).
    last_position: Mapped[int] = mapped_column(Integer, default=0)
    cancel_reason: Mapped[str] = mapped_column(String(200), default="")
    created_by_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    attendance_closed_at = mapped_column(db.DateTime)
    created_at = mapped_column(db.DateTime, default=utcnow, nullable=False)
    updated_at = mapped_column(db.DateTime, default=utcnow, nullable=False)
    retired_at = mapped_column(db.DateTime)

    community = relationship("Node", foreign_keys=[community_id])

    @property
    def household(self):
        """An activity hangs under no household (the sync merge asks)."""
        return None


class Signup(Versioned, db.Model):
    """A place asked for: confirmed, or waiting in line (waitlisted), offered a freed place, then
    attended or not. Stateful: moved only by the actions of backend/activities/machine.py."""

    __tablename__ = "activity_signups"
    __table_args__ = (Index("ix_activity_signups_space_version", "community_id", "version"),
                      Index("ix_activity_signups_activity_status", "activity_id", "status"),
                      UniqueConstraint("activity_id", "code", name="uq_activity_signups_code"))
    __placement__ = (Placement(Household, via="household_id"), Placement(COMMUNITY, via="community_id"))

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    activity_id: Mapped[str] = mapped_column(ForeignKey("activities.id"), index=True)
    community_id: Mapped[str] = mapped_column(ForeignKey("nodes.id"))
    grid_id: Mapped[str | None] = mapped_column(ForeignKey("nodes.id"))
    household_id: Mapped[str | None] = mapped_column(ForeignKey("households.id"), index=True)
    user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), index=True)
    resident_id: Mapped[str | None] = mapped_column(ForeignKey("residents.id"))
    name: Mapped[str] = mapped_column(String(50), default="")  # the attendee's name: the door's list
    role: Mapped[str] = mapped_column(String(12), default="participant")
    volunteer_role: Mapped[str] = mapped_column(String(40), default="")
    status: Mapped[str] = mapped_column(String(12), default="confirmed")
    position: Mapped[int | None] = mapped_column(Integer)  # waitlist order (arrival), None once placed
    offer_expires_at = mapped_column(db.DateTime)
    code: Mapped[str] = mapped_column(String(8))
    notice: Mapped[str] = mapped_column(String(200), default="")  # what the resident is told (in-app)
    noticed_at = mapped_column(db.DateTime)
    reminded_at = mapped_column(db.DateTime)
    checked_in_at = mapped_column(db.DateTime)
    checked_out_at = mapped_column(db.DateTime)
    hours: Mapped[float | None] = mapped_column(Float)
    hours_posted: Mapped[bool] = mapped_column(Boolean, default=False)
    score: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(String(60), default="")
    created_at = mapped_column(db.DateTime, default=utcnow, nullable=False)
    updated_at = mapped_column(db.DateTime, default=utcnow, nullable=False)

    activity = relationship(Activity, backref="signups")
    resident = relationship("Resident")
    user = relationship("User", foreign_keys=[user_id])


class Checkin(Versioned, db.Model):
    """One tick at the door (check in, or a volunteer's check out), with the phone's real time.
    Unique on (activity, who, kind): a second phone's upload of the same list adds nothing."""

    __tablename__ = "activity_checkins"
    __table_args__ = (Index("ix_activity_checkins_space_version", "community_id", "version"),
                      UniqueConstraint("activity_id", "who", "kind", name="uq_activity_checkins_who"))
    __placement__ = Placement(COMMUNITY, via="community_id")

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    activity_id: Mapped[str] = mapped_column(ForeignKey("activities.id"), index=True)
    community_id: Mapped[str] = mapped_column(ForeignKey("nodes.id"))
    signup_id: Mapped[str | None] = mapped_column(ForeignKey("activity_signups.id"))
    resident_id: Mapped[str | None] = mapped_column(ForeignKey("residents.id"))
    name: Mapped[str] = mapped_column(String(50), default="")  # a walk-in's name
    # "signup:<id>", "resident:<id>" or "name:<name>": what makes a check-in the same one
    who: Mapped[str] = mapped_column(String(90))
    kind: Mapped[str] = mapped_column(String(10), default="check_in")
    at = mapped_column(db.DateTime, nullable=False)  # the real time on the phone
    offline: Mapped[bool] = mapped_column(Boolean, default=False)
    recorded_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    created_at = mapped_column(db.DateTime, default=utcnow, nullable=False)

    activity = relationship(Activity)
