from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.common import new_id, utcnow
from backend.extensions import db
from backend.org.placement import Placement
from backend.registry.models import Household
from backend.versioning import Versioned

TASK_STATUSES = ("open", "done", "cancelled")
# What a visit may find (codes the field app offers; other strings are kept and shown as they are).
FINDINGS = ("all_well", "health_concern", "living_difficulty", "housing_safety", "needs_assistance", "low_mood",
            "dispute", "other")


class VisitTask(Versioned, db.Model):
    """A household due for a visit, generated from the community's visit rules
    or set by staff; a visit that names it completes it."""

    __tablename__ = "visit_tasks"
    __table_args__ = (Index("ix_visit_tasks_space_version", "community_id", "version"),)
    __placement__ = Placement(Household, via="household_id")

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    household_id: Mapped[str] = mapped_column(ForeignKey("households.id"), index=True)
    grid_id: Mapped[str] = mapped_column(ForeignKey("nodes.id"), index=True)
    community_id: Mapped[str] = mapped_column(ForeignKey("nodes.id"))
    assignee_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), index=True)
    due_date = mapped_column(Date, nullable=False)
    status: Mapped[str] = mapped_column(String(12), default="open")
    reason: Mapped[str] = mapped_column(String(200), default="")
    visit_id: Mapped[str | None] = mapped_column(String(36))
    created_at = mapped_column(db.DateTime, default=utcnow, nullable=False)
    grid = relationship("Node", foreign_keys=[grid_id])
    completed_at = mapped_column(db.DateTime)

    household = relationship("Household")


class Visit(Versioned, db.Model):
    """One visit to a household: append-only; a correction is a new visit."""

    __tablename__ = "visits"
    __table_args__ = (Index("ix_visits_space_version", "community_id", "version"),)
    __placement__ = Placement(Household, via="household_id")

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    household_id: Mapped[str] = mapped_column(ForeignKey("households.id"), index=True)
    grid_id: Mapped[str] = mapped_column(ForeignKey("nodes.id"), index=True)
    community_id: Mapped[str] = mapped_column(ForeignKey("nodes.id"))
    author_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    task_id: Mapped[str | None] = mapped_column(String(36))
    visited_at = mapped_column(db.DateTime, nullable=False)
    notes: Mapped[str] = mapped_column(Text, default="")
    findings = mapped_column(JSON, default=list, nullable=False)
    follow_up: Mapped[bool] = mapped_column(Boolean, default=False)
    photos = mapped_column(JSON, default=list, nullable=False)
    # When each photo was taken ({sha256: ISO time}): the browser re-encodes
    # photos, which drops their EXIF, so the capture time travels here.
    photo_times = mapped_column(JSON)
    location = mapped_column(JSON)
    created_at = mapped_column(db.DateTime, default=utcnow, nullable=False)
    grid = relationship("Node", foreign_keys=[grid_id])

    household = relationship("Household")


class VisitRule(db.Model):
    """How often a community visits households with a care tag. A community
    without a row for a tag follows the product default
    (backend.fieldwork.visits.services.DEFAULT_INTERVALS)."""

    __tablename__ = "visit_rules"
    __table_args__ = (UniqueConstraint("community_id", "tag_code"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    community_id: Mapped[str] = mapped_column(ForeignKey("nodes.id"))
    tag_code: Mapped[str] = mapped_column(ForeignKey("care_tags.code"))
    interval_days: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_by_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    updated_at = mapped_column(db.DateTime, default=utcnow, onupdate=utcnow, nullable=False)
