"""/api/v1/registry: what each endpoint answers, and every refusal an
application/problem+json naming the field at fault; which role may make which
change, and what a street officer and a resident read. (Who may do what across
the whole matrix: tests/backend/auth/test_api_scope.py; the masking and audit
of reveals: tests/backend/test_security.py.)"""

import uuid

from sqlalchemy import select

from backend.audit.models import AuditEntry
from backend.extensions import db
from backend.registry import services
from backend.registry.models import Household, Resident
from tests.backend.shared import is_problem

API = "/api/v1/registry"


def fresh(model, record_id):
    db.session.expire_all()
    return db.session.get(model, record_id)


def test_no_token_is_a_401_problem(world, client):
    for path in ("/care-tags", "/households", f"/households/{world.H1.id}", f"/residents/{world.R1.id}"):
        is_problem(client.get(API + path), 401)
    is_problem(client.post(f"{API}/residents/{world.R1.id}/reveal", json={"field": "phone"}), 401)


def test_unknown_ids_are_404_problems(world, client, auth):
    headers = auth.headers("admin")
    for path in ("/households/nope", "/residents/nope"):
        is_problem(client.get(API + path, headers=headers), 404)


def test_care_tags_without_the_sensitive_ones_for_readers(world, client, auth):
    staff = client.get(f"{API}/care-tags", headers=auth.headers("staff1")).get_json()["items"]
    street = client.get(f"{API}/care-tags", headers=auth.headers("street1")).get_json()["items"]
    assert {"code", "name_zh_hans", "name_zh_hant", "name_en", "sensitive", "builtin"} == set(staff[0])
    assert any(tag["sensitive"] for tag in staff) and not any(tag["sensitive"] for tag in street)
    assert {tag["code"] for tag in staff} - {tag["code"] for tag in street} == {
        tag["code"] for tag in staff if tag["sensitive"]}


def test_the_household_list_filters_and_pages(world, client, auth):
    headers = auth.headers("staff1")

    def ids(**query):
        body = client.get(f"{API}/households", query_string=query, headers=headers).get_json()
        return [item["id"] for item in body["items"]], body["total"]

    assert ids() == ([world.H1.id, world.H2.id], 2)  # by address
    assert ids(q="李娜") == ([world.H2.id], 1)
    assert ids(grid_id=world.G1.id) == ([world.H1.id], 1)
    assert ids(under=world.G2.id) == ([world.H2.id], 1)
    assert ids(tag="dibao") == ([world.H2.id], 1)
    assert ids(per_page=1, page=2) == ([world.H2.id], 2)
    body = client.get(f"{API}/households", query_string={"per_page": 1}, headers=headers).get_json()
    assert (body["page"], body["per_page"], body["pages"]) == (1, 1, 2)


def test_a_node_outside_ones_scope_is_a_404_naming_under(world, client, auth):
    headers = auth.headers("staff1")
    for node_id in (world.C2.id, "nope"):
        body = is_problem(client.get(f"{API}/households", query_string={"under": node_id}, headers=headers), 404)
        assert body["errors"] == {"under": ["Not in your scope."]}
    body = is_problem(client.get(f"{API}/households", query_string={"per_page": 0}, headers=headers), 400)
    assert set(body["errors"]) == {"per_page"}


def test_a_household_is_dumped_with_masked_phone_and_live_residents(world, client, auth):
    headers = auth.headers("staff1")
    client.post(f"{API}/residents/{world.R1b.id}/retire", json={"reason": "去世"}, headers=headers)
    body = client.get(f"{API}/households/{world.H1.id}", headers=headers).get_json()
    assert (body["phone_masked"], body["care_tags"], body["building_id"], body["member_count"]) == (
        "138****0001", ["elderly_alone"], world.B1.id, 1)
    assert "phone" not in body and "phone_enc" not in body
    assert [r["id"] for r in body["residents"]] == [world.R1.id]
    assert body["residents"][0]["id_number_masked"] == "1****************X"
    assert client.get(f"{API}/households/{world.H2.id}", headers=headers).get_json()["phone_masked"] is None


