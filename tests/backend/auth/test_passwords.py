"""Password hashing (backend/auth/passwords.py): Argon2id, salted, verified
only by the right password; a missing, empty or malformed stored hash is a
failed check (False), never an exception, and never a match, not even for the
password of the timing dummy; the rehash check follows the hasher's parameters."""

import pytest
from argon2 import PasswordHasher

from backend.auth import passwords
from backend.auth.passwords import hash_password, needs_rehash, verify_password

DUMMY_PASSWORD = "linli-timing-equaliser"  # what an unknown account is verified against


def test_a_hash_is_argon2id_salted_and_holds_no_password():
    first, second = hash_password("long-enough-1"), hash_password("long-enough-1")
    assert first.startswith("$argon2id$") and second.startswith("$argon2id$")
    assert first != second  # a salt of its own each time
    assert "long-enough-1" not in first


def test_only_the_right_password_verifies():
    stored = hash_password("long-enough-1")
    assert verify_password(stored, "long-enough-1")
    assert not verify_password(stored, "long-enough-2")
    assert not verify_password(stored, "")
    assert not verify_password(stored, "LONG-ENOUGH-1")


@pytest.mark.parametrize("stored", [
    None,
    "",
    "garbage",
    "$argon2id$",
    "$argon2id$v=19$m=65536,t=3,p=4$!!!$!!!",
    "$2b$12$abcdefghijklmnopqrstuuJxk8Qm0m7jQeZ3m0p1qQm1N5f5xJ5y",  # bcrypt, not ours
])
@pytest.mark.parametrize("password", ["long-enough-1", "", DUMMY_PASSWORD])
def test_a_missing_empty_or_malformed_hash_is_a_failed_check(stored, password):
    assert verify_password(stored, password) is False


def test_a_truncated_hash_is_a_failed_check():
    stored = hash_password("long-enough-1")
    assert verify_password(stored[:-4], "long-enough-1") is False


def test_a_fresh_hash_needs_no_rehash_and_a_weaker_one_does():
    assert not needs_rehash(hash_password("long-enough-1"))
    weaker = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash("long-enough-1")
    assert needs_rehash(weaker)
    assert verify_password(weaker, "long-enough-1")  # still verifies until it is rehashed


def test_production_hashes_with_rfc_9106_and_a_profile_change_rehashes_at_the_next_check():
    from backend.config import Config

    assert passwords.DEFAULT_PROFILE == "rfc9106-low-memory"
    assert PasswordHasher.from_parameters(passwords.PROFILES[passwords.DEFAULT_PROFILE]).memory_cost == 65536
    cheap = hash_password("long-enough-1")  # the suite runs with LINLI_PASSWORD_PROFILE=cheapest
    assert Config.PASSWORD_PROFILE == "cheapest" and "$m=8,t=1,p=1$" in cheap
    try:
        passwords.use_profile("rfc9106-low-memory")
        strong = hash_password("long-enough-1")
        assert "$m=65536,t=3,p=4$" in strong and not needs_rehash(strong)
        assert needs_rehash(cheap) and verify_password(cheap, "long-enough-1")
    finally:
        passwords.use_profile("cheapest")
    with pytest.raises(ValueError, match="unknown password profile"):
        passwords.use_profile("fast")
