"""Configuration. SQLite next to the app by default; DATABASE_URL for PostgreSQL."""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        return f"sqlite:///{ROOT / 'instance' / 'linli.sqlite3'}"
    # psycopg 3 is the driver; accept the plain postgres:// spellings too.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _proxies(name: str) -> int:
    """How many reverse proxies of one's own stand before Linli: 0 (none), a count,
    or a yes-word meaning one."""
    value = (os.environ.get(name) or "0").strip().lower()
    if value in {"true", "yes", "on"}:
        return 1
    if value in {"false", "no", "off", ""}:
        return 0
    if not value.isdigit():
        raise ValueError(f"{name} must be the number of trusted reverse proxies (0, 1, 2…), not {value!r}")
    return int(value)


def _retention_days() -> dict[str, int]:
    """{kind: days} from LINLI_RETAIN_<KIND>_DAYS (e.g. LINLI_RETAIN_VISIT_PHOTOS_DAYS=1095)."""
    days = {}
    for name, value in os.environ.items():
        if name.startswith("LINLI_RETAIN_") and name.endswith("_DAYS") and value.strip():
            if not value.strip().isdigit():
                raise ValueError(f"{name} must be a number of days (0: keep for ever), not {value!r}")
            days[name[len("LINLI_RETAIN_"):-len("_DAYS")].lower()] = int(value)
    return days


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", "")
    # Keys sealing sensitive personal fields at rest, "k2:<secret>,k1:<older>":
    # the first seals, all are read (backend/sensitive/keys.py, docs/PRIVACY.md).
    FIELD_KEYS = os.environ.get("LINLI_FIELD_KEYS", "")
    # The blind index's own key (exact look-up of an ID number).
    INDEX_KEY = os.environ.get("LINLI_INDEX_KEY", "")
    # What sealed fields before key ids (the old LINLI_FIELD_KEY, else SECRET_KEY):
    # read only for ciphertexts without a key id, until they are rotated.
    LEGACY_FIELD_KEY = os.environ.get("LINLI_FIELD_KEY", "")
    SQLALCHEMY_DATABASE_URI = _database_url()
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    SQLALCHEMY_TRACK_MODIFICATIONS = False

    SESSION_COOKIE_NAME = "linli_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _flag("LINLI_SECURE_COOKIES", True)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    REMEMBER_COOKIE_HTTPONLY = True
    PERMANENT_SESSION_LIFETIME = 60 * 60 * 12
    PREFERRED_URL_SCHEME = "https" if SESSION_COOKIE_SECURE else "http"

    WTF_CSRF_TIME_LIMIT = None  # tied to the session instead
    WTF_CSRF_SSL_STRICT = SESSION_COOKIE_SECURE

    # Largest body any request may carry (photos); JSON API bodies get less.
    MAX_CONTENT_LENGTH = 12 * 1024 * 1024
    API_MAX_BODY = 1024 * 1024

    BABEL_DEFAULT_LOCALE = "zh_Hans"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    BABEL_TRANSLATION_DIRECTORIES = str(ROOT / "backend" / "translations")
    LANGUAGES = ("zh_Hans", "zh_Hant", "en")

    # Device tokens slide: each use pushes expiry this far ahead.
    DEVICE_TOKEN_DAYS = 90
    # Sign-in throttling: failures allowed within the window before 429.
    SIGNIN_WINDOW_SECONDS = 15 * 60
    SIGNIN_MAX_FAILURES_PER_ACCOUNT = 5
    SIGNIN_MAX_FAILURES_PER_ADDRESS = 20
    # Self-registration: posts allowed within the window, per address and per
    # invitation code (what was typed, right or wrong), before 429.
    REGISTER_WINDOW_SECONDS = 60 * 60
    REGISTER_MAX_PER_ADDRESS = 10
    REGISTER_MAX_PER_CODE = 30
    # A password set by staff (a reset, a new account) works this long, and only
    # to choose one's own at the next sign-in.
    TEMPORARY_PASSWORD_HOURS = 72

    PAGE_SIZE = 25
    # Open311: requests one api_key may file an hour; texts for discovery.json.
    OPEN311_POSTS_PER_HOUR = int(os.environ.get("LINLI_OPEN311_POSTS_PER_HOUR", "60"))
    OPEN311_CONTACT = os.environ.get("LINLI_OPEN311_CONTACT", "")
    OPEN311_KEY_SERVICE = os.environ.get("LINLI_OPEN311_KEY_SERVICE", "")
    # The client address is the one the last of these proxies saw: the
    # X-Forwarded-For entry it appended, never what the client wrote there.
    TRUST_PROXY = _proxies("LINLI_TRUST_PROXY")
    # An account that reveals (or exports) this many records in one local day raises an
    # alert for its managers on the audit page (0: no alert). See docs/PRIVACY.md.
    REVEAL_ALERT_PER_DAY = int(os.environ.get("LINLI_REVEAL_ALERT_PER_DAY", "20"))
    # Argon2id parameters of passwords (backend/auth/passwords.py): keep the default in production.
    PASSWORD_PROFILE = os.environ.get("LINLI_PASSWORD_PROFILE", "rfc9106-low-memory")
    # apply-retention: days each kind of record is kept, LINLI_RETAIN_<KIND>_DAYS overriding
    # the defaults of sync/retention.py (e.g. LINLI_RETAIN_VISIT_PHOTOS_DAYS=1095).
    RETENTION_DAYS = _retention_days()
