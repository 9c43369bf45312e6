"""Patrol reports on devices: appended once in a grid of the user's, never
changed, and received by the grid's devices."""

from sqlalchemy import func, select

from backend.extensions import db
from backend.fieldwork.patrols.models import PatrolReport


def report(grid, **extra):
    return {"grid_id": grid.id, "category": "street_stall", "description": "占道经营",
            "reported_at": "2026-11-21T10:00:00+08:00"} | extra


def test_a_report_reaches_the_grids_devices_only(world, device):
    worker, staff, other = device("worker1"), device("staff1"), device("worker2")
    made = worker.record("patrol_reports", "create", data=report(world.G1, location={"lat": 39.9, "lng": 116.4}))
    result = worker.push()[made["id"]]
    assert result["status"] == "applied"
    for phone in (staff, other):
        phone.pull()
    pulled = staff.get("patrol_reports", made["record_id"])
    assert pulled["author_id"] == world.worker1.id and pulled["grid_id"] == world.G1.id
    assert pulled["reported_at"] == "2026-11-21T02:00:00Z" and pulled["location"]["lat"] == 39.9
    assert "community_id" not in pulled
    assert other.ids("patrol_reports") == set()


def test_a_report_outside_the_users_grids_or_of_no_known_category_is_refused(world, device):
    phone = device("worker1")
    outside = phone.record("patrol_reports", "create", data=report(world.G2))
    odd = phone.record("patrol_reports", "create", data=report(world.G1, category="ufo"))
    results = phone.push()
    assert "grid_id" in results[outside["id"]]["error"]["errors"]
    assert "category" in results[odd["id"]]["error"]["errors"]
    assert db.session.scalar(select(func.count()).select_from(PatrolReport)) == 0


def test_a_report_is_never_changed(world, device):
    phone = device("worker1")
    made = phone.record("patrol_reports", "create", data=report(world.G1))
    phone.push()
    for op in ("update", "delete"):
        result = phone.push_raw([phone.mutation("patrol_reports", op, made["record_id"], {}, base_version=1)])
        rejected = result.get_json()["results"][0]
        assert rejected["status"] == "rejected" and rejected["error"]["status"] == 422, rejected
    db.session.expire_all()
    assert db.session.get(PatrolReport, made["record_id"]).description == "占道经营"
