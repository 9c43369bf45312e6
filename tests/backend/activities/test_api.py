"""The JSON API of activities: staff make and publish the menu, residents sign up (and a household
member), the waitlist and offers, the door checks in (a repeat answers the same check-in), staff
cancel with everyone told; problem+json naming the field; residents see only their own."""

from datetime import timedelta

from backend.activities.models import Activity
from backend.extensions import db
from tests.backend.activities.conftest import START, make_activity
from tests.factories import UserFactory
from tests.timing import aware


def _post(client, path, headers, body=None):
    return client.post(path, json=body if body is not None else {}, headers=headers)


def _menu(client, staff, world, **extra):
    body = {"community_id": world.C1.id, "title": "一碗腊八粥", "capacity": 1,
            "starts_at": aware(START).isoformat(), "ends_at": aware(START + timedelta(hours=2)).isoformat()} | extra
    created = _post(client, "/api/v1/activities", staff, body)
    assert created.status_code == 201, created.get_json()
    return created.get_json()


def test_menu_signups_waitlist_offer_checkin_and_rating(world, client, auth):
    UserFactory(username="resident2", role="resident", home=world.H2)
    db.session.commit()
    staff, mine, theirs = auth.headers("staff1"), auth.headers("resident1"), auth.headers("resident2")
    activity = _menu(client, staff, world)
    assert activity["status"] == "draft"
    assert client.get(f"/api/v1/activities/{activity['id']}", headers=mine).status_code == 404
    assert _post(client, f"/api/v1/activities/{activity['id']}/publish", staff).status_code == 200
    first = _post(client, "/api/v1/activities/signups", mine, {"activity_id": activity["id"],
                                                                "resident_id": world.R1b.id})
    assert first.status_code == 201 and first.get_json()["status"] == "confirmed"
    second = _post(client, "/api/v1/activities/signups", theirs, {"activity_id": activity["id"]}).get_json()
    assert second["status"] == "waitlisted" and second["position"] == 1
    listed = client.get(f"/api/v1/activities/{activity['id']}/signups", headers=theirs).get_json()["items"]
    assert [s["id"] for s in listed] == [second["id"]]
    assert len(client.get(f"/api/v1/activities/{activity['id']}/signups", headers=staff).get_json()["items"]) == 2
    cancelled = _post(client, f"/api/v1/activities/signups/{first.get_json()['id']}/actions/cancel", mine)
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"
    offered = client.get(f"/api/v1/activities/signups/{second['id']}", headers=theirs).get_json()
    assert offered["status"] == "offered" and offered["actions"] == ["cancel", "confirm", "decline"]
    taken = _post(client, f"/api/v1/activities/signups/{second['id']}/actions/confirm", theirs).get_json()
    assert taken["status"] == "confirmed"
    door = auth.headers("worker1")
    at = aware(START + timedelta(minutes=5)).isoformat()
    checked = _post(client, "/api/v1/activities/checkins", door, {"activity_id": activity["id"], "code": taken["code"],
                                                                 "at": at, "offline": True})
    assert checked.status_code == 201 and checked.get_json()["duplicate"] is False
    again = _post(client, "/api/v1/activities/checkins", auth.headers("worker2"),
                  {"activity_id": activity["id"], "signup_id": taken["id"], "at": at})
    assert again.status_code == 200 and again.get_json()["id"] == checked.get_json()["id"]
    rated = _post(client, f"/api/v1/activities/signups/{second['id']}/actions/rate", theirs,
                  {"score": 5, "comment": "好吃"})
    assert rated.status_code == 200 and rated.get_json()["score"] == 5


def test_staff_cancel_tells_everyone(world, client, auth):
    activity = make_activity(world)
    staff, mine = auth.headers("staff1"), auth.headers("resident1")
    signup = _post(client, "/api/v1/activities/signups", mine, {"activity_id": activity.id}).get_json()
    bad = _post(client, f"/api/v1/activities/{activity.id}/cancel", staff, {})
    assert bad.status_code == 422 and "reason" in bad.get_json()["errors"]
    assert _post(client, f"/api/v1/activities/{activity.id}/cancel", mine, {"reason": "x"}).status_code == 403
    done = _post(client, f"/api/v1/activities/{activity.id}/cancel", staff, {"reason": "天气原因"})
    assert done.status_code == 200 and done.get_json()["status"] == "cancelled"
    told = client.get(f"/api/v1/activities/signups/{signup['id']}", headers=mine).get_json()
    assert told["status"] == "cancelled" and "天气原因" in told["notice"]


def test_problems_name_the_field(world, client, auth):
    staff = auth.headers("staff1")
    bad = _post(client, "/api/v1/activities", staff, {"community_id": world.C1.id, "title": "",
                                                      "starts_at": "soon", "capacity": 0})
    assert bad.status_code == 422 and bad.mimetype == "application/problem+json"
    assert {"title", "starts_at", "ends_at", "capacity"} <= set(bad.get_json()["errors"])
    backwards = _post(client, "/api/v1/activities", staff, {
        "community_id": world.C1.id, "title": "x", "starts_at": aware(START).isoformat(),
        "ends_at": aware(START - timedelta(hours=1)).isoformat()})
    assert backwards.status_code == 422 and "ends_at" in backwards.get_json()["errors"]
    other = _post(client, "/api/v1/activities", auth.headers("staff2"), {
        "community_id": world.C1.id, "title": "x", "starts_at": aware(START).isoformat(),
        "ends_at": aware(START + timedelta(hours=1)).isoformat()})
    assert other.status_code == 403
    activity = make_activity(world)
    resident = auth.headers("resident1")
    unknown = _post(client, "/api/v1/activities/signups", resident, {"activity_id": "nope"})
    assert unknown.status_code == 422 and "activity_id" in unknown.get_json()["errors"]
    wrong = _post(client, "/api/v1/activities/signups", resident, {"activity_id": activity.id, "role": "chef"})
    assert wrong.status_code == 422 and "role" in wrong.get_json()["errors"]
    assert _post(client, "/api/v1/activities/signups/x/actions/fly", resident).status_code == 404
    assert client.get("/api/v1/activities?month=2026-13", headers=resident).status_code == 400
    assert client.get("/api/v1/activities?status=odd", headers=resident).status_code == 400
    assert db.session.get(Activity, activity.id).confirmed_count == 0


def test_residents_list_their_communitys_published_month(world, client, auth):
    published = make_activity(world)
    make_activity(world, publish=False)
    make_activity(world, community_id=world.C2.id, staff=world.staff2)
    month = START.strftime("%Y-%m")
    mine = client.get(f"/api/v1/activities?month={month}", headers=auth.headers("resident1")).get_json()
    assert [a["id"] for a in mine["items"]] == [published.id]
    staff = client.get(f"/api/v1/activities?month={month}", headers=auth.headers("staff1")).get_json()
    assert len(staff["items"]) == 2
