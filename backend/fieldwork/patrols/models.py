from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.common import new_id, utcnow
from backend.extensions import db
from backend.org.placement import GRID, Placement
from backend.versioning import Versioned

CATEGORIES = (
    "illegal_construction",  # 违章搭建
    "street_stall",          # 乱设摊点
    "illegal_parking",       # 违禁停车
    "repair",                # 需要维修
    "safety_hazard",         # 安全隐患
    "dispute",               # 矛盾纠纷
    "environment",           # 环境卫生
    "other",
)


class PatrolReport(Versioned, db.Model):
    """A problem found on patrol: append-only."""

    __tablename__ = "patrol_reports"
    __table_args__ = (Index("ix_patrol_reports_space_version", "community_id", "version"),)
    __placement__ = Placement(GRID, via="grid_id")

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    grid_id: Mapped[str] = mapped_column(ForeignKey("nodes.id"), index=True)
    community_id: Mapped[str] = mapped_column(ForeignKey("nodes.id"))
    author_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    category: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text, default="")
    photos = mapped_column(JSON, default=list, nullable=False)
    photo_times = mapped_column(JSON)  # {sha256: ISO time the photo was taken}
    location = mapped_column(JSON)
    reported_at = mapped_column(db.DateTime, nullable=False)
    created_at = mapped_column(db.DateTime, default=utcnow, nullable=False)
    grid = relationship("Node", foreign_keys=[grid_id])
