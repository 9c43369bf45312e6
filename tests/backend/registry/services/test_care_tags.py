"""Care tags through the registry's services: listed built-in first, sensitive
ones shown only to those who may see them, and added by the offices and
community staff with a checked code and names that fall back to the
simplified Chinese one. (The care-tag page: tests/frontend/registry.)"""

import pytest
from sqlalchemy import select

from backend.audit.models import AuditEntry
from backend.errors import Invalid, Refused
from backend.extensions import db
from backend.registry import services as registry
from backend.registry.models import CareTag
from tests.factories import CareTagFactory


def test_all_tags_built_in_first_then_by_code(world):
    CareTagFactory(code="aaa_custom")
    CareTagFactory(code="zzz_custom")
    codes = [tag.code for tag in registry.all_tags()]
    assert codes[-2:] == ["aaa_custom", "zzz_custom"]
    built_in = codes[:-2]
    assert built_in == sorted(built_in) and "dibao" in built_in


def test_sensitive_tags_are_hidden_from_those_who_may_not_see_them(world):
    tags = world.R1b.care_tags
    assert [t.code for t in registry.visible_tags(world.staff1, tags, world.H1)] == ["community_correction"]
    assert registry.visible_tags(world.street1, tags, world.H1) == []
    assert registry.visible_tags(world.staff2, tags, world.H1) == []  # a keeper, but not of this household
    everything = registry.all_tags()
    assert len(registry.visible_tags(world.worker1, everything)) == len(everything)
    assert not any(t.sensitive for t in registry.visible_tags(world.district, everything))


def test_a_tag_is_added_with_its_names_falling_back(world):
    tag = registry.create_tag(world.street1, code="  Veteran_2 ", name_zh_hans=" 退役军人 ", sensitive_tag=1)
    assert tag.code == "veteran_2"
    assert (tag.name_zh_hans, tag.name_zh_hant, tag.name_en) == ("退役军人", "退役军人", "退役军人")
    assert (tag.sensitive, tag.builtin) == (True, False)
    assert db.session.scalar(select(AuditEntry.actor_id).where(AuditEntry.action == "create",
                                                               AuditEntry.target_type == "care_tag",
                                                               AuditEntry.target_id == "veteran_2")) == world.street1.id
    other = registry.create_tag(world.staff1, code="pregnant", name_zh_hans="孕" * 60, name_zh_hant="孕產婦",
                                name_en="Pregnant")
    assert (len(other.name_zh_hans), other.name_zh_hant, other.name_en) == (50, "孕產婦", "Pregnant")


@pytest.mark.parametrize(("code", "name", "fields"), [
    ("v", "退役军人", {"code"}),           # too short
    ("9lives", "退役军人", {"code"}),      # starts with a digit
    ("vet-eran", "退役军人", {"code"}),
    ("v" * 33, "退役军人", {"code"}),
    ("dibao", "低保", {"code"}),           # exists
    ("veteran", "  ", {"name_zh_hans"}),
    ("", "", {"code", "name_zh_hans"}),
])
def test_a_bad_tag_is_refused_naming_the_fields(world, code, name, fields):
    with pytest.raises(Invalid) as raised:
        registry.create_tag(world.staff1, code=code, name_zh_hans=name)
    assert set(raised.value.errors) == fields
    db.session.rollback()
    assert db.session.get(CareTag, "veteran") is None


@pytest.mark.parametrize("username", ["worker1", "station1", "volunteer1", "resident1"])
def test_only_the_offices_and_staff_add_tags(world, username):
    with pytest.raises(Refused):
        registry.create_tag(world.users[username], code="veteran", name_zh_hans="退役军人")