def test_creating_a_household(world, client, auth):
    headers = auth.headers("worker1")
    chosen = str(uuid.uuid4())
    body = {"id": chosen, "grid_id": world.G1.id, "address": "幸福小区5号", "head_name": "赵六",
            "phone": "13900000005", "care_tags": ["dibao"]}
    response = client.post(f"{API}/households", json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    made = response.get_json()
    assert (made["id"], made["community_id"], made["phone_masked"], made["care_tags"], made["retired"]) == (
        chosen, world.C1.id, "139****0005", ["dibao"], False)
    again = is_problem(client.post(f"{API}/households", json=body, headers=headers), 409)
    assert again["errors"] == {"id": ["Already used."]}
    bad = is_problem(client.post(f"{API}/households", json=body | {"id": "x", "head_name": ""}, headers=headers),
                     422)
    assert set(bad["errors"]) == {"id", "head_name"}
    outside = is_problem(client.post(f"{API}/households", json=body | {"id": None, "grid_id": world.G2.id},
                                     headers=headers), 422)
    assert set(outside["errors"]) == {"grid_id"}
    refused = is_problem(client.post(f"{API}/households", json=body | {"id": None},
                                     headers=auth.headers("street1")), 403)
    assert "errors" not in refused
    assert db.session.scalar(select(Household).where(Household.address == "幸福小区5号")).id == chosen


def test_editing_a_household(world, client, auth):
    response = client.patch(f"{API}/households/{world.H1.id}", json={"notes": "有电梯", "phone": None},
                            headers=auth.headers("worker1"))
    assert response.status_code == 200, response.get_json()
    assert (response.get_json()["notes"], response.get_json()["phone_masked"]) == ("有电梯", None)
    is_problem(client.patch(f"{API}/households/{world.H1.id}", json={"notes": "x"},
                            headers=auth.headers("street1")), 403)
    body = is_problem(client.patch(f"{API}/households/{world.H1.id}", json={"address": "", "member_count": 3},
                                   headers=auth.headers("staff1")), 422)
    assert set(body["errors"]) == {"address", "member_count"}
    is_problem(client.patch(f"{API}/households/{world.H5.id}", json={"notes": "x"},
                            headers=auth.headers("staff1")), 404)
    assert fresh(Household, world.H1.id).notes == "有电梯"


def test_moving_and_retiring_a_household(world, client, auth):
    headers = auth.headers("staff1")
    moved = client.post(f"{API}/households/{world.H1.id}/move", json={"grid_id": world.G2.id}, headers=headers)
    assert moved.status_code == 200 and (moved.get_json()["grid_id"], moved.get_json()["building_id"]) == (
        world.G2.id, None)
    body = is_problem(client.post(f"{API}/households/{world.H1.id}/move",
                                  json={"grid_id": world.G1.id, "building_id": world.nodes["ST1"].id},
                                  headers=headers), 422)
    assert set(body["errors"]) == {"building_id"}
    body = is_problem(client.post(f"{API}/households/{world.H1.id}/retire", json={}, headers=headers), 422)
    assert set(body["errors"]) == {"reason"}
    is_problem(client.post(f"{API}/households/{world.H1.id}/retire", json={"reason": "搬走"},
                           headers=auth.headers("worker2")), 403)  # a keeper of G2, not a retirer
    retired = client.post(f"{API}/households/{world.H1.id}/retire", json={"reason": "搬走"}, headers=headers)
    assert (retired.get_json()["retired"], retired.get_json()["retire_reason"]) == (True, "搬走")


def test_adding_and_editing_a_resident(world, client, auth):
    headers = auth.headers("worker1")
    chosen = str(uuid.uuid4())
    response = client.post(f"{API}/households/{world.H1.id}/residents", headers=headers, json={
        "id": chosen, "name": "张小明", "birth_date": "2015-03-01", "phone": "13700000007"})
    assert response.status_code == 201, response.get_json()
    made = response.get_json()
    assert (made["id"], made["household_id"], made["birth_date"], made["phone_masked"]) == (
        chosen, world.H1.id, "2015-03-01", "137****0007")
    again = is_problem(client.post(f"{API}/households/{world.H1.id}/residents", headers=headers,
                                   json={"id": chosen, "name": "张小明"}), 409)
    assert again["errors"] == {"id": ["Already used."]}
    bad = is_problem(client.post(f"{API}/households/{world.H1.id}/residents", headers=headers,
                                 json={"name": "甲", "id_number": "123"}), 422)
    assert set(bad["errors"]) == {"id_number"}
    # An edit sends only what changes; an id in it changes nothing.
    other = str(uuid.uuid4())
    edited = client.patch(f"{API}/residents/{chosen}", headers=headers, json={"id": other, "relation": "孙子"})
    assert edited.status_code == 200 and edited.get_json()["id"] == chosen
    resident = fresh(Resident, chosen)
    assert (resident.name, resident.relation) == ("张小明", "孙子") and fresh(Resident, other) is None
    bad = is_problem(client.patch(f"{API}/residents/{chosen}", headers=headers, json={"gender": "X"}), 422)
    assert set(bad["errors"]) == {"gender"}


def test_moving_and_retiring_a_resident(world, client, auth):
    headers = auth.headers("staff1")
    moved = client.post(f"{API}/residents/{world.R1b.id}/move", json={"household_id": world.H2.id}, headers=headers)
    assert moved.status_code == 200 and moved.get_json()["household_id"] == world.H2.id
    body = is_problem(client.post(f"{API}/residents/{world.R1b.id}/move", json={"household_id": world.H5.id},
                                  headers=headers), 422)
    assert set(body["errors"]) == {"household_id"}
    body = is_problem(client.post(f"{API}/residents/{world.R1b.id}/move", json={}, headers=headers), 422)
    assert set(body["errors"]) == {"household_id"}
    retired = client.post(f"{API}/residents/{world.R2.id}/retire", json={"reason": "去世"}, headers=headers)
    assert retired.get_json()["retired"] is True
    assert fresh(Household, world.H2.id).member_count == 1  # R1b moved in, R2 retired
    is_problem(client.get(f"{API}/residents/{world.R5.id}", headers=headers), 404)


def test_reveal(world, client, auth):
    headers = auth.headers("worker1")
    response = client.post(f"{API}/residents/{world.R1.id}/reveal", json={"field": "id_number"}, headers=headers,
                           environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert response.get_json() == {"field": "id_number", "value": "11010119400101123X"}
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "reveal"))
    assert (entry.actor_id, entry.target_id, entry.address) == (world.worker1.id, world.R1.id, "10.1.2.3")
    body = is_problem(client.post(f"{API}/residents/{world.R1.id}/reveal", json={"field": "notes"},
                                  headers=headers), 422)
    assert set(body["errors"]) == {"field"}
    is_problem(client.post(f"{API}/residents/{world.R1.id}/reveal", json={"field": "phone"},
                           headers=auth.headers("street1")), 403)
    is_problem(client.post(f"{API}/residents/{world.R2.id}/reveal", json={"field": "phone"}, headers=headers), 404)


