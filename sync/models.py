"""Tables of the replication engine."""

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backend.common import utcnow
from backend.extensions import db


class SyncSpace(db.Model):
    """One community's change counter. A transaction that writes replicated
    records of the community bumps it under a row lock, so writers of one
    community commit in version order and a pull can never skip a change."""

    __tablename__ = "sync_spaces"

    id: Mapped[str] = mapped_column(ForeignKey("nodes.id"), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0, nullable=False)
    # Tombstones at or below this version were purged: older cursors reset.
    purged_below: Mapped[int] = mapped_column(BigInteger, default=0, nullable=False)


class Tombstone(db.Model):
    """A record that left a partition of a space: deleted, retired, or moved
    to another grid or community (its old place is kept here).

    `user_id` set: the record left the "user" partition of that user in this
    space (it named them in one of its collection's `user_attrs`, and moved to
    another space, stopped naming them, or was deleted); such a tombstone is
    served to that user's partition only. Null: every other kind's tombstone."""

    __tablename__ = "sync_tombstones"
    __table_args__ = (Index("ix_sync_tombstones_space_version", "space_id", "version"),
                      Index("ix_sync_tombstones_space_user_version", "space_id", "user_id", "version"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    space_id: Mapped[str] = mapped_column(String(36))
    version: Mapped[int] = mapped_column(BigInteger)
    collection: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[str] = mapped_column(String(36))
    grid_id: Mapped[str | None] = mapped_column(String(36))
    household_id: Mapped[str | None] = mapped_column(String(36))
    user_id: Mapped[str | None] = mapped_column(String(36))
    reason: Mapped[str] = mapped_column(String(16), default="deleted")
    at = mapped_column(db.DateTime, default=utcnow, nullable=False)


class AppliedMutation(db.Model):
    """Every mutation id ever seen, with its stored result: a replay returns it."""

    __tablename__ = "sync_mutations"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    # No index: a replay finds its record by id and compares the user on it
    # (migration 0008); accounts are retired, never deleted.
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    device_id: Mapped[str] = mapped_column(String(36))
    payload_hash: Mapped[str] = mapped_column(String(64))
    result = mapped_column(JSON, nullable=False)
    applied_at = mapped_column(db.DateTime, default=utcnow, nullable=False)


class SyncDevice(db.Model):
    """What the server saw of a device: its last push and pull. Its row is
    locked for a push, so two copies of one batch serialise."""

    __tablename__ = "sync_devices"

    device_pk: Mapped[str] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"), primary_key=True)
    last_mutation_id: Mapped[str | None] = mapped_column(String(36))
    last_push_at = mapped_column(db.DateTime)
    last_pull_at = mapped_column(db.DateTime)
    pushes: Mapped[int] = mapped_column(Integer, default=0, nullable=False)


class Conflict(db.Model):
    """A field changed on both sides; the collection's rule picked a winner,
    the other value is kept here for staff to review and settle."""

    __tablename__ = "sync_conflicts"
    __table_args__ = (Index("ix_sync_conflicts_space_status", "space_id", "status"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    space_id: Mapped[str] = mapped_column(String(36))
    collection: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[str] = mapped_column(String(36), index=True)
    mutation_id: Mapped[str] = mapped_column(String(36))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    fields = mapped_column(JSON, nullable=False)  # {field: {"server": v, "client": v, "winner": "server"|"client"}}
    rule: Mapped[str] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(12), default="open")  # open | settled
    created_at = mapped_column(db.DateTime, default=utcnow, nullable=False)
    settled_by_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    settled_at = mapped_column(db.DateTime)
    resolution = mapped_column(JSON)


class Attachment(db.Model):
    """A photo, named by the SHA-256 of its bytes; never overwritten."""

    __tablename__ = "attachments"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    content_type: Mapped[str] = mapped_column(String(32))
    size: Mapped[int] = mapped_column(Integer)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    data = mapped_column(LargeBinary, nullable=False)
    uploaded_by_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    created_at = mapped_column(db.DateTime, default=utcnow, nullable=False)


class AttachmentUpload(db.Model):
    """Who uploaded a photo's bytes, each user once (the first upload and any
    later one of the same bytes by someone else): the provenance that lets a
    user name the photo in a record (sync/attachments.py, `vet`). It grants
    nothing else: records naming the photo stay readable only to their readers."""

    __tablename__ = "attachment_uploads"

    sha256: Mapped[str] = mapped_column(ForeignKey("attachments.sha256"), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), primary_key=True)
    device_id: Mapped[str | None] = mapped_column(String(36))
    uploaded_at = mapped_column(db.DateTime, default=utcnow, nullable=False)


class AttachmentRef(db.Model):
    """Which record names which photo: a photo is served to whoever may read one of them."""

    __tablename__ = "attachment_refs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    collection: Mapped[str] = mapped_column(String(32), primary_key=True)
    record_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    note: Mapped[str | None] = mapped_column(Text)
    # Who named the photo before it was uploaded (the protocol lets a record
    # come first): such a reference opens the photo only once this user's own
    # upload of it lands, so naming a hash seen elsewhere ahead of its owner's
    # upload never opens it. Null: the author had the photo when naming it.
    pending_by_id: Mapped[str | None] = mapped_column(String(36))
