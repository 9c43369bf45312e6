"""The registry's tables: a care tag's label per locale, the built-in tags the
migrations bring, where a household and a resident are placed (the
building's grid before the grid named; the household's place), defaults,
the order of tags and residents, and the tag links."""

import pytest
from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError

from backend.common import new_id
from backend.extensions import db
from backend.registry.models import CareTag, Household, Resident, household_care_tags
from tests.factories import CareTagFactory, HouseholdFactory, ResidentFactory


@pytest.mark.parametrize(("locale", "label"), [
    ("zh_Hans", "孕产妇"), ("zh", "孕产妇"), ("zh_CN", "孕产妇"), ("fr", "孕产妇"),
    ("zh_Hant", "孕產婦"), ("zh_TW", "孕產婦"), ("zh_HK", "孕產婦"),
    ("en", "Pregnant"), ("en_GB", "Pregnant"),
])
def test_a_tags_label_follows_the_locale(ctx, locale, label):
    tag = CareTagFactory(code="pregnant", name_zh_hans="孕产妇", name_zh_hant="孕產婦", name_en="Pregnant")
    assert tag.label(locale) == label


def test_the_built_in_tags_come_with_the_database(ctx):
    tags = {tag.code: tag for tag in db.session.scalars(select(CareTag))}
    assert {"elderly_alone", "dibao", "left_behind_child", "community_correction"} <= set(tags)
    assert all(tag.builtin for tag in tags.values())
    assert tags["community_correction"].sensitive and not tags["elderly_alone"].sensitive


def test_a_new_tag_is_neither_sensitive_nor_built_in_unless_said(ctx):
    tag = CareTag(code="pregnant", name_zh_hans="孕产妇", name_zh_hant="孕產婦", name_en="Pregnant")
    db.session.add(tag)
    db.session.flush()
    assert (tag.sensitive, tag.builtin) == (False, False) and tag.created_at is not None


def test_a_household_with_a_building_is_placed_in_the_buildings_grid(world):
    household = Household(grid_id=world.G2.id, community_id=world.C2.id, building_id=world.B1.id,
                          address="幸福小区1号楼2单元", head_name="赵六")
    db.session.add(household)
    db.session.flush()
    assert (household.grid_id, household.community_id) == (world.G1.id, world.C1.id)


def test_a_household_without_a_building_is_placed_in_its_grids_community(world):
    household = Household(grid_id=world.G5.id, community_id=world.C1.id, address="和平里9号", head_name="赵六")
    db.session.add(household)
    db.session.flush()
    assert household.community_id == world.C2.id
    assert household.member_count == 0 and household.version > 0  # stamped by the change feed
    assert household.retired_at is None and household.created_at is not None


def test_a_resident_takes_its_households_place(world):
    resident = Resident(household_id=world.H3.id, grid_id=world.G1.id, community_id=world.C1.id, name="刘大明")
    db.session.add(resident)
    db.session.flush()
    assert (resident.grid_id, resident.community_id) == (world.G3.id, world.V1.id)


def test_tags_are_listed_by_code_and_residents_by_arrival(world, ctx):
    home = HouseholdFactory(grid=world.G2, tags=["left_behind_child", "dibao", "elderly_alone"])
    first = ResidentFactory(home=home, name="甲")
    later = ResidentFactory(home=home, name="乙", created_at=first.created_at.replace(year=2025))
    db.session.commit()
    db.session.expire_all()
    home = db.session.get(Household, home.id)
    assert [tag.code for tag in home.care_tags] == ["dibao", "elderly_alone", "left_behind_child"]
    assert [r.id for r in home.residents] == [later.id, first.id]


def test_a_household_carries_a_tag_once(world, ctx):
    with pytest.raises(IntegrityError):
        db.session.execute(insert(household_care_tags).values(household_id=world.H1.id, tag_code="elderly_alone"))
    db.session.rollback()


def test_an_unknown_tag_cannot_be_linked(world, ctx):
    with pytest.raises(IntegrityError):
        db.session.execute(insert(household_care_tags).values(household_id=world.H2.id, tag_code="no_such_tag"))
    db.session.rollback()


def test_a_deleted_households_tag_links_go_with_it(world, ctx):
    home = HouseholdFactory(id=new_id(), grid=world.G2, tags=["dibao"])
    db.session.commit()
    db.session.execute(delete(Household).where(Household.id == home.id))
    links = db.session.scalars(select(household_care_tags.c.tag_code)
                               .where(household_care_tags.c.household_id == home.id)).all()
    assert links == []
    db.session.rollback()
