"""Ids and time (backend/common.py)."""

import uuid
from datetime import datetime

import pytest

from backend import clock
from backend.common import is_uuid, new_id, utcnow


def test_new_ids_are_distinct_canonical_version_4_uuids():
    made = {new_id() for _ in range(1000)}
    assert len(made) == 1000
    for value in list(made)[:50]:
        assert str(uuid.UUID(value)) == value and uuid.UUID(value).version == 4


@pytest.mark.parametrize("value", [
    "0b7e2bd0-6a4b-4a0f-9d8e-1f2a3b4c5d6e", "0B7E2BD0-6A4B-4A0F-9D8E-1F2A3B4C5D6E",
    "0b7e2bd06a4b4a0f9d8e1f2a3b4c5d6e", "{0b7e2bd0-6a4b-4a0f-9d8e-1f2a3b4c5d6e}",
    uuid.UUID("0b7e2bd0-6a4b-4a0f-9d8e-1f2a3b4c5d6e")])
def test_what_is_a_uuid(value):
    assert is_uuid(value)


@pytest.mark.parametrize("value", [
    "", "nope", "0b7e2bd0-6a4b-4a0f-9d8e-1f2a3b4c5d6", "0b7e2bd0-6a4b-4a0f-9d8e-1f2a3b4c5d6ez",
    "0b7e2bd0-6a4b-4a0f-9d8e-1f2a3b4c5d6e\n", "a\x00b", None, 5, 3.5, ["0b7e2bd0-6a4b-4a0f-9d8e-1f2a3b4c5d6e"]])
def test_what_is_not_a_uuid(value):
    assert not is_uuid(value)


def test_utcnow_reads_the_one_clock_as_naive_utc():
    clock.run_from(datetime(2035, 3, 4, 5, 6, 7))
    moment = utcnow()
    assert moment.tzinfo is None
    assert datetime(2035, 3, 4, 5, 6, 7) <= moment < datetime(2035, 3, 4, 5, 6, 12)
