"""Benchmark set-up inside the Linli app (run by bench/sync_bench.py as a
subprocess, with DATABASE_URL and SECRET_KEY in the environment).

    .venv/bin/python bench/linli_admin.py storm-users --count 200 [--prefix storm] [--skip worker1,worker2]

creates `count` grid-worker accounts, one grid each (round-robin over the
city's grids, leaving out the grids of the accounts named in --skip), all
with the demo password, signs each in on a device of its own (a device token,
as POST /api/v1/auth/token issues it, without paying for 200 Argon2 checks)
and prints the devices as JSON: [{"username", "device_id", "token"}]."""

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def storm_users(count: int, prefix: str, skip: list[str]) -> list[dict]:
    import uuid

    from sqlalchemy import insert, select

    from backend.auth.models import User, user_scopes
    from backend.auth.passwords import hash_password
    from backend.auth.services import issue_device_token
    from backend.common import new_id, utcnow
    from backend.extensions import db
    from backend.org.models import Node
    from backend.seed.demo import PASSWORD

    taken = set(db.session.scalars(
        select(user_scopes.c.node_id).join(User, User.id == user_scopes.c.user_id).where(User.username.in_(skip))))
    grids = [g for g in db.session.scalars(select(Node.id).where(Node.kind == "grid", Node.retired_at.is_(None))
                                           .order_by(Node.path)) if g not in taken]
    if not grids:
        raise SystemExit("no grids to assign")
    password_hash = hash_password(PASSWORD)  # once, shared, as the demo seed does
    now = utcnow()
    users, scopes, names = [], [], []
    for i in range(count):
        username = f"{prefix}{i + 1:03d}"
        user_id = new_id()
        users.append({"id": user_id, "username": username, "display_name": f"网格员{i + 1}",
                      "password_hash": password_hash, "role": "grid_worker", "status": "active", "is_active": True,
                      "household_id": None, "community_id": None, "claimed_address": None, "phone": None,
                      "locale": None, "session_epoch": 0, "created_at": now, "last_sign_in_at": None})
        scopes.append({"user_id": user_id, "node_id": grids[i % len(grids)]})
        names.append(username)
    db.session.execute(insert(User.__table__), users)
    db.session.execute(insert(user_scopes), scopes)
    db.session.commit()
    devices = []
    for user in db.session.scalars(select(User).where(User.username.in_(names)).order_by(User.username)):
        device_id = str(uuid.uuid4())
        token, _device = issue_device_token(user, device_id, "bench", "127.0.0.1")
        devices.append({"username": user.username, "device_id": device_id, "token": token})
    db.session.commit()
    return devices


def main() -> None:
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command", required=True)
    storm = commands.add_parser("storm-users")
    storm.add_argument("--count", type=int, required=True)
    storm.add_argument("--prefix", default="storm")
    storm.add_argument("--skip", default="worker1,worker2,worker3")
    args = parser.parse_args()

    from backend import create_app

    app = create_app()
    with app.app_context():
        if args.command == "storm-users":
            devices = storm_users(args.count, args.prefix, [s for s in args.skip.split(",") if s])
            print(json.dumps({"devices": devices}))


if __name__ == "__main__":
    main()