# --- by role (from the matrix's allowed changes) ------------------------------------------

def test_household_creation_by_role_and_grid(world, auth, client):
    n = world.nodes
    body = {"grid_id": n["G1"].id, "building_id": n["B1"].id, "address": "幸福小区1号楼1单元102",
            "head_name": "赵敏", "care_tags": ["elderly_alone"]}
    response = client.post(f"{API}/households", headers=auth.headers("worker1"), json=body)
    assert response.status_code == 201, response.get_json()
    home = fresh(Household, response.get_json()["id"])
    assert (home.grid_id, home.building_id, home.community_id, home.head_name) == (
        n["G1"].id, n["B1"].id, n["C1"].id, "赵敏")
    for reader in ("volunteer1", "resident1"):
        is_problem(client.post(f"{API}/households", headers=auth.headers(reader), json=body), 403)
    response = client.post(f"{API}/households", headers=auth.headers("station1"),
                           json={"grid_id": n["G3"].id, "address": "柳树村5组13号", "head_name": "孙丽"})
    assert response.status_code == 201


def test_a_retired_household_leaves_the_list_unless_asked_for(world, auth, client):
    h = world.households
    staff1 = auth.headers("staff1")
    client.post(f"{API}/households/{h['H2'].id}/retire", headers=staff1, json={"reason": "搬走"})
    listed = {item["id"] for item in client.get(f"{API}/households", headers=staff1).get_json()["items"]}
    assert listed == {h["H1"].id}
    listed = client.get(f"{API}/households?include_retired=1", headers=staff1).get_json()["items"]
    assert {item["id"] for item in listed} == {h["H1"].id, h["H2"].id}


