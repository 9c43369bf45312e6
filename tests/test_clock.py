"""No code reads the wall clock except backend/clock.py, so what Linli computes
never depends on the day it runs, and tests can set the time. (The clock's own
behaviour is tests/backend/test_clock.py.)"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [*sorted((ROOT / "backend").rglob("*.py")), *sorted((ROOT / "sync").rglob("*.py")),
           *sorted((ROOT / "frontend").rglob("*.py")), ROOT / "wsgi.py"]
ALLOWED = {ROOT / "backend" / "clock.py"}
# (receiver, attribute) calls that read the wall clock.
WALL_CLOCK = {("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today"), ("date", "today"),
              ("time", "time"), ("time", "time_ns"), ("time", "localtime"), ("time", "gmtime")}


def _wall_clock_reads(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            receiver = node.func.value
            name = receiver.id if isinstance(receiver, ast.Name) else getattr(receiver, "attr", None)
            if (name, node.func.attr) in WALL_CLOCK:
                found.append(f"{path}:{node.lineno} {name}.{node.func.attr}()")
        elif isinstance(node, ast.ImportFrom) and node.module == "time" and any(
                alias.name in {"time", "time_ns", "localtime", "gmtime"} for alias in node.names):
            found.append(f"{path}:{node.lineno} from time import …")
    return found


def test_no_module_reads_the_wall_clock_but_the_clock():
    reads = [read for path in SOURCES if path not in ALLOWED for read in _wall_clock_reads(path)]
    assert reads == []


def test_the_scan_finds_each_way_of_reading_the_wall_clock(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("import datetime as dt\nfrom datetime import date, datetime\nimport time\n"
                      "a = datetime.now(UTC)\nb = date.today()\nc = dt.datetime.utcnow()\nd = time.time()\n"
                      "from time import time_ns\ne = datetime(2026, 1, 1)\nf = time.monotonic()\n")
    found = _wall_clock_reads(sample)
    assert sorted(line.split(" ", 1)[1] for line in found) == sorted([
        "datetime.now()", "date.today()", "datetime.utcnow()", "time.time()", "from time import …"])
