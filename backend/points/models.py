"""The points bank (积分银行): a double-entry ledger.

Every transaction moves points between accounts with postings (entries) that sum to zero.
Entries are append-only: a correction is a reversing transaction. Each account's entries form a
hash chain (seq 1, 2, …; each entry carries the hash of the account's previous entry), so an edited,
removed or inserted entry is found by `flask points verify`. The account row caches the balance,
the number of entries and the chain's head; it is written only by the ledger, in the same
transaction as the entries, and is the row a debit locks (no overdraft, backend/points/ledger.py)."""

from sqlalchemy import BigInteger, Boolean, Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.common import new_id, utcnow
from backend.extensions import db
from backend.org.placement import COMMUNITY, Placement
from backend.versioning import Versioned

# resident: a person's points; pool: the community's pool (pays earnings, receives donations);
# issuance: where a community's points come from (grants): the one kind that may go below zero;
# escrow: points of reserved redemptions; spent: points of fulfilled redemptions.
ACCOUNT_KINDS = ("resident", "pool", "issuance", "escrow", "spent")
TRANSACTION_KINDS = ("grant", "help", "hours", "checkin", "redeem", "fulfil", "cancel", "donation", "reversal")
EARNING_RULES = ("help", "hours", "checkin")
REDEMPTION_STATUSES = ("reserved", "fulfilled", "cancelled")
DONATION_TARGETS = ("resident", "community_pool", "paired_community")
GENESIS = "0" * 64


class PointsAccount(db.Model):
    __tablename__ = "points_accounts"
    __table_args__ = (UniqueConstraint("code", name="uq_points_accounts_code"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    # "<kind>:<community id>[:<owner id>]": one account of a kind per community (and owner)
    code: Mapped[str] = mapped_column(String(120))
    community_id: Mapped[str] = mapped_column(ForeignKey("nodes.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    owner_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), index=True)
    balance: Mapped[int] = mapped_column(BigInteger, default=0, nullable=False)
    entry_count: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    head_hash: Mapped[str] = mapped_column(String(64), default=GENESIS, nullable=False)
    created_at = mapped_column(db.DateTime, default=utcnow, nullable=False)

    owner = relationship("User", foreign_keys=[owner_id])


class PointsTransaction(db.Model):
    __tablename__ = "points_transactions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    community_id: Mapped[str] = mapped_column(ForeignKey("nodes.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    # What it is for, unique: "exchange:<id>", "hours:<id>", "redemption:<id>:reserve"… (idempotent awards)
    reference: Mapped[str | None] = mapped_column(String(120), unique=True)
    memo: Mapped[str] = mapped_column(Text, default="")
    actor_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    # A reversal names what it reverses: at most one reversal per transaction.
    reverses_id: Mapped[str | None] = mapped_column(ForeignKey("points_transactions.id"), unique=True)
    created_at = mapped_column(db.DateTime, default=utcnow, nullable=False, index=True)

    entries = relationship("PointsEntry", back_populates="transaction", order_by="PointsEntry.amount")


class PointsEntry(Versioned, db.Model):
    """One posting: `amount` (signed) on one account. Served to the account's owner only."""

    __tablename__ = "points_entries"
    __table_args__ = (Index("ix_points_entries_space_version", "community_id", "version"),
                      UniqueConstraint("account_id", "seq", name="uq_points_entries_account_seq"))
    __placement__ = Placement(COMMUNITY, via="community_id")

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    transaction_id: Mapped[str] = mapped_column(ForeignKey("points_transactions.id"), index=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("points_accounts.id"))
    community_id: Mapped[str] = mapped_column(ForeignKey("nodes.id"))
    owner_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), index=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(12))
    reference: Mapped[str | None] = mapped_column(String(120))
    memo: Mapped[str] = mapped_column(Text, default="")
    seq: Mapped[int] = mapped_column(Integer)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    created_at = mapped_column(db.DateTime, default=utcnow, nullable=False)

    transaction = relationship("PointsTransaction", back_populates="entries")
    account = relationship("PointsAccount")


class EarningRule(db.Model):
    """A community's earning rules (defaults in backend/points/rules.py when it has none)."""

    __tablename__ = "points_rules"

    community_id: Mapped[str] = mapped_column(ForeignKey("nodes.id"), primary_key=True)
    help_points: Mapped[int] = mapped_column(Integer)
    help_daily_cap: Mapped[int] = mapped_column(Integer)
    hours_rate: Mapped[int] = mapped_column(Integer)
    checkin_points: Mapped[int] = mapped_column(Integer)
    checkin_daily_cap: Mapped[int] = mapped_column(Integer)
    updated_at = mapped_column(db.DateTime, default=utcnow, nullable=False)


class Pairing(db.Model):
    """An urban community paired with a rural one (seed 001): residents may donate to its pool."""

    __tablename__ = "points_pairings"
    __table_args__ = (UniqueConstraint("community_id", "partner_id", name="uq_points_pairings"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    community_id: Mapped[str] = mapped_column(ForeignKey("nodes.id"), index=True)
    partner_id: Mapped[str] = mapped_column(ForeignKey("nodes.id"), index=True)
    created_at = mapped_column(db.DateTime, default=utcnow, nullable=False)

    partner = relationship("Node", foreign_keys=[partner_id])
    community = relationship("Node", foreign_keys=[community_id])


class Reward(Versioned, db.Model):
    """A reward of a community's catalogue. `stock_available` is decremented under a row lock
    when a redemption is reserved and given back when it is cancelled: never below zero."""

    __tablename__ = "points_rewards"
    __table_args__ = (Index("ix_points_rewards_space_version", "community_id", "version"),)
    __placement__ = Placement(COMMUNITY, via="community_id")

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    community_id: Mapped[str] = mapped_column(ForeignKey("nodes.id"))
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    points: Mapped[int] = mapped_column(Integer)
    stock_total: Mapped[int] = mapped_column(Integer, default=0)
    stock_available: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at = mapped_column(db.DateTime, default=utcnow, nullable=False)
    updated_at = mapped_column(db.DateTime, default=utcnow, nullable=False)


class Redemption(Versioned, db.Model):
    __tablename__ = "points_redemptions"
    __table_args__ = (Index("ix_points_redemptions_space_version", "community_id", "version"),)
    __placement__ = Placement(COMMUNITY, via="community_id")

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    reward_id: Mapped[str] = mapped_column(ForeignKey("points_rewards.id"), index=True)
    community_id: Mapped[str] = mapped_column(ForeignKey("nodes.id"))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    points: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12), default="reserved")
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at = mapped_column(db.DateTime, default=utcnow, nullable=False)
    closed_at = mapped_column(db.DateTime)
    closed_by_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))

    reward = relationship("Reward")
    user = relationship("User", foreign_keys=[user_id])


