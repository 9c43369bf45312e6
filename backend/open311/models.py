"""Open311 API keys, and what an Open311 client sent beyond the request itself."""

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.common import new_id, utcnow
from backend.extensions import db


class Open311Key(db.Model):
    """A key an outside application files requests with, into one area: a
    community, or a street or district (then each request names a community
    inside it as jurisdiction_id). Only the SHA-256 of the key is kept; the key
    itself is shown once, when issued."""

    __tablename__ = "open311_keys"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(100))
    node_id: Mapped[str] = mapped_column(ForeignKey("nodes.id"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    created_at = mapped_column(db.DateTime, default=utcnow, nullable=False)
    revoked_at = mapped_column(db.DateTime)
    revoked_by_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    last_used_at = mapped_column(db.DateTime)

    node = relationship("Node")
    created_by = relationship("User", foreign_keys=[created_by_id])
    revoked_by = relationship("User", foreign_keys=[revoked_by_id])

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class Open311Submission(db.Model):
    """One request filed through Open311: its token (GET tokens/<token>), the
    key that filed it (the per-key bound counts these), and the fields of the
    specification the request itself has no place for. The requester's e-mail,
    device id and names are not kept here (names and phone go to the request,
    where the core protects them)."""

    __tablename__ = "open311_submissions"
    __table_args__ = (Index("ix_open311_submissions_key_created", "key_id", "created_at"),)

    token: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    key_id: Mapped[str] = mapped_column(ForeignKey("open311_keys.id"))
    request_id: Mapped[str] = mapped_column(ForeignKey("requests.id"), unique=True)
    account_id: Mapped[str | None] = mapped_column(String(100))
    address_id: Mapped[str | None] = mapped_column(String(100))
    media_url: Mapped[str | None] = mapped_column(String(500))
    created_at = mapped_column(db.DateTime, default=utcnow, nullable=False)

    key = relationship(Open311Key)
