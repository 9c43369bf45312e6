from sqlalchemy import JSON, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.common import utcnow
from backend.extensions import db


class AuditEntry(db.Model):
    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at = mapped_column(db.DateTime, default=utcnow, nullable=False, index=True)
    actor_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(40))
    target_type: Mapped[str] = mapped_column(String(30))
    target_id: Mapped[str] = mapped_column(String(36), index=True)
    detail = mapped_column(JSON)
    address: Mapped[str | None] = mapped_column(String(64))

    actor = relationship("User")


class RevealAlert(db.Model):
    """One account revealed (or exported) more records in one day than the
    deployment's threshold allows: recorded once per account and day, the
    moment the threshold is reached, for the account's managers to look into."""

    __tablename__ = "reveal_alerts"
    __table_args__ = (UniqueConstraint("user_id", "day", name="uq_reveal_alerts_user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    day = mapped_column(Date, nullable=False, index=True)  # the deployment's local day
    count: Mapped[int] = mapped_column(Integer)  # reveals that day when it fired (the threshold)
    threshold: Mapped[int] = mapped_column(Integer)
    at = mapped_column(db.DateTime, default=utcnow, nullable=False)

    user = relationship("User")
