"""The dispatch catalogue (派单目录): a community's department for each category, checked
when saved, and offered for a request only while a dispatch to it would be accepted."""

import pytest
from sqlalchemy import select

from backend.errors import Invalid, Refused
from backend.extensions import db
from backend.requests import services
from backend.requests.models import CatalogueEntry
from tests.backend.requests.conftest import NOW, in_state
from tests.factories import DepartmentFactory


@pytest.fixture
def units(world):
    units = {"street": DepartmentFactory(node=world.S1, name="城管执法中队"),
             "community": DepartmentFactory(node=world.C1, name="物业服务站"),
             "other": DepartmentFactory(node=world.S2, name="西街道维修所"),
             "retired": DepartmentFactory(node=world.S1, name="已撤销的所", active=False)}
    db.session.commit()
    return units


def test_the_catalogue_keeps_a_serving_department_per_category(world, units):
    assert [d.name for d in services.departments_serving(db.session, world.C1)] == ["物业服务站", "城管执法中队"]
    routed = services.save_dispatch_catalogue(db.session, world.staff1, world.C1, {
        "department_environment": units["street"].id, "department_facilities": units["community"].id,
        "department_safety": ""})
    db.session.commit()
    assert routed == 2
    catalogue = {c.code: (e.department_id if e else None) for c, e in services.dispatch_catalogue_of(db.session,
                                                                                                     world.C1)}
    assert catalogue["environment"] == units["street"].id and catalogue["facilities"] == units["community"].id
    assert catalogue["safety"] is None
    # Saved again without facilities: its line goes.
    services.save_dispatch_catalogue(db.session, world.staff1, world.C1,
                                     {"department_environment": units["street"].id})
    db.session.commit()
    assert db.session.scalars(select(CatalogueEntry.category_code)).all() == ["environment"]


@pytest.mark.parametrize("which", ["other", "retired", "nonexistent"])
def test_a_department_not_serving_the_community_is_refused_and_nothing_changes(world, units, which):
    department_id = units[which].id if which in units else "no-such-department"
    with pytest.raises(Invalid) as refused:
        services.save_dispatch_catalogue(db.session, world.staff1, world.C1, {
            "department_environment": units["street"].id, "department_safety": department_id})
    assert list(refused.value.errors) == ["department_safety"]
    db.session.rollback()
    assert db.session.scalar(select(db.func.count()).select_from(CatalogueEntry)) == 0


def test_only_the_communitys_keepers_set_it(world, units):
    for user in (world.staff2, world.worker1, world.station1, world.resident1):
        with pytest.raises(Refused):
            services.save_dispatch_catalogue(db.session, user, world.C1, {})
    assert services.save_dispatch_catalogue(db.session, world.street1, world.C1, {}) == 0


def test_a_request_is_offered_its_catalogue_department_while_it_would_be_accepted(world, units):
    services.save_dispatch_catalogue(db.session, world.staff1, world.C1, {
        "department_environment": units["community"].id, "department_safety": units["street"].id})
    db.session.commit()
    request = in_state(world, "accepted", category="environment")
    assert services.catalogue_department(db.session, request) == units["community"]
    services.transition(db.session, world.staff1, request, "dispatch",
                        {"department_id": units["community"].id}, now=NOW)
    db.session.commit()
    assert request.department_id == units["community"].id
    # Escalated to the street, the community's own department no longer serves it; a street's would.
    assert services.catalogue_department(db.session, in_state(world, "escalated", level="street",
                                                              category="environment")) is None
    assert services.catalogue_department(db.session, in_state(world, "escalated", level="street",
                                                              category="safety")) == units["street"]
    assert services.catalogue_department(db.session, in_state(world, "accepted", category="other")) is None
    units["community"].active = False
    db.session.commit()
    assert services.catalogue_department(db.session, in_state(world, "accepted", category="environment")) is None