def test_a_household_moved_out_of_a_workers_grid_is_no_longer_theirs(world, auth, client):
    h, n = world.households, world.nodes
    staff1 = auth.headers("staff1")
    response = client.post(f"{API}/households/{h['H1'].id}/move", headers=staff1, json={"grid_id": n["G2"].id})
    assert response.status_code == 200
    is_problem(client.get(f"{API}/households/{h['H1'].id}", headers=auth.headers("worker1")), 404)
    body = is_problem(client.post(f"{API}/households/{h['H1'].id}/move", headers=staff1,
                                  json={"grid_id": n["G5"].id}), 422)
    assert "grid_id" in body["errors"]


def test_resident_changes_by_role(world, auth, client):
    h, r = world.households, world.residents
    worker1 = auth.headers("worker1")
    response = client.post(f"{API}/households/{h['H1'].id}/residents", headers=worker1,
                           json={"name": "张小明", "gender": "M", "birth_date": "2015-03-01"})
    assert response.status_code == 201, response.get_json()
    assert fresh(Household, h["H1"].id).member_count == 3
    is_problem(client.post(f"{API}/households/{h['H2'].id}/residents", headers=worker1, json={"name": "x"}), 404)
    is_problem(client.post(f"{API}/households/{h['H1'].id}/residents", headers=auth.headers("street1"),
                           json={"name": "x"}), 403)
    # Moving to a household the worker cannot change is refused, naming the field.
    body = is_problem(client.post(f"{API}/residents/{r['R1b'].id}/move", headers=worker1,
                                  json={"household_id": h["H2"].id}), 422)
    assert "household_id" in body["errors"]
    assert fresh(Resident, r["R1b"].id).household_id == h["H1"].id

    response = client.post(f"{API}/residents/{r['R3'].id}/retire", headers=auth.headers("station1"),
                           json={"reason": "去世"})
    assert response.status_code == 200
    resident = fresh(Resident, r["R3"].id)
    assert resident.retired_at is not None and resident.retire_reason == "去世"
    assert db.session.scalar(select(Household.member_count).where(Household.id == h["H3"].id)) == 0


def test_street_officer_reads_households_masked_and_without_sensitive_tags(world, auth, client):
    home = client.get(f"{API}/households/{world.H1.id}", headers=auth.headers("street1")).get_json()
    by_id = {r["id"]: r for r in home["residents"]}
    assert set(by_id) == {world.R1.id, world.R1b.id}
    assert by_id[world.R1b.id]["care_tags"] == []  # community_correction is sensitive
    assert by_id[world.R1.id]["id_number_masked"] == "1****************X"
    assert "11010119400101123X" not in str(home) and "13800000001" not in str(home)
    home = client.get(f"{API}/households/{world.H1.id}", headers=auth.headers("staff1")).get_json()
    assert {r["id"]: r for r in home["residents"]}[world.R1b.id]["care_tags"] == ["community_correction"]


def test_resident_sees_only_their_household_and_its_residents(world, auth, client):
    headers = auth.headers("resident1")
    home = client.get(f"{API}/households/{world.H1.id}", headers=headers).get_json()
    assert {r["id"] for r in home["residents"]} == {world.R1.id, world.R1b.id}
    assert client.get(f"{API}/residents/{world.R1b.id}", headers=headers).status_code == 200
    for other in ("R2", "R5", "R3"):
        is_problem(client.get(f"{API}/residents/{world.residents[other].id}", headers=headers), 404)
    is_problem(client.get(f"{API}/households/{world.H2.id}", headers=headers), 404)


