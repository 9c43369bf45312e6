from sqlalchemy import Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.common import utcnow
from backend.extensions import db

# holiday: a weekday off (a public holiday); workday: a weekend day worked (调休, a make-up day).
KINDS = ("holiday", "workday")


class CalendarDay(db.Model):
    """A day the working calendar marks against the plain week (Monday to Friday worked).
    One calendar for the deployment: the State Council publishes the year's holidays and
    make-up days, and an administrator enters them."""

    __tablename__ = "calendar_days"

    day = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(String(50), default="")
    updated_by_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    updated_at = mapped_column(db.DateTime, default=utcnow, nullable=False)
