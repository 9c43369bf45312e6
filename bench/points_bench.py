"""The points bank's figures on the demo city with a year of activity, SQLite and PostgreSQL side by side.

    .venv/bin/python bench/points_bench.py            # 40 residents per staffed community, 52 weeks
    .venv/bin/python bench/points_bench.py --quick    # 8 residents, 13 weeks

For each database (a fresh SQLite file under bench/.work, a throwaway PostgreSQL database):
migrations and `seed-demo` (in a subprocess, as an operator runs them), then, in this process:
residents' accounts added to every community with staff, and a year of their activity written
through the services, one transaction each, as the pages, the API and the push write it: each week
some volunteer hours recorded by staff, some confirmed help exchanges (capped per day), a
redemption now and then (reserve, then fulfil or cancel) and a donation. It prints the postings
per second of that year and the time `points verify` takes over the whole ledger (and checks it
finds nothing). It never asserts on time; it exits 1 if verify finds a problem."""

import argparse
import os
import random
import secrets
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent
WORK = ROOT / "bench" / ".work"
PG_ADMIN = os.environ.get("LINLI_BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")


def prepare(url: str) -> None:
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": secrets.token_urlsafe(16)}
    for args in (["db", "upgrade"], ["seed-demo", "--reset"]):
        subprocess.run([str(BIN / "flask"), "--app", "wsgi", *args], cwd=ROOT, env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def a_year(url: str, residents: int, weeks: int, seed: int = 13) -> dict:
    from sqlalchemy import func, insert, select

    from backend import create_app
    from backend.auth.models import User, user_scopes
    from backend.common import new_id, utcnow
    from backend.extensions import db
    from backend.org.models import Node
    from backend.points import verify
    from backend.points.models import PointsEntry, Reward
    from backend.registry.models import Household

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    rng = random.Random(seed)
    with app.app_context():
        session = db.session
        staffed = []
        for community in session.scalars(select(Node).where(Node.kind == "community").order_by(Node.name)):
            staff = session.scalar(select(User).join(user_scopes, user_scopes.c.user_id == User.id).where(
                user_scopes.c.node_id == community.id, User.role == "community_staff"))
            homes = session.scalars(select(Household.id).where(Household.community_id == community.id)
                                    .limit(residents)).all()
            if staff is None or not homes:
                continue
            people = [{"id": new_id(), "username": f"bench_{secrets.token_hex(5)}", "display_name": f"居民{i}",
                       "password_hash": "-", "role": "resident", "status": "active", "is_active": True,
                       "household_id": home, "community_id": community.id, "session_epoch": 0,
                       "created_at": utcnow()} for i, home in enumerate(homes)]
            session.execute(insert(User.__table__), people)
            staffed.append((community.id, staff.id, [p["id"] for p in people]))
        session.commit()
        before = session.scalar(select(func.count()).select_from(PointsEntry))
        start = utcnow() - timedelta(weeks=weeks)
        stats = {"operations": 0, "refused": 0, "elapsed": 0.0}
        for week in range(weeks):
            for community_id, staff_id, people in staffed:
                staff = session.get(User, staff_id)
                catalogue = session.scalars(select(Reward.id).where(Reward.community_id == community_id,
                                                                    Reward.stock_available > 0)).all()
                for person_id in people:
                    moment = start + timedelta(weeks=week, days=rng.randint(0, 6), hours=rng.randint(1, 10))
                    _a_week(session, rng, stats, staff, community_id, session.get(User, person_id), catalogue, moment)
        postings = session.scalar(select(func.count()).select_from(PointsEntry)) - before
        began = time.perf_counter()
        problems = verify.problems(session)
        verify_s = time.perf_counter() - began
        total = session.scalar(select(func.count()).select_from(PointsEntry))
        session.commit()
        db.engine.dispose()
    elapsed = stats["elapsed"]
    return {"residents": sum(len(p) for _c, _s, p in staffed), "operations": stats["operations"],
            "refused": stats["refused"], "postings": postings, "postings_per_s": postings / elapsed if elapsed else 0.0,
            "entries": total, "verify_s": verify_s, "problems": problems}


def _timed(session, stats, step, *args, **kwargs) -> None:
    """One operation, one transaction, timed; a refusal (not enough points, no stock) is counted, as in use."""
    from backend.errors import DomainError

    began = time.perf_counter()
    try:
        step(session, *args, **kwargs)
        session.commit()
        stats["operations"] += 1
    except DomainError:
        session.rollback()
        stats["refused"] += 1
    stats["elapsed"] += time.perf_counter() - began


def _redeem(session, person, reward_id, staff, fulfil, now):
    from backend.points import rewards

    made = rewards.reserve(session, person, reward_id, now=now)
    (rewards.fulfil if fulfil else rewards.cancel)(session, staff, made, now=now)


def _a_week(session, rng, stats, staff, community_id, person, catalogue, moment) -> None:
    """A resident's week: maybe volunteer hours, maybe a help exchange, now and then a redemption or a donation."""
    from backend.common import new_id
    from backend.points import donations, earning

    if rng.random() < 0.5:
        _timed(session, stats, earning.record_hours, staff, user_id=person.id, hours=rng.choice((1, 1.5, 2)),
               activity="社区清洁", worked_on=moment.date(), now=moment)
    if rng.random() < 0.4:
        _timed(session, stats, lambda s, **kw: earning.award(s, **kw), community_id=community_id,
               user_id=person.id, rule="help", reference=f"bench:{new_id()}", now=moment)
    if rng.random() < 0.05 and catalogue:
        _timed(session, stats, _redeem, person, rng.choice(catalogue), staff, rng.random() < 0.7, moment)
    if rng.random() < 0.05:
        _timed(session, stats, donations.donate, person, {"to_kind": "community_pool", "amount": 5}, now=moment)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="8 residents per community, 13 weeks")
    parser.add_argument("--residents", type=int, default=None)
    parser.add_argument("--weeks", type=int, default=None)
    parser.add_argument("--no-postgres", action="store_true")
    options = parser.parse_args()
    residents = options.residents or (8 if options.quick else 40)
    weeks = options.weeks or (13 if options.quick else 52)
    WORK.mkdir(parents=True, exist_ok=True)
    path = WORK / f"points_{secrets.token_hex(4)}.sqlite3"
    runs = {}
    try:
        url = f"sqlite:///{path}"
        prepare(url)
        runs["SQLite"] = a_year(url, residents, weeks)
    finally:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    if not options.no_postgres:
        import psycopg

        name = f"linli_points_bench_{secrets.token_hex(4)}"
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        try:
            url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
            prepare(url)
            runs["PostgreSQL"] = a_year(url.replace("postgresql://", "postgresql+psycopg://"), residents, weeks)
        finally:
            with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print(f"points bank, demo city + {residents} residents per staffed community, {weeks} weeks of activity")
    print(f"{'':28}" + "".join(f"{name:>14}" for name in runs))
    rows = (("residents", "residents", "{:,}"), ("operations (one tx each)", "operations", "{:,}"),
            ("refused (short, no stock)", "refused", "{:,}"), ("postings written", "postings", "{:,}"),
            ("postings per second", "postings_per_s", "{:,.0f}"), ("entries in the ledger", "entries", "{:,}"),
            ("points verify (s)", "verify_s", "{:.3f}"))
    for label, key, fmt in rows:
        print(f"{label:28}" + "".join(f"{fmt.format(run[key]):>14}" for run in runs.values()))
    bad = {name: run["problems"] for name, run in runs.items() if run["problems"]}
    for name, found in bad.items():
        print(f"{name}: verify found {len(found)} problems, e.g. {found[:3]}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
