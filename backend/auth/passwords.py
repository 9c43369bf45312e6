"""Password hashing with Argon2id (argon2-cffi's RFC 9106 low-memory profile).

The profile is a setting (`LINLI_PASSWORD_PROFILE`): production keeps the RFC
9106 profile; the test suite, which signs in thousands of times, uses
argon2-cffi's cheapest parameters, so a test costs milliseconds, not a third
of a second per sign-in. A hash made under another profile still verifies and
is rehashed at the next sign-in (`needs_rehash`)."""

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

PROFILES = {"rfc9106-low-memory": profiles.RFC_9106_LOW_MEMORY, "cheapest": profiles.CHEAPEST}
DEFAULT_PROFILE = "rfc9106-low-memory"

_hasher = PasswordHasher.from_parameters(PROFILES[DEFAULT_PROFILE])
# Verified against when the account does not exist, so timing does not tell (made per profile).
_dummy: str | None = None

MIN_LENGTH = 8


def use_profile(name: str) -> None:
    """Hash with the named profile from now on (create_app calls it from the config)."""
    global _hasher, _dummy
    if name not in PROFILES:
        raise ValueError(f"unknown password profile {name!r} (known: {', '.join(PROFILES)})")
    if _hasher.time_cost != PROFILES[name].time_cost or _hasher.memory_cost != PROFILES[name].memory_cost \
            or _hasher.parallelism != PROFILES[name].parallelism:
        _hasher, _dummy = PasswordHasher.from_parameters(PROFILES[name]), None


def _dummy_hash() -> str:
    global _dummy
    if _dummy is None:
        _dummy = _hasher.hash("linli-timing-equaliser")
    return _dummy


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """Whether `password` matches the stored hash. No hash (None or empty) never
    matches, but costs the same time; a malformed hash is a failed check."""
    try:
        matched = _hasher.verify(stored or _dummy_hash(), password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
    return matched and bool(stored)


def needs_rehash(stored: str) -> bool:
    return _hasher.check_needs_rehash(stored)
