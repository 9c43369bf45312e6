"""A notice pinned to a grid's board: append-only, synced to the grid's devices.

Its table has a metadata of its own, so the application's migrations (and the
test of them) never see it; the test creates it in its database."""

from sqlalchemy import DateTime, MetaData, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from backend.versioning import Versioned


class Base(DeclarativeBase):
    metadata = MetaData()


class Notice(Versioned, Base):
    __tablename__ = "example_notices"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    community_id: Mapped[str] = mapped_column(String(36), index=True)
    grid_id: Mapped[str] = mapped_column(String(36), index=True)
    author_id: Mapped[str] = mapped_column(String(36))
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text, default="")
    posted_at = mapped_column(DateTime, nullable=False)
