"""The sharing community (共享社区): posts (lend, give, skill, help), the answers that become
exchanges, the categories staff keep, residents' reports and the deployment's banned words.

A post hangs under its author's household (or, posted for a resident with no phone,
that resident's household), so a move of the household carries it and its exchanges
(backend/org/placement)."""

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.common import new_id, utcnow
from backend.extensions import db
from backend.org.placement import COMMUNITY, GRID, Placement
from backend.registry.models import Household
from backend.versioning import FieldVersioned, Versioned

KINDS = ("lend", "give", "skill", "help")
REACHES = ("community", "street")
# A post is open to answers, full (every place promised), closed by its author, withdrawn, or hidden by staff.
POST_STATUSES = ("open", "full", "closed", "withdrawn", "hidden")
RESPONSE_STATUSES = ("pending", "accepted", "lent", "done", "confirmed", "closed", "declined", "withdrawn",
                     "cancelled")
# Kinds whose one item can be promised to one person only.
EXCLUSIVE_KINDS = ("lend", "give")
REPORT_STATUSES = ("open", "dismissed", "actioned")


class ShareCategory(Versioned, db.Model):
    """A line of a community's sharing catalogue (tools, books, childcare, repairs…), kept by its staff."""

    __tablename__ = "share_categories"
    __table_args__ = (Index("ix_share_categories_space_version", "community_id", "version"),)
    __placement__ = Placement(COMMUNITY, via="community_id")

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    community_id: Mapped[str] = mapped_column(ForeignKey("nodes.id"))
    name: Mapped[str] = mapped_column(String(60))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    created_at = mapped_column(db.DateTime, default=utcnow, nullable=False)
    retired_at = mapped_column(db.DateTime)

    community = relationship("Node")


class Post(FieldVersioned, db.Model):
    """A neighbour's offer or ask. Editable field by field by its author (staff for a post made on a
    resident's behalf); its status moves only through the services. Hidden or withdrawn: retired."""

    __tablename__ = "share_posts"
    __table_args__ = (Index("ix_share_posts_space_version", "community_id", "version"),
                      Index("ix_share_posts_community_status", "community_id", "status"))
    __placement__ = (Placement(Household, via="household_id"),
                     Placement(GRID, via="grid_id"),
                     Placement(COMMUNITY, via="community_id"))

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    community_id: Mapped[str] = mapped_column(ForeignKey("nodes.id"))
    grid_id: Mapped[str | None] = mapped_column(ForeignKey("nodes.id"), index=True)
    household_id: Mapped[str | None] = mapped_column(ForeignKey("households.id"), index=True)
    author_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), index=True)
    author_name: Mapped[str] = mapped_column(String(50), default="")
    on_behalf: Mapped[bool] = mapped_column(Boolean, default=False)
    resident_id: Mapped[str | None] = mapped_column(ForeignKey("residents.id"))
    consent: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_given_by: Mapped[str] = mapped_column(String(50), default="")
    kind: Mapped[str] = mapped_column(String(8))
    category: Mapped[str | None] = mapped_column(ForeignKey("share_categories.id"))
    title: Mapped[str] = mapped_column(String(80))
    body: Mapped[str] = mapped_column(Text, default="")
    photos = mapped_column(JSON, default=list, nullable=False)
    availability: Mapped[str] = mapped_column(String(120), default="")
    reach: Mapped[str] = mapped_column(String(12), default="community")
    capacity: Mapped[int] = mapped_column(Integer, default=1)
    # Places promised: raised only by a conditional UPDATE inside the write transaction (services.accept).
    taken: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(12), default="open")
    # Staff only: never on the wire, never in a resident's API answer.
    hidden_reason: Mapped[str | None] = mapped_column(Text)
    hidden_by_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    hidden_at = mapped_column(db.DateTime)
    created_at = mapped_column(db.DateTime, default=utcnow, nullable=False)
    updated_at = mapped_column(db.DateTime, default=utcnow, nullable=False)
    retired_at = mapped_column(db.DateTime)

    community = relationship("Node", foreign_keys=[community_id])
    grid = relationship("Node", foreign_keys=[grid_id])
    household = relationship(Household)
    author = relationship("User", foreign_keys=[author_id])
    category_ref = relationship(ShareCategory)

    @property
    def exclusive(self) -> bool:
        return self.kind in EXCLUSIVE_KINDS


