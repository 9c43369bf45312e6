"""`install` makes the engine's registry, appliers and wire records exactly
those of the sync modules it is given, and refuses a module whose collection
lacks its applier or wire record (leaving the engine as it was)."""

import sys
import types

import pytest

from backend.areas import load
from sync import apply, schemas
from sync.areas import install
from sync.collections import REGISTRY


@pytest.fixture
def default_modules(app):
    modules = [area.sync for area in load() if area.sync]
    yield modules
    install(modules)  # the process's registry: the default areas again


def names():
    return [c.name for c in REGISTRY], sorted(apply.APPLIERS), sorted(schemas.RECORDS)


def test_the_registry_holds_exactly_the_given_modules_in_their_order(default_modules):
    everything = names()
    install(["sync.areas.patrols", "sync.areas.registry"])
    assert names() == (["patrol_reports", "households", "residents"], ["households", "patrol_reports", "residents"],
                       ["households", "patrol_reports", "residents"])
    assert REGISTRY.get("visits") is None
    install(default_modules)
    assert names() == everything


@pytest.mark.parametrize("leave_out", ["APPLIERS", "RECORDS"])
def test_a_collection_without_its_applier_or_wire_record_is_refused(default_modules, monkeypatch, leave_out):
    from sync.areas import patrols

    broken = types.ModuleType("broken_sync_area")
    broken.COLLECTIONS, broken.APPLIERS, broken.RECORDS = patrols.COLLECTIONS, patrols.APPLIERS, patrols.RECORDS
    setattr(broken, leave_out, {})
    monkeypatch.setitem(sys.modules, "broken_sync_area", broken)
    before = names()
    with pytest.raises(LookupError, match="patrol_reports"):
        install(["sync.areas.registry", "broken_sync_area"])
    assert names() == before
