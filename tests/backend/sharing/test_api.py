"""The JSON API of sharing: the same rules, problem+json naming the field, residents never see
the moderation fields."""

from backend.extensions import db
from backend.sharing.models import BannedWord


def _post(client, path, headers, body=None):
    return client.post(path, json=body if body is not None else {}, headers=headers)


def test_post_answer_accept_lend_return_confirm_and_rate_through_the_api(world, client, auth, neighbours):
    lender, borrower = auth.headers("resident1"), auth.headers("resident2")
    created = _post(client, "/api/v1/sharing/posts", lender, {"kind": "lend", "title": "电钻出借"})
    assert created.status_code == 201, created.get_json()
    post = created.get_json()
    assert post["status"] == "open" and "hidden_reason" not in post
    answered = _post(client, "/api/v1/sharing/exchanges", borrower, {"post_id": post["id"], "message": "我想借用"})
    assert answered.status_code == 201, answered.get_json()
    exchange = answered.get_json()
    assert exchange["actions"] == ["withdraw"]
    base = f"/api/v1/sharing/exchanges/{exchange['id']}/actions"
    for who, action, body in ((lender, "accept", {}), (lender, "hand_over", {"due_at": "2026-12-01T10:00:00+08:00"}),
                              (lender, "return", {}), (borrower, "confirm", None), (lender, "confirm", None),
                              (borrower, "rate", {"score": 5, "comment": "谢谢"})):
        response = _post(client, f"{base}/{action}", who, body)
        assert response.status_code == 200, (action, response.get_json())
    done = response.get_json()
    assert (done["status"], done["responder_score"], done["due_at"]) == ("confirmed", 5, "2026-12-01T02:00:00")
    listed = client.get("/api/v1/sharing/exchanges", headers=borrower).get_json()
    assert [e["id"] for e in listed["items"]] == [exchange["id"]]
    assert client.get("/api/v1/sharing/exchanges", headers=auth.headers("resident5")).get_json()["items"] == []


def test_problems_name_the_field(world, client, auth, neighbours):
    resident = auth.headers("resident1")
    bad = _post(client, "/api/v1/sharing/posts", resident, {"kind": "sell", "title": ""})
    assert bad.status_code == 422 and bad.mimetype == "application/problem+json"
    assert {"kind", "title"} <= set(bad.get_json()["errors"])
    db.session.add(BannedWord(word="发票"))
    db.session.commit()
    banned = _post(client, "/api/v1/sharing/posts", resident, {"kind": "give", "title": "代开发票"})
    assert banned.status_code == 422 and list(banned.get_json()["errors"]) == ["title"]
    post = _post(client, "/api/v1/sharing/posts", resident, {"kind": "lend", "title": "梯子"}).get_json()
    answer = _post(client, "/api/v1/sharing/exchanges", auth.headers("resident2"), {"post_id": post["id"],
                                                                                   "message": "借"}).get_json()
    late = _post(client, f"/api/v1/sharing/exchanges/{answer['id']}/actions/confirm", resident)
    assert late.status_code == 409 and late.mimetype == "application/problem+json"
    listed = _post(client, f"/api/v1/sharing/exchanges/{answer['id']}/actions/accept", resident, [1, 2])
    assert listed.status_code == 422 and listed.mimetype == "application/problem+json"
    unknown = _post(client, f"/api/v1/sharing/exchanges/{answer['id']}/actions/steal", resident)
    assert unknown.status_code == 404 and "action" in unknown.get_json()["errors"]
    wrong = _post(client, f"/api/v1/sharing/exchanges/{answer['id']}/actions/accept", auth.headers("resident2"))
    assert wrong.status_code == 403
    filtered = client.get("/api/v1/sharing/posts?kind=sell", headers=resident)
    assert filtered.status_code == 400 and "kind" in filtered.get_json()["errors"]
    patch = client.patch(f"/api/v1/sharing/posts/{post['id']}", json={"capacity": "many"}, headers=resident)
    assert patch.status_code == 422 and "capacity" in patch.get_json()["errors"]


def test_moderation_through_the_api_stays_with_staff(world, client, auth, neighbours):
    resident, staff = auth.headers("resident1"), auth.headers("staff1")
    post = _post(client, "/api/v1/sharing/posts", resident, {"kind": "give", "title": "旧沙发"}).get_json()
    reported = _post(client, f"/api/v1/sharing/posts/{post['id']}/report", auth.headers("resident2"),
                     {"reason": "像广告"})
    assert reported.status_code == 201 and "reason" not in reported.get_json()
    seen_by_staff = client.get(f"/api/v1/sharing/posts/{post['id']}", headers=staff).get_json()
    assert seen_by_staff["open_reports"] == 1 and seen_by_staff["hidden_reason"] is None
    assert "open_reports" not in client.get(f"/api/v1/sharing/posts/{post['id']}", headers=resident).get_json()
    assert _post(client, f"/api/v1/sharing/posts/{post['id']}/hide", resident, {"reason": "x"}).status_code == 403
    missing = _post(client, f"/api/v1/sharing/posts/{post['id']}/hide", staff, {})
    assert missing.status_code == 422 and "reason" in missing.get_json()["errors"]
    hidden = _post(client, f"/api/v1/sharing/posts/{post['id']}/hide", staff, {"reason": "商业广告"})
    assert hidden.status_code == 200 and hidden.get_json()["hidden_reason"] == "商业广告"
    assert client.get(f"/api/v1/sharing/posts/{post['id']}", headers=resident).status_code == 404
    assert client.get("/api/v1/sharing/posts", headers=resident).get_json()["items"] == []
    other = client.get(f"/api/v1/sharing/posts/{post['id']}", headers=auth.headers("staff2"))
    assert other.status_code == 404


def test_the_catalogue_a_resident_sees_is_their_communitys(world, client, auth, neighbours):
    from backend.sharing import moderation

    moderation.add_category(db.session, world.staff1, {"community_id": world.C1.id, "name": "工具"})
    moderation.add_category(db.session, world.staff2, {"community_id": world.C2.id, "name": "书籍"})
    db.session.commit()
    names = [c["name"] for c in client.get("/api/v1/sharing/categories",
                                           headers=auth.headers("resident1")).get_json()["items"]]
    assert names == ["工具"]
    peeked = client.get(f"/api/v1/sharing/categories?community_id={world.C2.id}", headers=auth.headers("resident1"))
    assert peeked.get_json()["items"] == []


def test_a_withdrawn_post_and_an_edit(world, client, auth, neighbours):
    resident = auth.headers("resident1")
    post = _post(client, "/api/v1/sharing/posts", resident, {"kind": "skill", "title": "书法课", "capacity": 5})
    post = post.get_json()
    edited = client.patch(f"/api/v1/sharing/posts/{post['id']}", json={"availability": "周六上午"}, headers=resident)
    assert edited.status_code == 200 and edited.get_json()["availability"] == "周六上午"
    refused = client.patch(f"/api/v1/sharing/posts/{post['id']}", json={"title": "x"}, headers=auth.headers("staff1"))
    assert refused.status_code == 403
    gone = _post(client, f"/api/v1/sharing/posts/{post['id']}/withdraw", resident)
    assert gone.status_code == 200 and gone.get_json()["status"] == "withdrawn"
