"""Households through the registry's services: created in a grid of one's
area (a building of that grid), edited with only real changes audited,
retired with a reason and restored, and found by what the office types."""

import pytest
from sqlalchemy import select

from backend.audit.models import AuditEntry
from backend.common import utcnow
from backend.errors import Invalid, Refused
from backend.extensions import db
from backend.registry import sensitive
from backend.registry import services as registry
from tests.factories import household, resident


def audits(action, target_id):
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action,
                                                            AuditEntry.target_id == target_id)
                                     .order_by(AuditEntry.id)))


def invalid_fields(call, *args, **kwargs) -> set:
    with pytest.raises(Invalid) as raised:
        call(*args, **kwargs)
    db.session.rollback()
    return set(raised.value.errors)


def new(grid, **extra) -> dict:
    return {"grid_id": grid.id, "address": " 幸福小区3号楼 ", "head_name": "赵六"} | extra


def test_a_household_is_made_in_its_grid_and_audited(world):
    made = registry.create_household(world.worker1, new(world.G1, building_id=world.B1.id, phone="138 0000 0009",
                                                         care_tags=["dibao", "dibao"]))
    assert (made.grid_id, made.building_id, made.community_id) == (world.G1.id, world.B1.id, world.C1.id)
    assert made.address == "幸福小区3号楼" and made.member_count == 0
    assert sensitive.decrypt(made.phone_enc) == "138 0000 0009"
    assert [t.code for t in made.care_tags] == ["dibao"]
    [entry] = audits("create", made.id)
    assert (entry.actor_id, entry.target_type) == (world.worker1.id, "household")


def test_a_client_chosen_id_is_kept(world):
    chosen = "6f1c5c1e-2f0a-4a7e-9d5c-0a1b2c3d4e5f"
    assert registry.create_household(world.staff1, new(world.G2, id=chosen)).id == chosen


@pytest.mark.parametrize(("change", "fields"), [
    ({"grid_id": None}, {"grid_id"}),
    ({"address": "  ", "head_name": ""}, {"address", "head_name"}),
    ({"head_name": "x" * 51}, {"head_name"}),
    ({"phone": "call me"}, {"phone"}),
    ({"care_tags": ["dibao", "no_such_tag"]}, {"care_tags"}),
])
def test_a_household_with_bad_fields_is_refused_naming_them(world, change, fields):
    assert invalid_fields(registry.create_household, world.staff1, new(world.G1, **change)) == fields


def test_a_household_goes_only_into_a_live_grid_of_ones_area(world):
    assert invalid_fields(registry.create_household, world.worker1, new(world.G2)) == {"grid_id"}
    assert invalid_fields(registry.create_household, world.staff1, new(world.C1)) == {"grid_id"}  # not a grid
    assert invalid_fields(registry.create_household, world.staff1,
                          new(world.G2, building_id=world.B1.id)) == {"building_id"}  # B1 is G1's
    world.G2.retired_at = utcnow()
    db.session.commit()
    assert invalid_fields(registry.create_household, world.admin, new(world.G2)) == {"grid_id"}


def test_an_edit_changes_and_audits_only_what_differs(world):
    registry.update_household(world.worker1, world.H1, {"address": world.H1.address, "notes": " 有电梯 "})
    assert world.H1.notes == "有电梯"
    [entry] = audits("update", world.H1.id)
    assert entry.detail == {"fields": ["notes"]}
    registry.update_household(world.worker1, world.H1, {"head_name": world.H1.head_name,
                                                        "care_tags": ["elderly_alone"]})
    assert len(audits("update", world.H1.id)) == 1  # nothing changed: nothing audited
    registry.update_household(world.worker1, world.H1, {"phone": "", "care_tags": ["dibao", "elderly_alone"]})
    assert world.H1.phone_enc is None
    assert [t.code for t in world.H1.care_tags] == ["dibao", "elderly_alone"]
    assert audits("update", world.H1.id)[-1].detail == {"fields": ["phone", "care_tags"]}


def test_an_edit_is_refused_to_readers_and_checked(world):
    with pytest.raises(Refused):
        registry.update_household(world.street1, world.H1, {"notes": "x"})
    assert invalid_fields(registry.update_household, world.staff1, world.H1,
                          {"address": "", "care_tags": ["nope"]}) == {"address", "care_tags"}
    db.session.expire_all()
    assert world.H1.address == "幸福小区1号楼1单元101"


def test_retiring_needs_a_retirer_and_a_reason_and_restoring_undoes_it(world):
    with pytest.raises(Refused):
        registry.retire_household(world.worker1, world.H1, "moved away")  # workers keep, staff retire
    assert invalid_fields(registry.retire_household, world.staff1, world.H1, "  ") == {"reason"}
    registry.retire_household(world.staff1, world.H1, "  搬走了" + "。" * 300)
    assert world.H1.retired_at is not None and world.H1.retire_reason == ("搬走了" + "。" * 300)[:200]
    assert audits("retire", world.H1.id)[0].detail == {"reason": world.H1.retire_reason}
    with pytest.raises(Refused):
        registry.restore_household(world.worker1, world.H1)
    registry.restore_household(world.staff1, world.H1)
    assert (world.H1.retired_at, world.H1.retire_reason) == (None, None)
    assert len(audits("restore", world.H1.id)) == 1


def found(actor, **criteria) -> set:
    return {h.id for h in registry.search_households(actor, **criteria).items}


def test_search_by_address_head_or_member_name_in_scope(world):
    assert found(world.admin, q="幸福小区") == {world.H1.id, world.H2.id}
    assert found(world.admin, q="刘洋") == {world.H3.id}          # the head
    assert found(world.admin, q="秀英") == {world.H1.id}          # a member
    assert found(world.staff2, q="幸福小区") == set()             # another community's
    assert found(world.resident1) == {world.H1.id}


def test_search_by_grid_and_by_a_node_above(world):
    assert found(world.admin, grid_id=world.G2.id) == {world.H2.id}
    assert found(world.admin, under=world.C1) == {world.H1.id, world.H2.id}
    assert found(world.admin, under=world.S2) == {world.H3.id}


def test_search_by_a_tag_of_the_household_or_a_live_member(world):
    assert found(world.admin, tag="elderly_alone") == {world.H1.id}
    assert found(world.admin, tag="community_correction") == {world.H1.id}  # 张秀英's
    registry.retire_resident(world.staff1, world.R1b, "moved away")
    assert found(world.admin, tag="community_correction") == set()


def test_retired_households_only_when_asked_and_ordered_by_address(world):
    later = household(world.G1, "幸福小区0号", "钱七")
    resident(later, "钱七")
    registry.retire_household(world.staff1, world.H2, "merged")
    assert found(world.staff1) == {world.H1.id, later.id}
    listed = registry.search_households(world.staff1, include_retired=True).items
    assert [h.id for h in listed] == [later.id, world.H1.id, world.H2.id]
    page = registry.search_households(world.staff1, include_retired=True, per_page=2, page=2)
    assert (page.total, [h.id for h in page.items]) == (3, [world.H2.id])
