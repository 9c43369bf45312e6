"""Nothing but the placement service (backend/org/placement) writes where a synced
record lives: the ORM guard refuses it at run time, and a scan of the code
refuses bulk updates (Core or SQL) of placement columns anywhere else."""

import ast
import re
from pathlib import Path

import pytest

from backend.extensions import db
from backend.org.placement import PLACEMENT_COLUMNS, PlacementWrite, placements_of
from backend.org.placement import services as placement
from backend.registry.models import Household, Resident
from sync.collections import REGISTRY

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ("backend", "sync", "frontend")
EXEMPT = ("backend/org/placement/", "backend/migrations/")  # the service; schema history


def test_every_synced_collection_declares_its_placement(app):  # the app fills the registry from its areas
    assert len(list(REGISTRY)) >= 7
    for collection in REGISTRY:
        assert placements_of(collection.model), f"{collection.model.__name__} has no __placement__"
    assert set(placement.placed_models()) == {c.model for c in REGISTRY}


@pytest.mark.parametrize("attribute", ["grid_id", "community_id", "building_id"])
def test_a_households_place_cannot_be_written_directly(world, ctx, attribute):
    with pytest.raises(PlacementWrite):
        setattr(world.H1, attribute, world.G5.id)


def test_a_residents_household_cannot_be_changed_directly(world, ctx):
    with pytest.raises(PlacementWrite):
        world.R1.household_id = world.H5.id
    with pytest.raises(PlacementWrite):
        world.R1.household = world.H5
    world.R1.household_id = world.H1.id  # the same value: no change, no harm


def test_a_new_record_is_placed_by_its_parent(world, ctx):
    resident = Resident(household_id=world.H5.id, name="新居民")
    db.session.add(resident)
    db.session.flush()
    assert (resident.grid_id, resident.community_id) == (world.G5.id, world.C2.id)
    household = Household(grid_id=world.G2.id, building_id=world.B1.id, address="x", head_name="y")
    db.session.add(household)
    db.session.flush()
    assert (household.grid_id, household.community_id) == (world.G1.id, world.C1.id)  # the building's grid


def _python_files():
    for top in SCANNED:
        for path in sorted((ROOT / top).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if not relative.startswith(EXEMPT):
                yield relative, path


def _calls_update(node) -> bool:
    """Is there a call to update(...) (or x.update(...)) down this call chain?"""
    while isinstance(node, ast.Call | ast.Attribute):
        if isinstance(node, ast.Call):
            func = node.func
            if (isinstance(func, ast.Name) and func.id == "update") or \
                    (isinstance(func, ast.Attribute) and func.attr == "update" and _is_statement_chain(func)):
                return True
            node = func.value if isinstance(func, ast.Attribute) else None
        else:
            node = node.value
    return False


def _is_statement_chain(func: ast.Attribute) -> bool:
    # table.update() / Model.__table__.update(), not dict.update(...)
    return isinstance(func.value, ast.Attribute) and func.value.attr in ("__table__", "table")


def _placement_keys(call: ast.Call) -> set:
    keys = {kw.arg for kw in call.keywords if kw.arg in PLACEMENT_COLUMNS}
    for arg in call.args:
        if isinstance(arg, ast.Dict):
            keys |= {k.value for k in arg.keys if isinstance(k, ast.Constant) and k.value in PLACEMENT_COLUMNS}
    return keys


SQL_UPDATE = re.compile(r"UPDATE\s+(\w+)\s+SET\s[^;]*\b(" + "|".join(PLACEMENT_COLUMNS) + r")\s*=", re.I | re.S)


def _offences(relative, tree) -> list[str]:
    tables = {model.__tablename__ for model in placement.placed_models()}
    found = []
    for node in ast.walk(tree):
        where = f"{relative}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "values" \
                and _placement_keys(node) and _calls_update(node.func.value):
            found.append(f"{where} bulk update of {sorted(_placement_keys(node))}")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "setattr" \
                and len(node.args) > 1 and isinstance(node.args[1], ast.Constant) \
                and node.args[1].value in PLACEMENT_COLUMNS:
            found.append(f"{where} setattr of {node.args[1].value}")
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            match = SQL_UPDATE.search(node.value)
            if match and match.group(1).lower() in tables:
                found.append(f"{where} SQL update of {match.group(1)}.{match.group(2)}")
    return found


def test_no_code_outside_the_placement_service_bulk_writes_placement_columns():
    offences = []
    for relative, path in _python_files():
        offences += _offences(relative, ast.parse(path.read_text(), filename=relative))
    assert offences == []


def test_the_scan_finds_what_it_looks_for():
    source = '''
db.session.execute(update(Household).where(Household.id == x).values(grid_id=g))
db.session.execute(Resident.__table__.update().values({"community_id": c}))
setattr(record, "household_id", h)
db.session.execute(text("UPDATE residents SET name = 'a', grid_id = :g"))
data.update(grid_id=g)
'''
    offences = _offences("example.py", ast.parse(source))
    assert len(offences) == 4, offences
