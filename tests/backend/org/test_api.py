"""/api/v1/org (backend/org/api.py): the tree read and changed within the
caller's scope; refusals as problems naming the field, nodes out of scope
unknown (404)."""

from datetime import timedelta

import pytest

from backend import clock
from backend.extensions import db
from backend.org.models import Node
from tests.backend.shared import is_problem

NODES = "/api/v1/org/nodes"


def _fresh(model, record_id):
    db.session.expire_all()
    return db.session.get(model, record_id)


def test_node_creation_by_role_and_place(world, auth, client):
    n = world.nodes
    staff1 = auth.headers("staff1")
    response = client.post("/api/v1/org/nodes", headers=staff1,
                           json={"kind": "grid", "parent_id": n["C1"].id, "name": "第三网格", "code": "G09"})
    assert response.status_code == 201, response.get_json()
    created = _fresh(Node, response.get_json()["id"])
    assert created.parent_id == n["C1"].id and created.path == n["C1"].path + created.id + "/"

    # The parent is out of staff1's scope: they do not learn it exists.
    is_problem(client.post("/api/v1/org/nodes", headers=staff1,
                           json={"kind": "grid", "parent_id": n["C2"].id, "name": "x"}), 404)
    # Readable parent, but a community is above a community worker's rank.
    is_problem(client.post("/api/v1/org/nodes", headers=staff1,
                           json={"kind": "community", "parent_id": n["S1"].id, "name": "x",
                                 "community_kind": "urban"}), 403)
    is_problem(client.post("/api/v1/org/nodes", headers=auth.headers("worker1"),
                           json={"kind": "building", "parent_id": n["G1"].id, "name": "2号楼"}), 403)

    response = client.post("/api/v1/org/nodes", headers=auth.headers("street1"),
                           json={"kind": "community", "parent_id": n["S1"].id, "name": "新社区",
                                 "community_kind": "urban"})
    assert response.status_code == 201
    assert _fresh(Node, response.get_json()["id"]).invite_code

    response = client.post("/api/v1/org/nodes", headers=auth.headers("admin"),
                           json={"kind": "district", "name": "新区"})
    assert response.status_code == 201
    is_problem(client.post("/api/v1/org/nodes", headers=auth.headers("district1"),
                           json={"kind": "district", "name": "另一区"}), 403)


def test_node_retire_and_move(world, auth, client):
    n = world.nodes
    staff1 = auth.headers("staff1")
    grid = client.post("/api/v1/org/nodes", headers=staff1,
                       json={"kind": "grid", "parent_id": n["C1"].id, "name": "空网格"}).get_json()
    response = client.post(f"/api/v1/org/nodes/{grid['id']}/retire", headers=staff1)
    assert response.status_code == 200 and response.get_json()["retired"] is True
    assert _fresh(Node, grid["id"]).retired_at is not None

    # Something live under it: refused with the reason, not a 500.
    body = is_problem(client.post(f"/api/v1/org/nodes/{n['G2'].id}/retire", headers=staff1), 422)
    assert "node" in body["errors"]

    response = client.post(f"/api/v1/org/nodes/{n['B1'].id}/move", headers=staff1, json={"parent_id": n["G2"].id})
    assert response.status_code == 200, response.get_json()
    assert _fresh(Node, n["B1"].id).path == n["G2"].path + n["B1"].id + "/"
    # Into another community: outside staff1's area.
    is_problem(client.post(f"/api/v1/org/nodes/{n['B1'].id}/move", headers=staff1,
                           json={"parent_id": n["G5"].id}), 403)


def _names(response) -> set[str]:
    assert response.status_code == 200, response.get_json()
    return {item["name"] for item in response.get_json()["items"]}


def test_the_list_is_the_callers_area_and_its_ancestors(world, auth, client):
    assert _names(client.get(NODES, headers=auth.headers("worker1"))) == {"测试区", "东街道", "幸福社区", "第一网格",
                                                                        "1号楼"}
    staff1 = _names(client.get(f"{NODES}?per_page=100", headers=auth.headers("staff1")))
    assert {"第一网格", "第二网格", "1号楼", "幸福社区", "东街道", "测试区"} == staff1
    body = client.get(NODES, headers=auth.headers("resident1")).get_json()
    assert body["items"] == [] and body["total"] == 0


