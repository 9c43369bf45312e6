"""The tree's API schemas (backend/org/schemas.py): what a create, an edit and
a move accept, each refusal naming its field, and a node as dumped."""

import pytest
from marshmallow import ValidationError

from backend import clock
from backend.org.schemas import node_create, node_move, node_out, node_update, nodes_out


def refused(schema, data) -> set[str]:
    with pytest.raises(ValidationError) as raised:
        schema.load(data)
    return set(raised.value.messages)


def test_a_create_needs_kind_and_name_and_fills_the_rest_with_none():
    assert node_create.load({"kind": "grid", "name": "网格"}) == {
        "kind": "grid", "name": "网格", "parent_id": None, "code": None, "community_kind": None,
        "address": None, "notes": None}
    assert refused(node_create, {}) == {"kind", "name"}


@pytest.mark.parametrize(("data", "field"), [
    ({"kind": "planet"}, "kind"), ({"name": ""}, "name"), ({"name": "x" * 101}, "name"),
    ({"code": "x" * 33}, "code"), ({"community_kind": "suburb"}, "community_kind"),
    ({"address": "x" * 201}, "address"), ({"notes": "x" * 2001}, "notes"), ({"parent_id": "x" * 37}, "parent_id"),
    ({"colour": "red"}, "colour"), ({"name": 5}, "name")])
def test_a_create_names_what_is_wrong(data, field):
    assert field in refused(node_create, {"kind": "grid", "name": "网格"} | data)


def test_a_create_takes_the_longest_allowed_values():
    data = node_create.load({"kind": "community", "name": "x" * 100, "code": "c" * 32, "community_kind": "village",
                             "address": "a" * 200, "notes": "n" * 2000, "parent_id": "p" * 36})
    assert len(data["name"]) == 100 and data["community_kind"] == "village"


def test_an_edit_is_partial_and_may_clear_optional_fields():
    assert node_update.load({}) == {}
    assert node_update.load({"code": None, "address": None}) == {"code": None, "address": None}
    assert refused(node_update, {"name": None}) == {"name"}
    assert refused(node_update, {"kind": "street"}) == {"kind"}  # the kind is not editable
    assert refused(node_update, {"parent_id": "x"}) == {"parent_id"}  # moving is its own action


def test_a_move_needs_a_parent():
    assert node_move.load({"parent_id": "abc"}) == {"parent_id": "abc"}
    for data in ({}, {"parent_id": ""}, {"parent_id": None}, {"parent_id": "abc", "name": "x"}):
        assert refused(node_move, data)


def test_a_node_is_dumped_with_retired_as_a_flag(world):
    body = node_out.dump(world.C1)
    assert body["retired"] is False and body["community_kind"] == "urban" and body["parent_id"] == world.S1.id
    assert set(body) == {"id", "kind", "parent_id", "name", "code", "community_kind", "address", "notes", "retired",
                         "created_at", "updated_at"}
    assert "invite_code" not in body and "path" not in body
    world.G2.retired_at = clock.now()
    assert [item["retired"] for item in nodes_out.dump([world.G1, world.G2])] == [False, True]
