from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.common import new_id, utcnow
from backend.extensions import db
from backend.org.placement import Placement
from backend.versioning import Versioned

TARGET_TYPES = ("request",)  # later: activity, service, project


class Rating(Versioned, db.Model):
    """A person's 1-5 rating of something done for them. Append-only; one per target and rater."""

    __tablename__ = "ratings"
    __table_args__ = (Index("ix_ratings_space_version", "community_id", "version"),
                      UniqueConstraint("target_type", "target_id", "rater_id", name="uq_ratings_target_rater"))
    # Named, not imported: requests import ratings (a request is rated).
    __placement__ = Placement("Request", via="target_id", when={"target_type": "request"})

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    target_type: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[str] = mapped_column(String(36), index=True)
    community_id: Mapped[str] = mapped_column(ForeignKey("nodes.id"))
    grid_id: Mapped[str | None] = mapped_column(ForeignKey("nodes.id"), index=True)
    household_id: Mapped[str | None] = mapped_column(ForeignKey("households.id"), index=True)
    rater_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at = mapped_column(db.DateTime, default=utcnow, nullable=False)

    grid = relationship("Node", foreign_keys=[grid_id])
    community = relationship("Node", foreign_keys=[community_id])