def test_the_list_filters_by_kind_place_and_text(world, auth, client):
    district = auth.headers("district1")
    assert _names(client.get(f"{NODES}?kind=community", headers=district)) == {"幸福社区", "和平社区", "柳树村"}
    assert _names(client.get(f"{NODES}?under={world.C1.id}", headers=district)) == {"第一网格", "第二网格", "1号楼"}
    assert _names(client.get(f"{NODES}?q=G0", headers=district)) == {"第一网格", "第二网格", "和平一网格", "柳树一网格"}
    assert _names(client.get(f"{NODES}?q=柳树&kind=grid", headers=district)) == {"柳树一网格"}
    body = client.get(f"{NODES}?per_page=5&page=3", headers=district).get_json()
    assert (body["page"], body["per_page"], body["total"], body["pages"], len(body["items"])) == (3, 5, 12, 3, 2)


def test_retired_nodes_are_listed_only_when_asked(world, auth, client):
    staff1 = auth.headers("staff1")
    grid = client.post(NODES, headers=staff1, json={"kind": "grid", "parent_id": world.C1.id,
                                                    "name": "旧网格"}).get_json()
    client.post(f"{NODES}/{grid['id']}/retire", headers=staff1)
    assert "旧网格" not in _names(client.get(f"{NODES}?kind=grid", headers=staff1))
    assert "旧网格" in _names(client.get(f"{NODES}?kind=grid&include_retired=true", headers=staff1))
    assert client.get(f"{NODES}/{grid['id']}", headers=staff1).get_json()["retired"] is True


def test_an_unknown_kind_or_an_unreadable_under_is_named(world, auth, client):
    staff1 = auth.headers("staff1")
    body = is_problem(client.get(f"{NODES}?kind=planet", headers=staff1), 400)
    assert "kind" in body["errors"]
    is_problem(client.get(f"{NODES}?under={world.G5.id}", headers=staff1), 404)  # another community's grid


def test_one_node_in_scope_or_its_ancestors_else_not_found(world, auth, client):
    worker = auth.headers("worker1")
    body = client.get(f"{NODES}/{world.G1.id}", headers=worker).get_json()
    assert (body["id"], body["kind"], body["parent_id"], body["code"], body["retired"]) == (
        world.G1.id, "grid", world.C1.id, "G01", False)
    assert client.get(f"{NODES}/{world.S1.id}", headers=worker).status_code == 200  # where they stand
    for other in (world.G2, world.C2, world.S2):
        is_problem(client.get(f"{NODES}/{other.id}", headers=worker), 404)
    is_problem(client.get(f"{NODES}/{world.G1.id}", headers=auth.headers("resident1")), 404)
    is_problem(client.get(f"{NODES}/nope", headers=auth.headers("admin")), 404)  # unknown, even to admin


def test_edit_a_node(world, auth, client):
    staff1 = auth.headers("staff1")
    clock.run_from(clock.now() + timedelta(minutes=5))
    response = client.patch(f"{NODES}/{world.G2.id}", headers=staff1, json={"name": " 第二网格（新） ", "code": None})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["name"], body["code"]) == ("第二网格（新）", None)
    assert body["updated_at"] > body["created_at"]
    node = _fresh(Node, world.G2.id)
    assert (node.name, node.code) == ("第二网格（新）", None)


@pytest.mark.parametrize(("body", "field"), [({"name": ""}, "name"), ({"name": "x" * 101}, "name"),
                                             ({"community_kind": "suburb"}, "community_kind"),
                                             ({"kind": "street"}, "kind")])
def test_edits_that_are_refused_name_the_field(world, auth, client, body, field):
    response = client.patch(f"{NODES}/{world.C1.id}", headers=auth.headers("street1"), json=body)
    assert field in is_problem(response, 422)["errors"]
    assert _fresh(Node, world.C1.id).name == "幸福社区"


def test_a_readable_node_above_ones_rank_is_read_only(world, auth, client):
    is_problem(client.patch(f"{NODES}/{world.G1.id}", headers=auth.headers("worker1"), json={"name": "改"}), 403)
    is_problem(client.patch(f"{NODES}/{world.C1.id}", headers=auth.headers("staff1"), json={"name": "改"}), 403)
    is_problem(client.post(f"{NODES}/{world.C1.id}/retire", headers=auth.headers("staff1")), 403)
    assert _fresh(Node, world.C1.id).name == "幸福社区" and _fresh(Node, world.C1.id).retired_at is None


def test_a_move_names_a_missing_or_impossible_parent(world, auth, client):
    staff1 = auth.headers("staff1")
    assert "parent_id" in is_problem(client.post(f"{NODES}/{world.B1.id}/move", headers=staff1, json={}), 422)["errors"]
    body = is_problem(client.post(f"{NODES}/{world.G2.id}/move", headers=auth.headers("street1"),
                                  json={"parent_id": world.G1.id}), 422)  # a grid under a grid
    assert "parent_id" in body["errors"]
    assert _fresh(Node, world.G2.id).parent_id == world.C1.id
