"""Allowed changes through the API succeed and persist; the same changes
outside one's scope or role are refused. (Read-only and out-of-scope cells of
the whole matrix are in test_api_scope.py; the tree's nodes in
tests/backend/org/test_api.py.)"""

from sqlalchemy import select

from backend.extensions import db
from backend.registry.models import Household, Resident
from tests.backend.shared import is_problem


def _fresh(model, record_id):
    db.session.expire_all()
    return db.session.get(model, record_id)


def test_household_creation_by_role_and_grid(world, auth, client):
    n = world.nodes
    body = {"grid_id": n["G1"].id, "building_id": n["B1"].id, "address": "幸福小区1号楼1单元102",
            "head_name": "赵敏", "care_tags": ["elderly_alone"]}
    response = client.post("/api/v1/registry/households", headers=auth.headers("worker1"), json=body)
    assert response.status_code == 201, response.get_json()
    home = _fresh(Household, response.get_json()["id"])
    assert (home.grid_id, home.community_id, home.head_name) == (n["G1"].id, n["C1"].id, "赵敏")

    other = is_problem(client.post("/api/v1/registry/households", headers=auth.headers("worker1"),
                                   json=body | {"grid_id": n["G2"].id, "building_id": None}), 422)
    assert "grid_id" in other["errors"]
    for reader in ("street1", "volunteer1", "resident1"):
        is_problem(client.post("/api/v1/registry/households", headers=auth.headers(reader), json=body), 403)
    response = client.post("/api/v1/registry/households", headers=auth.headers("station1"),
                           json={"grid_id": n["G3"].id, "address": "柳树村5组13号", "head_name": "孙丽"})
    assert response.status_code == 201


def test_household_retire_and_move(world, auth, client):
    h, n = world.households, world.nodes
    staff1 = auth.headers("staff1")
    response = client.post(f"/api/v1/registry/households/{h['H2'].id}/retire", headers=staff1,
                           json={"reason": "搬走"})
    assert response.status_code == 200 and response.get_json()["retired"] is True
    listed = {item["id"] for item in client.get("/api/v1/registry/households", headers=staff1).get_json()["items"]}
    assert listed == {h["H1"].id}
    listed = client.get("/api/v1/registry/households?include_retired=1", headers=staff1).get_json()["items"]
    assert {item["id"] for item in listed} == {h["H1"].id, h["H2"].id}

    response = client.post(f"/api/v1/registry/households/{h['H1'].id}/move", headers=staff1,
                           json={"grid_id": n["G2"].id})
    assert response.status_code == 200
    assert _fresh(Household, h["H1"].id).grid_id == n["G2"].id
    # worker1 no longer sees the household that left their grid.
    is_problem(client.get(f"/api/v1/registry/households/{h['H1'].id}", headers=auth.headers("worker1")), 404)
    body = is_problem(client.post(f"/api/v1/registry/households/{h['H1'].id}/move", headers=staff1,
                                  json={"grid_id": n["G5"].id}), 422)
    assert "grid_id" in body["errors"]


def test_resident_changes(world, auth, client):
    h, r = world.households, world.residents
    worker1 = auth.headers("worker1")
    response = client.post(f"/api/v1/registry/households/{h['H1'].id}/residents", headers=worker1,
                           json={"name": "张小明", "gender": "M", "birth_date": "2015-03-01"})
    assert response.status_code == 201, response.get_json()
    assert _fresh(Household, h["H1"].id).member_count == 3
    is_problem(client.post(f"/api/v1/registry/households/{h['H2'].id}/residents", headers=worker1,
                           json={"name": "x"}), 404)
    is_problem(client.post(f"/api/v1/registry/households/{h['H1'].id}/residents", headers=auth.headers("street1"),
                           json={"name": "x"}), 403)

    # Moving to a household the worker cannot change is refused, naming the field.
    body = is_problem(client.post(f"/api/v1/registry/residents/{r['R1b'].id}/move", headers=worker1,
                                  json={"household_id": h["H2"].id}), 422)
    assert "household_id" in body["errors"]
    response = client.post(f"/api/v1/registry/residents/{r['R1b'].id}/move", headers=auth.headers("staff1"),
                           json={"household_id": h["H2"].id})
    assert response.status_code == 200
    assert _fresh(Resident, r["R1b"].id).household_id == h["H2"].id
    assert _fresh(Household, h["H2"].id).member_count == 2

    response = client.post(f"/api/v1/registry/residents/{r['R3'].id}/retire", headers=auth.headers("station1"),
                           json={"reason": "去世"})
    assert response.status_code == 200
    resident = _fresh(Resident, r["R3"].id)
    assert resident.retired_at is not None and resident.retire_reason == "去世"
    assert db.session.scalar(select(Household.member_count).where(Household.id == h["H3"].id)) == 0
