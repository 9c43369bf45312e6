"""One transaction convention (docs/ARCHITECTURE.md, "One transaction per
request"): services flush, never commit; the caller commits once. The callers
are the API endpoints (*/api.py), the pages (frontend/), the commands
(*/cli.py) and wsgi.py; everything else in backend/ and sync/ is scanned here,
and a `.commit()` call in it fails the test unless ALLOWED names it, with why."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCANNED = ("backend", "sync")
CALLERS = ("api.py", "cli.py")  # the layer that commits

# (file, function) -> why that function may commit on its own.
ALLOWED = {
    ("backend/auth/bearer.py", "token_required.wrapper"):
        "a token's sliding expiry is its own transaction, committed before the API view runs",
    ("sync/pull.py", "touch_device"):
        "the pull only reads; noting its time for the status endpoint is a best-effort write of its own",
    ("sync/pull.py", "_note_pull_sqlite"):
        "the same note on SQLite, on a connection of its own that never waits for the write lock",
}


def commits_in(source: str, path: str) -> list[tuple[str, str, int]]:
    """Every `<anything>.commit()` call in `source`: (path, enclosing function's dotted name, line)."""
    found = []

    def visit(node, names):
        for child in ast.iter_child_nodes(node):
            inner = names
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                inner = [*names, child.name]
            elif (isinstance(child, ast.Call) and isinstance(child.func, ast.Attribute)
                  and child.func.attr == "commit"):
                found.append((path, ".".join(names) or "<module>", child.lineno))
            visit(child, inner)

    visit(ast.parse(source, filename=path), [])
    return found


def scanned_files() -> list[Path]:
    files = []
    for top in SCANNED:
        for path in sorted((ROOT / top).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if path.name in CALLERS or "migrations" in relative.parts:
                continue
            files.append(path)
    return files


def scan() -> list[tuple[str, str, int]]:
    found = []
    for path in scanned_files():
        found += commits_in(path.read_text(encoding="utf-8"), path.relative_to(ROOT).as_posix())
    return found


def test_services_and_the_sync_engine_never_commit():
    stray = [f"{path}:{line} in {function}()" for path, function, line in scan()
             if (path, function) not in ALLOWED]
    assert not stray, ("Services flush, never commit: the caller (API, page, push, command) commits. "
                       "Commits found: " + ", ".join(stray))


def test_the_scan_finds_a_commit():
    sample = (
        "from backend.extensions import db\n"
        "\n"
        "class Things:\n"
        "    def save(self, thing):\n"
        "        db.session.add(thing)\n"
        "        db.session.commit()\n"
        "\n"
        "def purge(session):\n"
        "    def inner():\n"
        "        session.commit()\n"
        "    inner()\n"
        "    session.flush()\n"
        "\n"
        "engine.connect().commit()\n"
    )
    assert commits_in(sample, "sample.py") == [
        ("sample.py", "Things.save", 6), ("sample.py", "purge.inner", 10), ("sample.py", "<module>", 14)]


def test_the_scan_covers_the_services_and_skips_the_callers():
    names = {path.relative_to(ROOT).as_posix() for path in scanned_files()}
    assert {"backend/org/services.py", "backend/registry/services.py", "sync/push.py",
            "sync/conflicts.py"} <= names
    assert not any(name.endswith(("/api.py", "/cli.py")) for name in names)
    assert not any(name.startswith("frontend/") for name in names)


def test_every_allowed_commit_is_still_there():
    present = {(path, function) for path, function, _line in scan()}
    stale = sorted(set(ALLOWED) - present)
    assert not stale, f"ALLOWED names commits that are gone; remove them: {stale}"
    assert all(reason.strip() for reason in ALLOWED.values())


def test_an_error_answer_leaves_nothing_half_written(app):
    """A service that wrote, then refused: the error handlers roll the request's work back."""
    from werkzeug.exceptions import Forbidden

    from backend import errors
    from backend.audit import services as audit
    from backend.audit.models import AuditEntry
    from backend.extensions import db
    from backend.org.models import Node

    for path, handle in (("/api/v1/org/nodes", lambda: errors.answer(errors.Refused())),
                         ("/org/new", lambda: errors.answer(errors.Invalid({"name": ["Required."]}))),
                         ("/open311/v2/requests.json", lambda: errors.answer(errors.Gone())),
                         ("/org/new", lambda: errors._http_error(Forbidden())),
                         ("/api/v1/org/nodes", lambda: errors._unexpected(RuntimeError("boom")))):
        with app.test_request_context(path, method="POST"):
            db.session.add(Node(id="half-written", kind="district", name="半途", path="/half-written/"))
            audit.record(None, "create", "node", "half-written")
            db.session.flush()
            handle()
            db.session.commit()  # whatever commits after the answer finds nothing left to keep
            assert db.session.get(Node, "half-written") is None
            assert db.session.scalar(db.select(AuditEntry).where(AuditEntry.target_id == "half-written")) is None
