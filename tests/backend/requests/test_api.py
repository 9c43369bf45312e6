"""The JSON API: the same rules, as problem+json naming the field at fault."""

from backend.extensions import db
from backend.requests import services
from tests.backend.requests.conftest import in_state


def _post(client, path, headers, body=None):
    return client.post(path, json=body if body is not None else {}, headers=headers)


def test_raise_move_and_rate_through_the_api(world, client, auth):
    resident, staff = auth.headers("resident1"), auth.headers("staff1")
    response = _post(client, "/api/v1/requests", resident, {"category": "facilities", "description": "路灯坏了",
                                                            "requester_phone": "13912345678"})
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert created["status"] == "submitted" and created["requester_phone"] == "139****5678"
    assert created["timeline"][0]["kind"] == "submitted" and "withdraw" in created["actions"]
    request_id = created["id"]
    for action, body in [("accept", {}), ("dispatch", {"assignee_id": world.worker1.id}),
                         ("note", {"message": "内部"}), ("resolve", {"message": "修好了"})]:
        response = _post(client, f"/api/v1/requests/{request_id}/actions/{action}", staff, body)
        assert response.status_code == 200, (action, response.get_json())
    assert response.get_json()["request"]["status"] == "resolved"
    seen = client.get(f"/api/v1/requests/{request_id}", headers=resident).get_json()
    assert [e["kind"] for e in seen["timeline"]] == ["submitted", "accepted", "dispatched", "resolved"]
    assert seen["actions"] == ["rate", "reopen"]
    response = _post(client, "/api/v1/ratings", resident, {"target_type": "request", "target_id": request_id,
                                                           "score": 5, "comment": "谢谢"})
    assert response.status_code == 201, response.get_json()
    again = _post(client, "/api/v1/ratings", resident, {"target_type": "request", "target_id": request_id,
                                                        "score": 5})
    assert again.status_code == 409 and again.mimetype == "application/problem+json"
    assert client.get("/api/v1/ratings", headers=staff).get_json()["total"] == 1
    assert client.get("/api/v1/ratings", headers=auth.headers("staff2")).get_json()["total"] == 0


def test_problems_name_the_field(world, client, auth):
    worker = auth.headers("worker1")
    response = _post(client, "/api/v1/requests", worker, {"category": "facilities", "description": "路灯坏了",
                                                          "household_id": world.H1.id, "on_behalf": True})
    assert response.status_code == 422 and "consent" in response.get_json()["errors"]
    response = _post(client, "/api/v1/requests", worker, {"category": "facilities", "description": "x",
                                                          "bogus": 1})
    assert response.status_code == 422 and "bogus" in response.get_json()["errors"]
    assert _post(client, "/api/v1/requests", auth.headers("street1"),
                 {"category": "other", "description": "x"}).status_code == 403


def test_state_refusals_are_409_naming_the_status(world, client, auth):
    request = in_state(world, "submitted")
    response = _post(client, f"/api/v1/requests/{request.id}/actions/resolve", auth.headers("staff1"),
                     {"message": "好了"})
    assert response.status_code == 409
    body = response.get_json()
    assert body["title"] == "Not allowed in this state" and "已提交" in body["detail"]  # in the default language
    assert _post(client, f"/api/v1/requests/{request.id}/actions/accept", auth.headers("resident1")).status_code == 403
    assert _post(client, f"/api/v1/requests/{request.id}/actions/accept", auth.headers("staff2")).status_code == 404
    assert _post(client, f"/api/v1/requests/{request.id}/actions/fly", auth.headers("staff1")).status_code == 404
    bad = _post(client, f"/api/v1/requests/{request.id}/actions/dispatch", auth.headers("staff1"),
                {"assignee_id": world.worker1.id})
    assert bad.status_code == 409


def test_the_reopened_request_cannot_be_rated(world, client, auth):
    request = in_state(world, "resolved")
    services.transition(db.session, world.staff1, request, "reopen", {"message": "没修好"})
    db.session.commit()
    response = _post(client, f"/api/v1/requests/{request.id}/actions/rate", auth.headers("resident1"), {"score": 5})
    assert response.status_code == 409 and "被重新打开" in response.get_json()["detail"]