class Donation(Versioned, db.Model):
    __tablename__ = "points_donations"
    __table_args__ = (Index("ix_points_donations_space_version", "community_id", "version"),)
    __placement__ = Placement(COMMUNITY, via="community_id")

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    community_id: Mapped[str] = mapped_column(ForeignKey("nodes.id"))  # the donor's
    from_user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    to_kind: Mapped[str] = mapped_column(String(20))
    to_id: Mapped[str] = mapped_column(String(36))  # a user (resident) or a community (pools)
    to_user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), index=True)
    amount: Mapped[int] = mapped_column(Integer)
    message: Mapped[str] = mapped_column(Text, default="")
    transaction_id: Mapped[str] = mapped_column(ForeignKey("points_transactions.id"))
    created_at = mapped_column(db.DateTime, default=utcnow, nullable=False)


class VolunteerHours(db.Model):
    """Hours a resident volunteered, recorded by staff (or a grid worker): hours × the community's rate."""

    __tablename__ = "points_hours"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    community_id: Mapped[str] = mapped_column(ForeignKey("nodes.id"), index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    hours: Mapped[float] = mapped_column(Float)
    activity: Mapped[str] = mapped_column(String(200))
    worked_on = mapped_column(Date, nullable=False)
    recorded_by_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    transaction_id: Mapped[str | None] = mapped_column(ForeignKey("points_transactions.id"))
    created_at = mapped_column(db.DateTime, default=utcnow, nullable=False)
