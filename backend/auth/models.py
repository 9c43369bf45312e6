from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.common import new_id, utcnow
from backend.extensions import db
from backend.sensitive import keys, masks

ROLES = (
    "admin",
    "district_officer",
    "street_officer",
    "community_staff",
    "grid_worker",
    "station_operator",
    "resident",
    "volunteer",
)

# A resident who registered with an invitation code is "pending" until staff
# link them to a household; "rejected" keeps the record for the audit trail.
STATUSES = ("active", "pending", "rejected")

user_scopes = db.Table(
    "user_scopes",
    db.Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    db.Column("node_id", ForeignKey("nodes.id"), primary_key=True),
)


class User(db.Model):
    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    username: Mapped[str] = mapped_column(String(50), unique=True)
    display_name: Mapped[str] = mapped_column(String(50))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(12), default="active")
    is_active_flag: Mapped[bool] = mapped_column("is_active", Boolean, default=True)
    # Residents: the household they belong to, once staff confirmed it.
    household_id: Mapped[str | None] = mapped_column(ForeignKey("households.id"))
    # Residents registering themselves: the community of their invitation code
    # and what they told us, for staff to match. The address and the phone are
    # sealed (backend/sensitive/keys.py): `user.phone = "…"` seals, and pages
    # show `masked_phone`/`masked_address` until a manager reveals them
    # (backend/accounts/services.py, reveal_contact, audited).
    community_id: Mapped[str | None] = mapped_column(ForeignKey("nodes.id"))
    claimed_address_enc: Mapped[str | None] = mapped_column(Text, info={"sealed": True})
    phone_enc: Mapped[str | None] = mapped_column(Text, info={"sealed": True})
    # The clear columns of before: emptied by migration 0013, never written again.
    legacy_claimed_address: Mapped[str | None] = mapped_column("claimed_address", String(200))
    legacy_phone: Mapped[str | None] = mapped_column("phone", String(20))
    locale: Mapped[str | None] = mapped_column(String(10))
    # Bumped on password change or deactivation: every session signed with the
    # old epoch stops working.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0)
    # Set when staff reset the password or created the account: the password is
    # temporary, works until then, and only to choose a new one.
    password_temporary_until = mapped_column(db.DateTime)
    created_at = mapped_column(db.DateTime, default=utcnow, nullable=False)
    last_sign_in_at = mapped_column(db.DateTime)

    scope_nodes = relationship("Node", secondary=user_scopes, order_by="Node.path")
    household = relationship("Household", foreign_keys=[household_id])
    community = relationship("Node", foreign_keys=[community_id])

    # Flask-Login protocol
    @property
    def is_active(self) -> bool:
        return bool(self.is_active_flag) and self.status != "rejected"

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_epoch}"

    @property
    def is_staff(self) -> bool:
        return self.role not in ("resident", "volunteer")

    # The API's and the services' field names, sealed in their *_enc columns.
    @property
    def phone(self) -> str | None:
        return keys.decrypt(self.phone_enc)

    @phone.setter
    def phone(self, value: str | None) -> None:
        self.phone_enc = keys.encrypt((value or "").strip() or None)

    @property
    def claimed_address(self) -> str | None:
        return keys.decrypt(self.claimed_address_enc)

    @claimed_address.setter
    def claimed_address(self, value: str | None) -> None:
        self.claimed_address_enc = keys.encrypt((value or "").strip() or None)

    @property
    def masked_phone(self) -> str:
        return masks.mask(self.phone)

    @property
    def masked_address(self) -> str:
        return masks.mask_address(self.claimed_address)

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"


class Device(db.Model):
    """One signed-in device of one user; the token is stored only as a hash."""

    __tablename__ = "devices"
    __table_args__ = (UniqueConstraint("user_id", "device_id", name="uq_devices_user_device"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    device_id: Mapped[str] = mapped_column(String(36))
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at = mapped_column(db.DateTime, default=utcnow, nullable=False)
    last_seen_at = mapped_column(db.DateTime, default=utcnow, nullable=False)
    last_address: Mapped[str | None] = mapped_column(String(64))
    expires_at = mapped_column(db.DateTime, nullable=False)
    revoked_at = mapped_column(db.DateTime)
    revoked_by_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    # Marked lost by staff: the token may still push (unsent work lands) but every
    # other call tells the app to erase its data; wiped_at is when it confirmed.
    lost_at = mapped_column(db.DateTime)
    lost_by_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    wiped_at = mapped_column(db.DateTime)

    user = relationship(User, foreign_keys=[user_id])

    @property
    def wipe_pending(self) -> bool:
        return self.lost_at is not None and self.wiped_at is None

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class SignInAttempt(db.Model):
    """Failed sign-ins, kept in the database so every gunicorn worker and host
    sees the same counts."""

    __tablename__ = "sign_in_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(50), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    at = mapped_column(db.DateTime, default=utcnow, nullable=False, index=True)


class RegistrationAttempt(db.Model):
    """Every posted self-registration, per address and per invitation code (a
    hash of what was typed, never the code itself), so guessing codes or
    flooding one code is throttled like sign-in."""

    __tablename__ = "registration_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), index=True)
    at = mapped_column(db.DateTime, default=utcnow, nullable=False, index=True)
