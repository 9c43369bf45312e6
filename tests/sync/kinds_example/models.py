"""A shared record of a community: private (between its owner and helper),
for the community, or for the whole street. Its table has a metadata of its
own: the application's migrations never see it; the tests create it."""

from sqlalchemy import DateTime, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from backend.versioning import Versioned


class Base(DeclarativeBase):
    metadata = MetaData()


class Share(Versioned, Base):
    __tablename__ = "example_shares"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    community_id: Mapped[str] = mapped_column(String(36), index=True)
    owner_id: Mapped[str] = mapped_column(String(36))
    helper_id: Mapped[str | None] = mapped_column(String(36))
    reach: Mapped[str] = mapped_column(String(12), default="community")  # private | community | street
    title: Mapped[str] = mapped_column(String(120), default="")
    retired_at = mapped_column(DateTime)
