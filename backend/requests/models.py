from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.common import new_id, utcnow
from backend.extensions import db
from backend.org.placement import COMMUNITY, GRID, Placement
from backend.registry.models import Household
from backend.versioning import Versioned

OPEN_STATES = ("submitted", "accepted", "dispatched", "in_progress", "returned", "escalated", "reopened")
TERMINAL_STATES = ("closed", "withdrawn", "merged")
STATUSES = (*OPEN_STATES, "resolved", *TERMINAL_STATES)
LEVELS = ("community", "street", "district")
CHANNELS = ("app", "field", "station", "staff", "open311")

# The built-in categories, seeded by migration 0005: code, English name (a msgid), accept hours,
# resolve working days, order.
BUILTIN_CATEGORIES = (
    ("environment", "Environment and sanitation", 2, 3, 10),
    ("facilities", "Facilities and repairs", 2, 5, 20),
    ("neighbours", "Neighbour disputes", 2, 5, 30),
    ("elderly_care", "Elderly care", 1, 2, 40),
    ("safety", "Safety hazards", 1, 1, 50),
    ("public_services", "Public services", 2, 5, 60),
    ("correction", "Correcting my records", 2, 15, 80),
    ("other", "Other", 2, 3, 90),
)


class RequestCategory(db.Model):
    """What a request is about. A global list; `name` is an English msgid shown translated."""

    __tablename__ = "request_categories"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    accept_hours: Mapped[int] = mapped_column(Integer, default=2)
    resolve_days: Mapped[int] = mapped_column(Integer, default=3)  # working days
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


