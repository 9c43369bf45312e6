"""Password hashing with Argon2id (argon2-cffi's RFC 9106 low-memory profile)."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()
# Verified against when the account does not exist, so timing does not tell.
_DUMMY = _hasher.hash("linli-timing-equaliser")

MIN_LENGTH = 8


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """Whether `password` matches the stored hash. No hash (None or empty) never
    matches, but costs the same time; a malformed hash is a failed check."""
    try:
        matched = _hasher.verify(stored or _DUMMY, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
    return matched and bool(stored)


def needs_rehash(stored: str) -> bool:
    return _hasher.check_needs_rehash(stored)
