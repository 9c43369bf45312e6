"""Moves reach devices (issue 11, defects 2 and 3): after a building, grid or
community moves, or a household does, a fresh device and a device that pulled
before both hold exactly what the account may read."""

from backend.extensions import db
from backend.org import services as org
from backend.registry import services as registry
from backend.requests import services as requests
from backend.requests.models import Request
from tests.placing import h1_life

FOLLOWS = ("households", "residents", "visits", "visit_tasks", "requests", "request_events", "ratings")


def h1_ids(world, life) -> dict[str, set]:
    return {"households": {world.H1.id}, "residents": {world.R1.id, world.R1b.id}} | life.of_h1()


def holds(phone, ids) -> dict[str, set]:
    """What of `ids` (by collection) the device holds."""
    return {name: phone.ids(name) & ids[name] for name in FOLLOWS}


def none_of(ids):
    return {name: set() for name in FOLLOWS} if ids else {}


def test_a_building_moved_to_another_grid_leaves_the_old_grids_devices(world, device, ctx):
    life = h1_life(world)
    ids = h1_ids(world, life)
    before1, before2 = device("worker1"), device("worker2")
    before1.pull()
    before2.pull()
    assert holds(before1, ids) == ids
    org.move_node(world.staff1, world.B1, world.G2.id)
    db.session.commit()
    before1.pull()
    before2.pull()
    fresh1, fresh2 = device("worker1"), device("worker2")
    fresh1.pull()
    fresh2.pull()
    assert holds(before1, ids) == holds(fresh1, ids) == none_of(ids)
    assert holds(before2, ids) == holds(fresh2, ids) == ids
    # The new grid's worker sees the sensitive care tag, as for any household of theirs.
    assert fresh2.get("residents", world.R1b.id)["care_tags"] == ["community_correction"]
    assert fresh2.get("residents", world.R1b.id)["grid_id"] == world.G2.id
    assert fresh2.get("requests", life.open_request)["assignee_id"] is None


def test_a_grid_moved_to_another_community_changes_offices(world, device, ctx):
    life = h1_life(world)
    ids = h1_ids(world, life)
    phones = {name: device(name) for name in ("staff1", "staff2", "worker1")}
    for phone in phones.values():
        phone.pull()
    org.move_node(world.admin, world.G1, world.C2.id)
    db.session.commit()
    for name, phone in phones.items():
        phone.pull()
        fresh = device(name)
        fresh.pull()
        expected = none_of(ids) if name == "staff1" else ids
        assert holds(phone, ids) == holds(fresh, ids) == expected, name
    assert life.patrol in phones["staff2"].ids("patrol_reports")
    assert life.patrol not in phones["staff1"].ids("patrol_reports")
    assert phones["staff2"].get("requests", life.open_request)["holder_node_id"] == world.C2.id


def test_a_community_moved_to_another_street_changes_street_offices(world, device, ctx):
    life = h1_life(world)
    ids = h1_ids(world, life)
    requests.transition(db.session, world.staff1, db.session.get(Request, life.open_request), "escalate",
                        {"message": "需要街道协调"})
    db.session.commit()
    phones = {name: device(name) for name in ("street1", "street2")}
    for phone in phones.values():
        phone.pull()
    org.move_node(world.admin, world.C1, world.S2.id)
    db.session.commit()
    for name, phone in phones.items():
        phone.pull()
        fresh = device(name)
        fresh.pull()
        expected = none_of(ids) if name == "street1" else ids
        assert holds(phone, ids) == holds(fresh, ids) == expected, name
    # The new street holds the escalated request: its officer may act on it.
    assert phones["street2"].get("requests", life.open_request)["holder_node_id"] == world.S2.id


def test_a_moved_households_requests_leave_the_old_grids_devices(world, device, client, ctx):
    life = h1_life(world)
    ids = h1_ids(world, life)
    worker, staff2 = device("worker1"), device("staff2")
    worker.pull()
    staff2.pull()
    cursor = worker.cursor
    registry.move_household(world.admin, world.H1, world.G5.id)
    db.session.commit()
    page = client.get("/api/v1/sync/pull", query_string={"cursor": cursor}, headers=worker.headers).get_json()
    deletes = {(c["collection"], c["id"]): c["reason"] for c in page["changes"] if c["deleted"]}
    for name in ("requests", "request_events", "ratings"):
        assert {deletes.get((name, i)) for i in ids[name]} == {"out_of_scope"}, name
    worker.pull()
    staff2.pull()
    assert holds(worker, ids) == none_of(ids)
    assert holds(staff2, ids) == ids
    assert staff2.get("requests", life.open_request)["grid_id"] == world.G5.id


def test_a_record_moved_to_a_quieter_community_replaces_the_copy_of_a_device_seeing_both(world, device, ctx):
    """Versions count per community: a household moved from a busy community to
    a quiet one must still arrive with a version above its old one, or a device
    seeing both keeps the old copy and misses every later change."""
    from backend.extensions import db
    from sync.changefeed import reserve

    reserve(db.session, world.C1.id, 1000)  # a busy community
    registry.update_household(world.staff1, world.H1, {"notes": "忙碌的社区"})
    db.session.commit()
    admin = device("admin")
    admin.pull()
    registry.move_household(world.admin, world.H1, world.G3.id)
    db.session.commit()
    admin.pull()
    assert admin.get("households", world.H1.id)["grid_id"] == world.G3.id
    assert admin.get("residents", world.R1.id)["grid_id"] == world.G3.id
    registry.retire_household(world.admin, world.H1, "搬走")
    db.session.commit()
    admin.pull()
    assert world.H1.id not in admin.ids("households")
