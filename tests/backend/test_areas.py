"""The area list and its declarations (backend/areas.py): names resolve to what
they point at, areas load in their order, and every name any declared area
gives (models, blueprints, commands, rules, sync modules, seed hooks, badges,
field-app capabilities) points at something real of the right kind."""

from importlib import import_module

import click
import pytest
from flask import Blueprint

from backend import areas
from backend.areas import AREAS, EVERYONE, MANAGERS, OFFICE, STAFF, Area, load, resolve, resolve_all

DECLARED = load(AREAS)


def test_a_name_resolves_to_its_module_or_attribute():
    assert resolve("backend.areas") is areas
    assert resolve("backend.areas:AREAS") is AREAS
    with pytest.raises(AttributeError):
        resolve("backend.areas:NO_SUCH_THING")
    with pytest.raises(ModuleNotFoundError):
        resolve("backend.no_such_module")


def test_areas_load_in_the_listed_order():
    assert [area.name for area in DECLARED] == [name.rsplit(".", 1)[-1] for name in AREAS]
    assert [area.name for area in load(("backend.seed", "backend.org"))] == ["seed", "org"]
    assert all(isinstance(area, Area) for area in DECLARED)


def test_resolve_all_gathers_a_field_of_every_area_in_order():
    two = load(("backend.org", "backend.auth"))
    blueprints = resolve_all(two, "api")
    assert [bp.name for bp in blueprints] == [resolve(name).name for area in two for name in area.api]
    assert resolve_all(load(("backend.audit",)), "api") == []


@pytest.mark.parametrize("area", DECLARED, ids=lambda area: area.name)
def test_every_declared_name_points_at_something_real(app, area):
    for name in area.api + area.pages:
        assert isinstance(resolve(name), Blueprint), name
    for name in area.cli:
        assert isinstance(resolve(name), click.Command), name
    for name in area.models + area.schemas:
        assert ":" not in name and import_module(name), name
    for name in area.extra_schemas:
        assert isinstance(resolve(name)(), dict), name
    if area.policy:
        rules = resolve(area.policy).RULES
        assert rules and all(callable(rule) for rule in rules.values())
    if area.sync:
        module = resolve(area.sync)
        assert all(hasattr(module, part) for part in ("COLLECTIONS", "APPLIERS", "RECORDS")), area.sync
    for name in [area.seed] + [entry.badge for entry in area.nav] + [
            area.field_app.capabilities if area.field_app else None]:
        if name:
            assert callable(resolve(name)), name


def test_navigation_entries_name_known_roles_and_distinct_ids():
    entries = [entry for area in DECLARED for entry in area.nav]
    assert entries
    assert all(entry.roles and entry.roles <= EVERYONE for entry in entries)
    ids = [entry.id for entry in entries if entry.id]
    assert len(ids) == len(set(ids))


def test_the_role_groups_nest():
    assert MANAGERS < OFFICE < EVERYONE and STAFF < EVERYONE
    assert not {"resident", "volunteer"} & STAFF
    assert "grid_worker" in STAFF and "grid_worker" not in OFFICE
