"""Scope changes: records that move out of a user's scope are evicted, new
scope is backfilled, and what moves within the scope stays."""

from backend.accounts import services as accounts
from backend.extensions import db
from backend.registry import services


def test_household_moved_away_is_evicted_and_arrives_elsewhere(world, device, ctx):
    one, two = device("worker1"), device("worker2")
    one.pull()
    two.pull()
    assert world.H1.id in one.ids("households")
    services.move_household(world.staff1, world.H1, world.G2.id)
    db.session.commit()
    one.pull()
    two.pull()
    assert world.H1.id not in one.ids("households")
    assert {world.R1.id, world.R1b.id}.isdisjoint(one.ids("residents"))
    assert world.H1.id in two.ids("households")
    assert {world.R1.id, world.R1b.id} <= two.ids("residents")
    assert two.get("residents", world.R1.id)["grid_id"] == world.G2.id


def test_move_within_scope_keeps_the_record(world, device, ctx):
    staff = device("staff1")
    staff.pull()
    services.move_household(world.staff1, world.H1, world.G2.id)
    db.session.commit()
    staff.pull(limit=1)  # one change a page: the tombstone and the new row arrive apart
    assert world.H1.id in staff.ids("households")
    assert staff.get("households", world.H1.id)["grid_id"] == world.G2.id


def test_move_to_another_community(world, device, ctx):
    staff1, staff2 = device("staff1"), device("staff2")
    staff1.pull()
    staff2.pull()
    services.move_household(world.admin, world.H1, world.G5.id)
    db.session.commit()
    staff1.pull()
    staff2.pull()
    assert world.H1.id not in staff1.ids("households")
    assert world.H1.id in staff2.ids("households")
    assert world.R1.id in staff2.ids("residents")


def test_grid_assigned_backfills_and_grid_removed_evicts(world, device, ctx):
    phone = device("worker1")
    phone.pull()
    assert phone.ids("households") == {world.H1.id}
    accounts.set_scopes(world.staff1, world.worker1, [world.G1.id, world.G2.id])
    db.session.commit()
    phone.pull()
    assert phone.ids("households") == {world.H1.id, world.H2.id}
    assert world.R2.id in phone.ids("residents")
    accounts.set_scopes(world.staff1, world.worker1, [world.G2.id])
    db.session.commit()
    page = phone.pull()
    assert phone.ids("households") == {world.H2.id}
    assert phone.ids("residents") == {world.R2.id}
    assert page is not None


def test_evictions_say_out_of_scope(world, device, client, ctx):
    phone = device("worker1")
    phone.pull()
    accounts.set_scopes(world.staff1, world.worker1, [world.G2.id])
    db.session.commit()
    page = client.get("/api/v1/sync/pull", query_string={"cursor": phone.cursor}, headers=phone.headers).get_json()
    evicted = {c["id"]: c for c in page["changes"] if c["deleted"]}
    assert evicted[world.H1.id]["reason"] == "out_of_scope"
    assert evicted[world.R1.id]["reason"] == "out_of_scope"
    assert "data" not in evicted[world.H1.id]


def test_retired_records_are_purged_from_devices(world, device, ctx):
    phone = device("staff1")
    phone.pull()
    services.retire_resident(world.staff1, world.R1b, "搬走")
    db.session.commit()
    phone.pull()
    assert world.R1b.id not in phone.ids("residents")
    assert phone.get("households", world.H1.id)["member_count"] == 1


def test_deactivated_user_pulls_nothing(world, device, client, ctx):
    phone = device("worker1")
    phone.pull()
    accounts.set_active(world.staff1, world.worker1, False)
    db.session.commit()
    response = client.get("/api/v1/sync/pull", headers=phone.headers)
    assert response.status_code == 401
