"""Tests mirror the source tree file for file (docs/ARCHITECTURE.md, "Tests"):
a module `X/m.py` of backend/, sync/ or frontend/ has its tests in
`tests/X/test_m.py`, or, grouped by behaviour, in a folder `tests/X/m/` of
`test_*.py` files; a package's own `__init__.py` that holds more than its
area's declaration has `tests/X/test_init.py`. A module with no test of its
own fails here, so a new module comes with its tests."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("backend", "sync", "frontend")

# Declarations with no behaviour of their own, each tested through what reads it.
EXEMPT = {
    "backend/extensions.py",  # the unbound Flask extensions
    "backend/schema.py",  # the strict base schema: every input schema's tests exercise it
    "sync/wire.py",  # OpenAPI fragments: tests/backend/test_openapi.py validates the document
}
EXEMPT_TREES = ("backend/migrations/",)  # schema history: tests/backend/test_migrations.py


def declares_only(path: Path) -> bool:
    """An `__init__.py` holding nothing but a docstring, imports and `AREA = Area(...)`
    (tests/backend/test_areas.py checks every declaration)."""
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # the docstring
        if isinstance(node, ast.Import | ast.ImportFrom):
            continue
        if isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == ["AREA"]:
            continue
        return False
    return True


def mirror_of(relative: str) -> list[Path]:
    """Where the tests of a source module may be."""
    path = Path(relative)
    folder = ROOT / "tests" / path.parent
    name = "init" if path.name == "__init__.py" else path.stem
    return [folder / f"test_{name}.py", folder / name]


def has_tests(relative: str) -> bool:
    file, folder = mirror_of(relative)
    return file.is_file() or (folder.is_dir() and any(folder.glob("test_*.py")))


def needs_mirror(relative: str) -> bool:
    if relative in EXEMPT or relative.startswith(EXEMPT_TREES):
        return False
    return not (relative.endswith("__init__.py") and declares_only(ROOT / relative))


def source_modules() -> list[str]:
    return sorted(str(p.relative_to(ROOT)) for top in SOURCES for p in (ROOT / top).rglob("*.py"))


def test_every_source_module_has_its_mirror():
    missing = [m for m in source_modules() if needs_mirror(m) and not has_tests(m)]
    assert not missing, "modules without tests/<path>/test_<module>.py or tests/<path>/<module>/:\n" + "\n".join(
        f"  {m} -> {mirror_of(m)[0].relative_to(ROOT)}" for m in missing)


def test_the_check_finds_a_missing_mirror_and_accepts_both_shapes(tmp_path):
    globals()["ROOT"], saved = tmp_path, ROOT  # a small tree of its own
    try:
        (tmp_path / "backend/area").mkdir(parents=True)
        (tmp_path / "backend/area/__init__.py").write_text('"""An area."""\nfrom x import Area\nAREA = Area()\n')
        (tmp_path / "backend/area/services.py").write_text("def rule(): return 1\n")
        (tmp_path / "backend/area/api.py").write_text("def view(): return 1\n")
        assert not needs_mirror("backend/area/__init__.py")
        assert needs_mirror("backend/area/services.py") and not has_tests("backend/area/services.py")
        (tmp_path / "tests/backend/area/services").mkdir(parents=True)
        assert not has_tests("backend/area/services.py")  # an empty folder is not tests
        (tmp_path / "tests/backend/area/services/test_raising.py").write_text("")
        (tmp_path / "tests/backend/area/test_api.py").write_text("")
        assert has_tests("backend/area/services.py") and has_tests("backend/area/api.py")
        (tmp_path / "backend/area/__init__.py").write_text("def create_app(): return 1\n")
        assert needs_mirror("backend/area/__init__.py") and not has_tests("backend/area/__init__.py")
    finally:
        globals()["ROOT"] = saved


def test_there_are_modules_to_check():
    modules = source_modules()
    assert "backend/requests/services.py" in modules and "sync/pull.py" in modules
    assert "backend/migrations/env.py" not in [m for m in modules if needs_mirror(m)]
