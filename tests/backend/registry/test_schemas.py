"""The registry's input schemas refuse unknown fields and name what is wrong;
their defaults are what the services expect; the output schemas dump what the
API publishes."""

import uuid
from datetime import date, datetime

import pytest
from marshmallow import ValidationError

from backend.registry.schemas import (
    care_tags_out,
    household_create,
    household_move,
    household_out,
    household_update,
    resident_move,
    resident_out,
    resident_write,
    retire_in,
    reveal_in,
)


def errors_of(schema, data, **kwargs) -> dict:
    with pytest.raises(ValidationError) as raised:
        schema.load(data, **kwargs)
    return raised.value.messages


def test_a_new_household_needs_its_grid_address_and_head():
    assert set(errors_of(household_create, {})) == {"grid_id", "address", "head_name"}


def test_a_new_households_defaults():
    loaded = household_create.load({"grid_id": "g", "address": "幸福小区1号", "head_name": "张伟"})
    assert loaded == {"id": None, "grid_id": "g", "building_id": None, "address": "幸福小区1号",
                      "head_name": "张伟", "phone": None, "notes": None, "care_tags": []}


def test_a_client_id_must_be_a_uuid():
    made = uuid.uuid4()
    body = {"grid_id": "g", "address": "a", "head_name": "h"}
    assert household_create.load(body | {"id": str(made)})["id"] == made
    assert set(errors_of(household_create, body | {"id": "H1"})) == {"id"}
    assert set(errors_of(resident_write, {"name": "甲", "id": "7"})) == {"id"}


@pytest.mark.parametrize(("field", "value"), [
    ("address", ""), ("address", "x" * 201), ("head_name", "x" * 51), ("phone", "1" * 21),
    ("notes", "x" * 2001), ("care_tags", ["x" * 33]), ("care_tags", "dibao"), ("building_id", "x" * 37),
])
def test_household_limits_name_the_field(field, value):
    body = {"grid_id": "g", "address": "a", "head_name": "h"} | {field: value}
    assert set(errors_of(household_create, body)) == {field}


@pytest.mark.parametrize("schema", [household_create, household_update, household_move, resident_write,
                                    resident_move, retire_in, reveal_in])
def test_unknown_fields_are_named(schema):
    assert errors_of(schema, {"member_count": 9}, partial=True) == {"member_count": ["Unknown field."]}


def test_an_update_sends_only_what_changes():
    assert household_update.load({}) == {}
    assert household_update.load({"phone": None, "notes": None}) == {"phone": None, "notes": None}
    assert set(errors_of(household_update, {"address": ""})) == {"address"}
    assert set(errors_of(household_update, {"grid_id": "g"})) == {"grid_id"}  # a move, not an edit


def test_a_move_names_a_grid_and_maybe_a_building():
    assert household_move.load({"grid_id": "g"}) == {"grid_id": "g", "building_id": None}
    assert set(errors_of(household_move, {"building_id": "b"})) == {"grid_id"}
    assert set(errors_of(resident_move, {})) == {"household_id"}


def test_a_resident():
    assert set(errors_of(resident_write, {})) == {"name"}
    loaded = resident_write.load({"name": "张伟", "gender": "M", "birth_date": "1940-01-01"})
    assert loaded == {"id": None, "name": "张伟", "gender": "M", "birth_date": date(1940, 1, 1)}
    assert set(errors_of(resident_write, {"name": "甲", "gender": "X"})) == {"gender"}
    assert set(errors_of(resident_write, {"name": "甲", "birth_date": "1.1.1940"})) == {"birth_date"}
    assert set(errors_of(resident_write, {"name": "甲", "id_number": "1" * 19})) == {"id_number"}
    assert resident_write.load({"gender": None}, partial=True) == {"gender": None}  # an edit: no defaults added


def test_retiring_says_why_and_reveal_names_a_sensitive_field():
    assert set(errors_of(retire_in, {"reason": ""})) == {"reason"}
    assert retire_in.load({"reason": "搬走"}) == {"reason": "搬走"}
    assert reveal_in.load({"field": "phone"}) == {"field": "phone"}
    assert set(errors_of(reveal_in, {"field": "notes"})) == {"field"}


def test_the_output_schemas_dump_what_is_published():
    moment = datetime(2026, 11, 27, 2, 0)
    household = household_out.dump({"id": "h", "grid_id": "g", "building_id": None, "community_id": "c",
                                    "address": "a", "head_name": "h", "member_count": 2, "care_tags": ["dibao"],
                                    "phone_masked": "138****0001", "notes": None, "retired": False,
                                    "retire_reason": None, "updated_at": moment, "phone_enc": "secret"})
    assert "phone_enc" not in household and household["updated_at"] == "2026-11-27T02:00:00"
    resident = resident_out.dump({"id": "r", "birth_date": date(1940, 1, 1), "id_number_enc": "secret",
                                  "id_number_masked": "1****************X"})
    assert resident == {"id": "r", "birth_date": "1940-01-01", "id_number_masked": "1****************X"}


def test_care_tags_dump_as_a_list(ctx):
    from backend.registry.models import CareTag

    tags = [CareTag(code="a_tag", name_zh_hans="甲", name_zh_hant="甲", name_en="A", sensitive=True, builtin=False)]
    assert care_tags_out.dump(tags) == [{"code": "a_tag", "name_zh_hans": "甲", "name_zh_hant": "甲", "name_en": "A",
                                         "sensitive": True, "builtin": False}]
