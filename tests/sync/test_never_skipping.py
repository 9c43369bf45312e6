"""No change is ever skipped, even when writers commit out of order and pulls
run while others write."""

import random
import threading

import pytest
from sqlalchemy import select

from backend.extensions import db
from backend.registry.models import Household, Resident
from tests.sync.conftest import Device


def _independent_session():
    return db.session.session_factory()


def _rename(session, household_id, address):
    household = session.get(Household, household_id)
    household.address = address
    session.flush()  # stamped: the space version is taken and its row locked
    return household.version


def test_late_commit_is_delivered_by_the_next_pull(world, device, ctx):
    phone = device("admin")
    phone.pull()
    late = _independent_session()
    version_a = _rename(late, world.H1.id, "A: stamped first, committed last")
    if db.engine.dialect.name == "postgresql":
        # B commits in another community while A holds its stamp.
        early = _independent_session()
        _rename(early, world.H5.id, "B: committed first")
        early.commit()
        early.close()
        phone.pull()
        assert phone.get("households", world.H5.id)["address"] == "B: committed first"
    else:
        phone.pull()  # SQLite: one writer at a time; the pull runs during A
    assert phone.get("households", world.H1.id)["address"] != "A: stamped first, committed last"
    late.commit()
    late.close()
    phone.pull()
    record = phone.get("households", world.H1.id)
    assert record["address"] == "A: stamped first, committed last"
    assert record["version"] == version_a


@pytest.mark.slow
def test_concurrent_writers_and_pullers_all_converge(world, app, client):
    """Writers edit and create households in two communities from threads
    while devices pull from threads; in the end every device equals the server."""
    grids = [world.G1.id, world.G2.id, world.G5.id]
    staff = {world.G1.id: world.staff1.id, world.G2.id: world.staff1.id, world.G5.id: world.staff2.id}
    errors = []
    stop = threading.Event()

    def writer(seed):
        rng = random.Random(seed)
        with app.app_context():
            try:
                for step in range(25):
                    _write_step(rng, f"{seed}", step, grids, staff)
            except Exception as exc:  # surfaced below
                errors.append(exc)
            finally:
                db.session.remove()

    devices = [Device(app.test_client(), name) for name in ("admin", "staff1", "staff2", "worker1")]

    def puller(phone):
        with app.app_context():
            try:
                while not stop.is_set():
                    phone.pull(limit=7)
            except Exception as exc:
                errors.append(exc)
            finally:
                db.session.remove()

    pullers = [threading.Thread(target=puller, args=(d,)) for d in devices]
    writers = [threading.Thread(target=writer, args=(seed,)) for seed in range(4)]
    for thread in pullers + writers:
        thread.start()
    for thread in writers:
        thread.join(timeout=120)
    stop.set()
    for thread in pullers:
        thread.join(timeout=60)
    assert not errors, errors
    db.session.rollback()
    for phone in devices:
        phone.pull(limit=7)
        _assert_holds_what_the_server_has(phone)


def _write_step(rng, seed: str, step: int, grids: list, staff: dict) -> None:
    """One writer's step: a new household or an edited one, and now and then a new resident."""
    from backend.auth.models import User
    from backend.registry import services

    grid = rng.choice(grids)
    actor = db.session.get(User, staff[grid])
    if rng.random() < 0.5:
        services.create_household(actor, {"grid_id": grid, "address": f"{seed}-{step}", "head_name": "测试"})
    else:
        ids = db.session.scalars(select(Household.id).where(Household.grid_id == grid)).all()
        household = db.session.get(Household, rng.choice(ids))
        services.update_household(actor, household, {"notes": f"w{seed}s{step}"})
    if rng.random() < 0.3:
        household = db.session.get(Household, rng.choice(
            db.session.scalars(select(Household.id).where(Household.grid_id == grid)).all()))
        services.create_resident(actor, household, {"name": f"居民{seed}{step}"})


def _assert_holds_what_the_server_has(phone) -> None:
    from backend.auth import policy
    from backend.auth.models import User

    user = db.session.scalar(select(User).where(User.username == phone.username))
    expected = {h.id: h for h in db.session.scalars(select(Household)) if policy.can(user, "read", h)}
    assert phone.ids("households") == set(expected), phone.username
    for household_id, household in expected.items():
        held = phone.get("households", household_id)
        assert held["version"] == household.version and held["notes"] == household.notes
    residents = {r.id for r in db.session.scalars(select(Resident)) if policy.can(user, "read", r)}
    assert phone.ids("residents") == residents
