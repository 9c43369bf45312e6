"""Sensitive personal fields (ID-card numbers, phone numbers): encrypted at
rest with Fernet, masked on every screen, revealed only to those who may, and
every reveal written to the audit trail."""

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app


def _key_material() -> bytes:
    return (current_app.config.get("FIELD_KEY") or current_app.config["SECRET_KEY"]).encode()


def _fernet() -> Fernet:
    digest = hashlib.sha256(b"linli-field-encryption:" + _key_material()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def encrypt(value: str | None) -> str | None:
    if not value:
        return None
    return _fernet().encrypt(value.encode()).decode()


def decrypt(token: str | None) -> str | None:
    if not token:
        return None
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        current_app.logger.error("a sensitive field could not be decrypted: wrong LINLI_FIELD_KEY?")
        return None


def blind_index(value: str | None) -> str | None:
    """A keyed hash for exact look-up of an ID number without storing it in clear."""
    if not value:
        return None
    return hmac.new(b"linli-blind-index:" + _key_material(), value.upper().encode(), hashlib.sha256).hexdigest()


def mask(value: str | None) -> str:
    if not value:
        return ""
    if len(value) <= 4:
        return "*" * len(value)
    if len(value) < 8:  # too short to show both ends and hide anything between: the last two only
        return "*" * (len(value) - 2) + value[-2:]
    keep = 3 if len(value) <= 11 else 4
    return value[:keep] + "*" * (len(value) - keep - 4) + value[-4:]
