"""The correction form's input: a field Linli holds, what is wrong and what it should be; nothing else."""

import pytest
from marshmallow import ValidationError

from backend.rights.schemas import FIELDS, correction_in


def test_the_fields_a_resident_may_ask_about():
    assert "household.address" in FIELDS and "resident.id_number" in FIELDS and "other" in FIELDS
    assert not any(name.endswith("notes") for name in FIELDS)  # staff notes are not shown to residents
    assert correction_in.load({"field": "other", "wrong": "a", "should_be": "b"}) == {
        "field": "other", "wrong": "a", "should_be": "b", "resident_id": None}


@pytest.mark.parametrize("data", [
    {"field": "household.notes", "wrong": "a", "should_be": "b"},
    {"field": "other", "should_be": "b"},
    {"field": "other", "wrong": "a", "should_be": "b", "extra": 1},
])
def test_anything_else_is_refused(data):
    with pytest.raises(ValidationError):
        correction_in.load(data)