def test_lists_filter_within_scope(world, client, auth):
    in_state(world, "submitted")
    in_state(world, "resolved", category="safety")
    staff = auth.headers("staff1")
    assert client.get("/api/v1/requests", headers=staff).get_json()["total"] == 2
    assert client.get("/api/v1/requests?status=open", headers=staff).get_json()["total"] == 1
    assert client.get("/api/v1/requests?category=safety", headers=staff).get_json()["total"] == 1
    assert client.get("/api/v1/requests?overdue=true", headers=staff).get_json()["total"] == 0
    assert client.get("/api/v1/requests", headers=auth.headers("staff2")).get_json()["total"] == 0
    for bad in ("status=nope", "overdue=maybe", "page=0"):
        response = client.get(f"/api/v1/requests?{bad}", headers=staff)
        assert response.status_code == 400 and response.mimetype == "application/problem+json"
    categories = client.get("/api/v1/request-categories", headers=staff).get_json()["items"]
    assert [c["code"] for c in categories][:2] == ["environment", "facilities"] and len(categories) == 8
    assert "correction" in [c["code"] for c in categories]  # a resident's request to correct their records


def test_openapi_documents_requests(client):
    spec = client.get("/api/openapi.json").get_json()
    assert "/api/v1/requests/{request_id}/actions/{action}" in spec["paths"]
    assert "/api/v1/ratings" in spec["paths"] and "/api/v1/request-categories" in spec["paths"]
    for name in ("RequestCreate", "RequestAction", "RatingCreate", "RequestOut", "RequestDetailOut"):
        assert name in spec["components"]["schemas"]


def test_one_request_out_of_scope_or_unknown_is_a_404_problem(world, client, auth):
    request = in_state(world, "submitted")
    for headers, path in [(auth.headers("staff2"), f"/api/v1/requests/{request.id}"),
                          (auth.headers("staff1"), "/api/v1/requests/no-such-request")]:
        response = client.get(path, headers=headers)
        assert response.status_code == 404 and response.mimetype == "application/problem+json"
        assert response.get_json()["detail"] == "No such request in your scope."
    assert client.get(f"/api/v1/requests/{request.id}").status_code == 401  # no token
    unknown = _post(client, f"/api/v1/requests/{request.id}/actions/fly", auth.headers("staff1"))
    assert "accept" in unknown.get_json()["errors"]["action"][0]


def test_an_action_without_a_body_and_the_details_each_reader_gets(world, client, auth):
    request = in_state(world, "submitted")
    staff = auth.headers("staff1")
    response = client.post(f"/api/v1/requests/{request.id}/actions/accept", headers=staff)  # no body at all
    assert response.status_code == 200 and response.get_json()["event"]["kind"] == "accepted"
    assert _post(client, f"/api/v1/requests/{request.id}/actions/note", staff, {"message": "内部"}).status_code == 200
    seen_by_staff = client.get(f"/api/v1/requests/{request.id}", headers=staff).get_json()
    seen_by_resident = client.get(f"/api/v1/requests/{request.id}", headers=auth.headers("resident1")).get_json()
    assert [e["kind"] for e in seen_by_staff["timeline"]] == ["submitted", "accepted", "noted"]
    assert [e["kind"] for e in seen_by_resident["timeline"]] == ["submitted", "accepted"]
    assert "dispatch" in seen_by_staff["actions"] and seen_by_resident["actions"] == ["withdraw"]
    assert seen_by_resident["status"] == "accepted" and seen_by_resident["requester_phone"] is None
    bad = _post(client, f"/api/v1/requests/{request.id}/actions/reply", staff, {"message": "", "score": 9})
    assert bad.status_code == 422 and set(bad.get_json()["errors"]) == {"score"}


def test_ratings_name_the_field_at_fault_and_filter_by_target(world, client, auth):
    rated, other = in_state(world, "resolved"), in_state(world, "resolved")
    resident = auth.headers("resident1")
    for body, field in [({"target_type": "request", "target_id": rated.id, "score": 6}, "score"),
                        ({"target_type": "activity", "target_id": rated.id, "score": 4}, "target_type"),
                        ({"target_type": "request", "target_id": rated.id, "score": 4, "stars": 4}, "stars"),
                        ({"target_type": "request", "target_id": "no-such", "score": 4}, "target_id")]:
        response = _post(client, "/api/v1/ratings", resident, body)
        assert response.status_code == 422 and field in response.get_json()["errors"], body
    assert _post(client, "/api/v1/ratings", auth.headers("staff1"),
                 {"target_type": "request", "target_id": rated.id, "score": 4}).status_code == 403
    for request in (rated, other):
        assert _post(client, "/api/v1/ratings", resident,
                     {"target_type": "request", "target_id": request.id, "score": 4}).status_code == 201
    listed = client.get(f"/api/v1/ratings?target_id={rated.id}", headers=resident).get_json()
    assert listed["total"] == 1 and listed["items"][0]["target_id"] == rated.id
    assert client.get("/api/v1/ratings", headers=auth.headers("worker2")).get_json()["total"] == 0