def test_a_sensitive_tag_needs_a_consent_named_in_the_problem(world, auth, client):
    headers = auth.headers("worker1")
    body = is_problem(client.patch(f"{API}/residents/{world.R1.id}", headers=headers,
                                   json={"care_tags": ["rehabilitation"]}), 422)
    assert list(body["errors"]) == ["consent"]
    body = is_problem(client.patch(f"{API}/residents/{world.R1.id}", headers=headers,
                                   json={"care_tags": ["rehabilitation"], "consent": {"basis": "legal_duty"}}), 422)
    assert list(body["errors"]) == ["consent.detail"]
    body = is_problem(client.patch(f"{API}/residents/{world.R1.id}", headers=headers,
                                   json={"care_tags": ["rehabilitation"], "consent": {"basis": "maybe"}}), 422)
    assert "consent.basis" in body["errors"]
    response = client.patch(f"{API}/residents/{world.R1.id}", headers=headers, json={
        "care_tags": ["rehabilitation"], "consent": {"basis": "written", "detail": "同意书"}})
    assert response.status_code == 200 and response.get_json()["care_tags"] == ["rehabilitation"]
    body = is_problem(client.post(f"{API}/households", headers=headers, json={
        "grid_id": world.G1.id, "address": "幸福小区9号", "head_name": "赵六", "care_tags": ["rehabilitation"]}), 422)
    assert list(body["errors"]) == ["consent"]


def test_consents_are_listed_in_scope_and_withdrawn_not_deleted(world, auth, client):
    from tests.factories import ConsentFactory

    tag = ConsentFactory(resident=world.R1b, tag_code="community_correction", recorder=world.staff1)
    proxy = ConsentFactory(household=world.H1, purpose="proxy_request", tag_code=None, basis="verbal",
                           recorder=world.worker1)
    db.session.commit()
    tag_id, proxy_id = tag.id, proxy.id
    staff = auth.headers("staff1")
    items = client.get(f"{API}/households/{world.H1.id}/consents", headers=staff).get_json()["items"]
    assert {i["id"] for i in items} == {tag_id, proxy_id}
    mine = client.get(f"{API}/residents/{world.R1b.id}/consents", headers=staff).get_json()["items"]
    assert [(i["purpose"], i["tag_code"], i["basis"], i["withdrawn_at"]) for i in mine] == [
        ("care_tag", "community_correction", "written", None)]
    for reader in ("street1", "resident1"):  # they do not see sensitive tags, nor the records telling them
        items = client.get(f"{API}/households/{world.H1.id}/consents", headers=auth.headers(reader)).get_json()
        assert [i["id"] for i in items["items"]] == [proxy_id]
    is_problem(client.get(f"{API}/households/{world.H1.id}/consents", headers=auth.headers("staff2")), 404)
    is_problem(client.post(f"{API}/consents/{tag_id}/withdraw", headers=auth.headers("street1"),
                           json={"reason": "撤回"}), 404)
    is_problem(client.post(f"{API}/consents/{tag_id}/withdraw", headers=auth.headers("staff2"),
                           json={"reason": "撤回"}), 404)
    is_problem(client.post(f"{API}/consents/nope/withdraw", headers=staff, json={"reason": "撤回"}), 404)
    body = is_problem(client.post(f"{API}/consents/{tag_id}/withdraw", headers=staff, json={}), 422)
    assert "reason" in body["errors"]
    response = client.post(f"{API}/consents/{tag_id}/withdraw", headers=staff, json={"reason": "本人撤回"})
    assert response.status_code == 200 and response.get_json()["withdrawn_at"]
    assert fresh(Resident, world.R1b.id).care_tags == []
    is_problem(client.post(f"{API}/consents/{tag_id}/withdraw", headers=staff, json={"reason": "again"}), 409)
    items = client.get(f"{API}/residents/{world.R1b.id}/consents", headers=staff).get_json()["items"]
    assert [i["withdraw_reason"] for i in items] == ["本人撤回"]


def test_the_birth_date_goes_to_those_who_may_reveal_the_year_to_the_others(world, client, auth):
    """An ID number's middle is the birth date: readers who see the mask get the year."""
    services.update_resident(world.staff1, world.R1, {"birth_date": "1940-03-15"})
    db.session.commit()
    for username, birth_date in (("staff1", "1940-03-15"), ("worker1", "1940-03-15"), ("admin", "1940-03-15"),
                                 ("street1", None), ("district1", None)):
        body = client.get(f"{API}/residents/{world.R1.id}", headers=auth.headers(username)).get_json()
        assert (body["birth_date"], body["birth_year"], body["id_number_masked"]) == (
            birth_date, 1940, "1****************X"), username
        listed = client.get(f"{API}/households/{world.H1.id}", headers=auth.headers(username)).get_json()
        assert {(r["birth_date"], r["birth_year"]) for r in listed["residents"] if r["id"] == world.R1.id} == {
            (birth_date, 1940)}, username
