"""Purging old tombstones: what is older than the horizon goes, each space's
`purged_below` rises past the newest purged version (never falls), and a
device's cursor resets only when it is from before what was purged."""

from datetime import timedelta

from sqlalchemy import select, update

from backend.common import utcnow
from backend.extensions import db
from backend.registry import services
from sync.changefeed import reserve
from sync.maintenance import purge_tombstones
from sync.models import SyncSpace, Tombstone
from tests.factories import TombstoneFactory


def tombstone(space, version, age_days, record_id="r"):
    TombstoneFactory(space_id=space, version=version, record_id=record_id, reason="moved",
                     at=utcnow() - timedelta(days=age_days))


def horizon(space):
    return db.session.scalar(select(SyncSpace.purged_below).where(SyncSpace.id == space))


def test_only_old_tombstones_go_and_each_space_remembers_the_newest_purged(world):
    c1, c2 = world.C1.id, world.C2.id
    for space in (c1, c2):
        reserve(db.session, space, 50)
    tombstone(c1, 10, 400, "a")
    tombstone(c1, 12, 200, "b")
    tombstone(c1, 30, 10, "c")  # recent: kept
    tombstone(c2, 7, 10, "d")  # recent: kept, and C2's horizon stays
    db.session.commit()
    assert purge_tombstones(db.session, timedelta(days=180)) == 2
    db.session.commit()
    left = db.session.execute(select(Tombstone.space_id, Tombstone.record_id).order_by(Tombstone.record_id)).all()
    assert left == [(c1, "c"), (c2, "d")]
    assert horizon(c1) == 13 and horizon(c2) == 0


def test_the_horizon_never_falls(world):
    c1 = world.C1.id
    reserve(db.session, c1, 50)
    db.session.execute(update(SyncSpace).where(SyncSpace.id == c1).values(purged_below=40))
    tombstone(c1, 12, 400)
    db.session.commit()
    assert purge_tombstones(db.session, timedelta(days=180)) == 1
    db.session.commit()
    assert horizon(c1) == 40


def test_nothing_to_purge(world):
    tombstone(world.C1.id, 3, 1)
    db.session.commit()
    assert purge_tombstones(db.session, timedelta(days=180)) == 0
    assert db.session.scalar(select(Tombstone.version)) == 3



def test_a_cursor_past_the_purge_horizon_continues(world, device, app, ctx):
    phone = device("staff1")
    services.move_household(world.staff1, world.H1, world.G2.id)  # a household and two residents moved
    db.session.commit()
    phone.pull()
    db.session.execute(update(Tombstone).values(at=Tombstone.at - timedelta(days=400)))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["sync-purge", "--days", "180"])
    assert "purged 3 tombstones" in result.output
    services.update_household(world.staff1, world.H2, {"notes": "after the purge"})
    db.session.commit()
    page = phone.pull()
    assert page["reset"] is False
    assert phone.get("households", world.H2.id)["notes"] == "after the purge"


def test_a_cursor_from_before_the_purge_must_start_over(world, device, app, ctx):
    phone = device("staff1")
    phone.pull()
    before = phone.cursor
    services.move_household(world.staff1, world.H1, world.G2.id)
    services.update_household(world.staff1, world.H2, {"notes": "later change"})
    db.session.execute(update(Tombstone).values(at=Tombstone.at - timedelta(days=400)))
    db.session.commit()
    app.test_cli_runner().invoke(args=["sync-purge", "--days", "180"])
    page = phone.client.get("/api/v1/sync/pull", query_string={"cursor": before}, headers=phone.headers).get_json()
    assert page["reset"] is True
    assert {c["id"] for c in page["changes"] if c["collection"] == "households"} == {world.H1.id, world.H2.id}