class TimeLimit(db.Model):
    """A community's own time limits for a category (else the category's defaults)."""

    __tablename__ = "request_time_limits"
    __table_args__ = (db.UniqueConstraint("community_id", "category_code"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    community_id: Mapped[str] = mapped_column(ForeignKey("nodes.id"))
    category_code: Mapped[str] = mapped_column(ForeignKey("request_categories.code"))
    accept_hours: Mapped[int] = mapped_column(Integer)
    resolve_days: Mapped[int] = mapped_column(Integer)


class CatalogueEntry(db.Model):
    """A line of a community's dispatch catalogue (派单目录): requests of this category go to
    this partner department. The request page offers it as a one-step dispatch."""

    __tablename__ = "request_dispatch_catalogue"
    __table_args__ = (db.UniqueConstraint("community_id", "category_code"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    community_id: Mapped[str] = mapped_column(ForeignKey("nodes.id"))
    category_code: Mapped[str] = mapped_column(ForeignKey("request_categories.code"))
    department_id: Mapped[str] = mapped_column(ForeignKey("departments.id"))

    department = relationship("Department")


class Department(db.Model):
    """A partner department (职能部门) serving a street, district or community; staff dispatch
    requests to it and record its responses on its behalf."""

    __tablename__ = "departments"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    node_id: Mapped[str] = mapped_column(ForeignKey("nodes.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    contact: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at = mapped_column(db.DateTime, default=utcnow, nullable=False)

    node = relationship("Node")


class Request(Versioned, db.Model):
    """A resident's request (诉求). Stateful: changed only through the actions of
    backend.requests.services.transition."""

    __tablename__ = "requests"
    __table_args__ = (Index("ix_requests_space_version", "community_id", "version"),
                      Index("ix_requests_community_status", "community_id", "status"))
    # A household's request lives where the household does; one of no household
    # (raised for a grid, or from Open311) in its grid, or only its community.
    # The holder at street or district level follows the tree (placed_requests).
    __placement__ = (Placement(Household, via="household_id", after="backend.requests.services:placed_requests"),
                     Placement(GRID, via="grid_id", after="backend.requests.services:placed_requests"),
                     Placement(COMMUNITY, via="community_id", after="backend.requests.services:placed_requests"))

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    community_id: Mapped[str] = mapped_column(ForeignKey("nodes.id"))
    grid_id: Mapped[str | None] = mapped_column(ForeignKey("nodes.id"), index=True)
    household_id: Mapped[str | None] = mapped_column(ForeignKey("households.id"), index=True)
    category: Mapped[str] = mapped_column(ForeignKey("request_categories.code"))
    description: Mapped[str] = mapped_column(Text, default="")
    photos = mapped_column(JSON, default=list, nullable=False)
    photo_times = mapped_column(JSON)
    location = mapped_column(JSON)
    address: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="submitted")
    level: Mapped[str] = mapped_column(String(12), default="community")
    holder_node_id: Mapped[str] = mapped_column(ForeignKey("nodes.id"))
    assignee_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), index=True)
    department_id: Mapped[str | None] = mapped_column(ForeignKey("departments.id"))
    requester_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), index=True)
    on_behalf: Mapped[bool] = mapped_column(Boolean, default=False)
    resident_id: Mapped[str | None] = mapped_column(ForeignKey("residents.id"))
    consent: Mapped[bool] = mapped_column(Boolean, default=False)
    requester_name: Mapped[str] = mapped_column(String(50), default="")
    # Sensitive: encrypted at rest (backend/sensitive/keys.py), never on the sync wire.
    requester_phone_enc: Mapped[str | None] = mapped_column(Text, info={"sealed": True})
    channel: Mapped[str] = mapped_column(String(12), default="app")
    duplicate_of_id: Mapped[str | None] = mapped_column(ForeignKey("requests.id"))
    accept_due_at = mapped_column(db.DateTime)
    resolve_due_at = mapped_column(db.DateTime)
    overdue: Mapped[bool] = mapped_column(Boolean, default=False)
    overdue_stage: Mapped[str | None] = mapped_column(String(8))
    escalations: Mapped[int] = mapped_column(Integer, default=0)
    created_at = mapped_column(db.DateTime, default=utcnow, nullable=False)
    accepted_at = mapped_column(db.DateTime)
    resolved_at = mapped_column(db.DateTime)
    closed_at = mapped_column(db.DateTime)
    updated_at = mapped_column(db.DateTime, default=utcnow, nullable=False)

    community = relationship("Node", foreign_keys=[community_id])
    grid = relationship("Node", foreign_keys=[grid_id])
    holder = relationship("Node", foreign_keys=[holder_node_id])
    household = relationship(Household)
    assignee = relationship("User", foreign_keys=[assignee_id])
    requester = relationship("User", foreign_keys=[requester_id])
    department = relationship(Department)
    category_ref = relationship(RequestCategory)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATES


class RequestEvent(Versioned, db.Model):
    """One step in a request's life, produced by the server. Append-only."""

    __tablename__ = "request_events"
    __table_args__ = (Index("ix_request_events_space_version", "community_id", "version"),)
    __placement__ = Placement(Request, via="request_id")

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    request_id: Mapped[str] = mapped_column(ForeignKey("requests.id"), index=True)
    community_id: Mapped[str] = mapped_column(ForeignKey("nodes.id"))
    grid_id: Mapped[str | None] = mapped_column(ForeignKey("nodes.id"), index=True)
    household_id: Mapped[str | None] = mapped_column(ForeignKey("households.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    message: Mapped[str] = mapped_column(Text, default="")
    actor_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(String(100), default="")
    public: Mapped[bool] = mapped_column(Boolean, default=True)
    data = mapped_column(JSON, default=dict, nullable=False)
    photos = mapped_column(JSON, default=list, nullable=False)
    created_at = mapped_column(db.DateTime, default=utcnow, nullable=False)

    request = relationship(Request, backref="events")
    grid = relationship("Node", foreign_keys=[grid_id])
    community = relationship("Node", foreign_keys=[community_id])


class ReplyTemplate(db.Model):
    """A ready answer staff pick in the reply form (kept per community; not replicated)."""

    __tablename__ = "request_reply_templates"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    community_id: Mapped[str] = mapped_column(ForeignKey("nodes.id"), index=True)
    title: Mapped[str] = mapped_column(String(60))
    body: Mapped[str] = mapped_column(Text)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    created_by_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    created_at = mapped_column(db.DateTime, default=utcnow, nullable=False)

    community = relationship("Node")