class PostResponse(Versioned, db.Model):
    """A neighbour's answer to a post, which the author's acceptance turns into an exchange.
    Stateful: moved only by the actions of backend/sharing/machine.py."""

    __tablename__ = "share_responses"
    __table_args__ = (Index("ix_share_responses_space_version", "community_id", "version"),
                      Index("ix_share_responses_post_status", "post_id", "status"))
    __placement__ = Placement(Post, via="post_id")

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    post_id: Mapped[str] = mapped_column(ForeignKey("share_posts.id"), index=True)
    community_id: Mapped[str] = mapped_column(ForeignKey("nodes.id"))
    grid_id: Mapped[str | None] = mapped_column(ForeignKey("nodes.id"), index=True)
    household_id: Mapped[str | None] = mapped_column(ForeignKey("households.id"), index=True)
    responder_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), index=True)
    responder_name: Mapped[str] = mapped_column(String(50), default="")
    on_behalf: Mapped[bool] = mapped_column(Boolean, default=False)
    resident_id: Mapped[str | None] = mapped_column(ForeignKey("residents.id"))
    consent: Mapped[bool] = mapped_column(Boolean, default=False)
    author_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), index=True)
    message: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(12), default="pending")
    # The post's id while this exchange holds its one item (lend, give): unique, so an item is never
    # promised twice whatever the race (NULLs never collide).
    promise_key: Mapped[str | None] = mapped_column(String(36), unique=True)
    due_at = mapped_column(db.DateTime)
    overdue: Mapped[bool] = mapped_column(Boolean, default=False)
    reminded_at = mapped_column(db.DateTime)
    returned_at = mapped_column(db.DateTime)
    confirmed_by_author: Mapped[bool] = mapped_column(Boolean, default=False)
    confirmed_by_responder: Mapped[bool] = mapped_column(Boolean, default=False)
    author_score: Mapped[int | None] = mapped_column(Integer)
    author_comment: Mapped[str] = mapped_column(String(60), default="")
    responder_score: Mapped[int | None] = mapped_column(Integer)
    responder_comment: Mapped[str] = mapped_column(String(60), default="")
    created_at = mapped_column(db.DateTime, default=utcnow, nullable=False)
    accepted_at = mapped_column(db.DateTime)
    done_at = mapped_column(db.DateTime)
    closed_at = mapped_column(db.DateTime)
    updated_at = mapped_column(db.DateTime, default=utcnow, nullable=False)

    post = relationship(Post, backref="responses")
    responder = relationship("User", foreign_keys=[responder_id])

    @property
    def helper_id(self) -> str | None:
        """Who gave the help: the responder on a `help` post, else the post's author (the giver,
        lender or teacher). None when that side acted through staff for a resident with no account."""
        if self.post.kind == "help":
            return None if self.on_behalf else self.responder_id
        return None if self.post.on_behalf else self.post.author_id

    @property
    def helped_side(self) -> str:
        """"author" or "responder": who received the help."""
        return "author" if self.post.kind == "help" else "responder"


class PostReport(db.Model):
    """A resident's report of a post; staff-only (the reason never reaches other residents)."""

    __tablename__ = "share_reports"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    post_id: Mapped[str] = mapped_column(ForeignKey("share_posts.id"), index=True)
    community_id: Mapped[str] = mapped_column(ForeignKey("nodes.id"), index=True)
    reporter_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default="open")
    note: Mapped[str] = mapped_column(Text, default="")
    created_at = mapped_column(db.DateTime, default=utcnow, nullable=False)
    resolved_at = mapped_column(db.DateTime)
    resolved_by_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))

    post = relationship(Post, backref="reports")
    reporter = relationship("User", foreign_keys=[reporter_id])


class BannedWord(db.Model):
    """A word posts and answers may not contain, for the whole deployment (kept by staff)."""

    __tablename__ = "share_banned_words"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    word: Mapped[str] = mapped_column(String(40), unique=True)
    created_by_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    created_at = mapped_column(db.DateTime, default=utcnow, nullable=False)
