"""The keyring of sensitive fields.

Every ciphertext names the key that sealed it: ``"<key id>:<Fernet token>"``.
The keys come from the configuration, ``LINLI_FIELD_KEYS = "k2:<secret>,k1:<older>"``
(the first is the current one, the others are still read while a rotation
runs); the blind index (an HMAC for exact look-up of an ID number) has a key
of its own, ``LINLI_INDEX_KEY``. Neither is ever derived from SECRET_KEY. When
one is unset, `init_app` keeps a generated one in instance/ (a demo or a
developer's machine; a deployment sets both, see docs/PRIVACY.md).

A ciphertext without a key id is legacy (Linli before key ids): it is read
with the old key, derived from ``LINLI_FIELD_KEY`` or else SECRET_KEY, until
the migration or `flask rotate-field-key` seals it again under the current key.

A value that cannot be read (its key id is unknown, or the key is not the one
that sealed it) raises `FieldKeyError`: never a silent empty value."""

import base64
import hashlib
import hmac
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app

KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,16}$")
LEGACY = "legacy"


class FieldKeyError(RuntimeError):
    """A sensitive field cannot be read or sealed: a key is missing or wrong."""


class KeyConfigError(FieldKeyError):
    """LINLI_FIELD_KEYS or LINLI_INDEX_KEY is malformed."""


def _fernet(purpose: bytes, secret: str) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(purpose + secret.encode()).digest()))


def parse_field_keys(text: str) -> list[tuple[str, str]]:
    """[(key id, secret)] of "k2:<secret>,k1:<older>", the current one first."""
    keys = []
    for entry in (text or "").split(","):
        entry = entry.strip()
        if not entry:
            continue
        key_id, sep, secret = entry.partition(":")
        if not sep or not KEY_ID.match(key_id) or key_id == LEGACY or len(secret.strip()) < 16:
            raise KeyConfigError(
                "LINLI_FIELD_KEYS must read 'k2:<secret>,k1:<older secret>': a key id of letters and digits, "
                "a colon, a secret of at least 16 characters")
        if key_id in dict(keys):
            raise KeyConfigError(f"LINLI_FIELD_KEYS names the key id {key_id!r} twice")
        keys.append((key_id, secret.strip()))
    return keys


@dataclass(frozen=True)
class Keyring:
    current: str
    ciphers: dict  # key id -> Fernet
    index_key: bytes
    legacy: Fernet | None

    def encrypt(self, value: str | None) -> str | None:
        if not value:
            return None
        return f"{self.current}:{self.ciphers[self.current].encrypt(value.encode()).decode()}"

    def key_id(self, token: str) -> str:
        key_id, sep, _rest = token.partition(":")
        return key_id if sep else LEGACY

    def decrypt(self, token: str | None) -> str | None:
        if not token:
            return None
        key_id, sep, body = token.partition(":")
        if not sep:
            key_id, body, cipher = LEGACY, token, self.legacy
            if cipher is None:
                raise FieldKeyError("a sensitive field has no key id and no legacy key is configured "
                                    "(LINLI_FIELD_KEY or SECRET_KEY)")
        else:
            cipher = self.ciphers.get(key_id)
            if cipher is None:
                raise FieldKeyError(f"a sensitive field is sealed with key id {key_id!r}, "
                                    "which LINLI_FIELD_KEYS does not hold")
        try:
            return cipher.decrypt(body.encode()).decode()
        except (InvalidToken, UnicodeDecodeError, ValueError):
            raise FieldKeyError(f"a sensitive field sealed with key id {key_id!r} does not open with that key: "
                                "wrong key in LINLI_FIELD_KEYS?") from None

    def reseal(self, token: str | None) -> str | None:
        """The value sealed again under the current key (as is when it already is)."""
        if not token or self.key_id(token) == self.current:
            return token
        return self.encrypt(self.decrypt(token))

    def blind_index(self, value: str | None) -> str | None:
        if not value:
            return None
        return hmac.new(self.index_key, value.strip().upper().encode(), hashlib.sha256).hexdigest()


def build(field_keys: str, index_key: str, legacy_secret: str | None) -> Keyring:
    keys = parse_field_keys(field_keys)
    if not keys:
        raise KeyConfigError("no field key: set LINLI_FIELD_KEYS (e.g. 'k1:<a long random secret>')")
    if len((index_key or "").strip()) < 16:
        raise KeyConfigError("LINLI_INDEX_KEY must be a secret of at least 16 characters")
    if index_key.strip() in {secret for _id, secret in keys}:
        raise KeyConfigError("LINLI_INDEX_KEY must differ from every field key")
    return Keyring(
        current=keys[0][0],
        ciphers={key_id: _fernet(b"linli-field-key:", secret) for key_id, secret in keys},
        index_key=b"linli-blind-index:" + index_key.strip().encode(),
        # What Linli sealed with before key ids (backend/registry/sensitive.py of 0012).
        legacy=_fernet(b"linli-field-encryption:", legacy_secret) if legacy_secret else None,
    )


def init_app(app) -> None:
    """Check the keys at start (a malformed one stops the app), generating the
    instance files of a demo or a developer's machine when none is set."""
    if not app.config.get("FIELD_KEYS"):
        app.config["FIELD_KEYS"] = "k1:" + _instance_secret(app, "field_key")
        app.logger.warning("LINLI_FIELD_KEYS is unset: using the generated key in instance/field_key "
                           "(fine for a demo; a deployment sets its own, see docs/PRIVACY.md)")
    if not app.config.get("INDEX_KEY"):
        app.config["INDEX_KEY"] = _instance_secret(app, "index_key")
    _from_config(app.config)  # raises KeyConfigError now rather than on the first sealed field


def _instance_secret(app, name: str) -> str:
    path = Path(app.instance_path) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another worker wrote it first
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(32))
    return path.read_text().strip()


def _from_config(config) -> Keyring:
    legacy = config.get("LEGACY_FIELD_KEY") or config.get("SECRET_KEY") or None
    return build(config.get("FIELD_KEYS", ""), config.get("INDEX_KEY", ""), legacy)


def keyring() -> Keyring:
    """The application's keyring, built again when its configuration changed (a test)."""
    config = current_app.config
    signature = (config.get("FIELD_KEYS"), config.get("INDEX_KEY"),
                 config.get("LEGACY_FIELD_KEY") or config.get("SECRET_KEY"))
    cached = current_app.extensions.get("linli.keyring")
    if cached is None or cached[0] != signature:
        cached = current_app.extensions["linli.keyring"] = (signature, _from_config(config))
    return cached[1]


def encrypt(value: str | None) -> str | None:
    return keyring().encrypt(value)


def decrypt(token: str | None) -> str | None:
    """The clear value, or FieldKeyError: never None for a stored value."""
    return keyring().decrypt(token)


def blind_index(value: str | None) -> str | None:
    """A keyed hash (LINLI_INDEX_KEY) for exact look-up of an ID number."""
    return keyring().blind_index(value)
