from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.common import new_id, utcnow
from backend.extensions import db
from backend.org.placement import BUILDING, GRID, Placement
from backend.versioning import FieldVersioned

household_care_tags = db.Table(
    "household_care_tags",
    db.Column("household_id", ForeignKey("households.id", ondelete="CASCADE"), primary_key=True),
    db.Column("tag_code", ForeignKey("care_tags.code"), primary_key=True),
)

resident_care_tags = db.Table(
    "resident_care_tags",
    db.Column("resident_id", ForeignKey("residents.id", ondelete="CASCADE"), primary_key=True),
    db.Column("tag_code", ForeignKey("care_tags.code"), primary_key=True),
)


class CareTag(db.Model):
    """A reason a household or person needs care. Built-in tags come with the
    product; staff may add their own. Sensitive tags (community correction,
    rehabilitation) are shown only to roles that may see sensitive fields."""

    __tablename__ = "care_tags"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name_zh_hans: Mapped[str] = mapped_column(String(50))
    name_zh_hant: Mapped[str] = mapped_column(String(50))
    name_en: Mapped[str] = mapped_column(String(80))
    sensitive: Mapped[bool] = mapped_column(Boolean, default=False)
    builtin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at = mapped_column(db.DateTime, default=utcnow, nullable=False)

    def label(self, locale: str) -> str:
        if locale.startswith("en"):
            return self.name_en
        if locale in ("zh_Hant", "zh_TW", "zh_HK"):
            return self.name_zh_hant
        return self.name_zh_hans


class Household(FieldVersioned, db.Model):
    __tablename__ = "households"
    __table_args__ = (Index("ix_households_space_version", "community_id", "version"),)
    # In its building's grid when it names a building, else in its grid. The
    # accounts of its residents follow it to another community.
    __placement__ = (Placement(BUILDING, via="building_id", after="backend.accounts.services:follow_households"),
                     Placement(GRID, via="grid_id"))

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    grid_id: Mapped[str] = mapped_column(ForeignKey("nodes.id"), index=True)
    building_id: Mapped[str | None] = mapped_column(ForeignKey("nodes.id"), index=True)
    # Denormalised from the grid: the community is the sync space and the
    # most common filter, so it is kept on the row.
    community_id: Mapped[str] = mapped_column(ForeignKey("nodes.id"), index=True)
    address: Mapped[str] = mapped_column(String(200))
    head_name: Mapped[str] = mapped_column(String(50))
    member_count: Mapped[int] = mapped_column(Integer, default=0)
    phone_enc: Mapped[str | None] = mapped_column(Text, info={"sealed": True})
    notes: Mapped[str | None] = mapped_column(Text)
    created_at = mapped_column(db.DateTime, default=utcnow, nullable=False)
    updated_at = mapped_column(db.DateTime, default=utcnow, onupdate=utcnow, nullable=False)
    retired_at = mapped_column(db.DateTime)
    retire_reason: Mapped[str | None] = mapped_column(String(200))

    grid = relationship("Node", foreign_keys=[grid_id])
    building = relationship("Node", foreign_keys=[building_id])
    community = relationship("Node", foreign_keys=[community_id])
    care_tags = relationship(CareTag, secondary=household_care_tags, order_by=CareTag.code)
    residents = relationship("Resident", back_populates="household", order_by="Resident.created_at")


class Resident(FieldVersioned, db.Model):
    __tablename__ = "residents"
    __table_args__ = (Index("ix_residents_space_version", "community_id", "version"),)
    __placement__ = Placement(Household, via="household_id")

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    household_id: Mapped[str] = mapped_column(ForeignKey("households.id"), index=True)
    # Denormalised from the household so replication filters without a join.
    grid_id: Mapped[str] = mapped_column(ForeignKey("nodes.id"), index=True)
    community_id: Mapped[str] = mapped_column(ForeignKey("nodes.id"))
    name: Mapped[str] = mapped_column(String(50), index=True)
    gender: Mapped[str | None] = mapped_column(String(1))
    birth_date = mapped_column(Date)
    relation: Mapped[str | None] = mapped_column(String(20))
    # Sensitive personal fields: encrypted at rest, masked on screen, every
    # reveal audited. The hash is a keyed blind index for exact look-up.
    id_number_enc: Mapped[str | None] = mapped_column(Text, info={"sealed": True})
    id_number_hash: Mapped[str | None] = mapped_column(String(64), index=True, info={"blind_index_of": "id_number_enc"})
    phone_enc: Mapped[str | None] = mapped_column(Text, info={"sealed": True})
    notes: Mapped[str | None] = mapped_column(Text)
    created_at = mapped_column(db.DateTime, default=utcnow, nullable=False)
    updated_at = mapped_column(db.DateTime, default=utcnow, onupdate=utcnow, nullable=False)
    retired_at = mapped_column(db.DateTime)
    retire_reason: Mapped[str | None] = mapped_column(String(200))

    household = relationship(Household, back_populates="residents", foreign_keys=[household_id])
    care_tags = relationship(CareTag, secondary=resident_care_tags, order_by=CareTag.code)


# Why a piece of personal information is used (PIPL Art. 14, 29): raising a request on a resident's
# behalf, or a sensitive care tag.
CONSENT_PURPOSES = ("proxy_request", "care_tag")
# On what basis: the person's written or spoken consent, their guardian's, or a duty the law sets
# (e.g. 低保 administration), which needs no consent but is recorded all the same (PIPL Art. 13).
CONSENT_BASES = ("written", "verbal", "guardian", "legal_duty")


class Consent(db.Model):
    """Who agreed (or which law allows it), when, and on what basis, to one use of a resident's
    or a household's information. A withdrawal is recorded on the row; rows are never deleted.
    The subject is a resident, else a household (a household's care tag, a request for a
    household); its scope is its subject's."""

    __tablename__ = "consents"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    resident_id: Mapped[str | None] = mapped_column(ForeignKey("residents.id"), index=True)
    household_id: Mapped[str | None] = mapped_column(ForeignKey("households.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(20))
    tag_code: Mapped[str | None] = mapped_column(ForeignKey("care_tags.code"))
    # The request raised on the resident's behalf (requests sit above the registry: no foreign key).
    request_id: Mapped[str | None] = mapped_column(String(36), index=True)
    basis: Mapped[str] = mapped_column(String(16))
    given_by: Mapped[str] = mapped_column(String(50), default="")
    detail: Mapped[str] = mapped_column(String(200), default="")
    recorded_by_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    recorded_at = mapped_column(db.DateTime, default=utcnow, nullable=False)
    withdrawn_at = mapped_column(db.DateTime)
    withdrawn_by_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    withdraw_reason: Mapped[str | None] = mapped_column(String(200))

    resident = relationship(Resident, foreign_keys=[resident_id])
    household = relationship(Household, foreign_keys=[household_id])
    tag = relationship(CareTag)
    recorded_by = relationship("User", foreign_keys=[recorded_by_id])
    withdrawn_by = relationship("User", foreign_keys=[withdrawn_by_id])

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None
