from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.common import new_id, utcnow
from backend.extensions import db

KINDS = ("district", "street", "community", "grid", "building", "station")
COMMUNITY_KINDS = ("urban", "village")

# Which kinds may hang under which; a station serves a village or a whole street.
PARENT_KINDS = {
    "district": (None,),
    "street": ("district",),
    "community": ("street",),
    "grid": ("community",),
    "building": ("grid",),
    "station": ("community", "street"),
}


class Node(db.Model):
    """One node of the governance tree. `path` is the materialised path of ids,
    "/<district>/<street>/…/<self>/", so "is X under Y" is a prefix test."""

    __tablename__ = "nodes"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('district','street','community','grid','building','station')",
            name="kind",
        ),
        Index("ix_nodes_parent_kind", "parent_id", "kind"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("nodes.id"))
    path: Mapped[str] = mapped_column(String(255), index=True)
    name: Mapped[str] = mapped_column(String(100))
    code: Mapped[str | None] = mapped_column(String(32))
    community_kind: Mapped[str | None] = mapped_column(String(16))
    invite_code: Mapped[str | None] = mapped_column(String(16), unique=True)
    address: Mapped[str | None] = mapped_column(String(200))
    notes: Mapped[str | None] = mapped_column(Text)
    created_at = mapped_column(db.DateTime, default=utcnow, nullable=False)
    updated_at = mapped_column(db.DateTime, default=utcnow, onupdate=utcnow, nullable=False)
    retired_at = mapped_column(db.DateTime)

    parent = relationship("Node", remote_side="Node.id", backref="children")

    @property
    def ancestor_ids(self) -> list[str]:
        return [part for part in self.path.strip("/").split("/") if part][:-1]

    @property
    def is_retired(self) -> bool:
        return self.retired_at is not None

    def __repr__(self) -> str:
        return f"<Node {self.kind} {self.name}>"
