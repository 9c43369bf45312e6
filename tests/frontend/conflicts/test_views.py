"""Staff review and settle conflicts from offline edits."""

import re

from sqlalchemy import select

from backend.extensions import db
from backend.registry import services
from sync.models import Conflict


def make_conflict(world, device, ctx):
    """worker1 edits H1's head name offline while staff change it on the server."""
    phone = device("worker1")
    phone.pull()
    base = phone.get("households", world.H1.id)["version"]
    services.update_household(world.staff1, world.H1, {"head_name": "服务器改的"})
    db.session.commit()
    result = phone.push_raw([phone.mutation("households", "update", world.H1.id, {"head_name": "设备改的"},
                                            base_version=base, client_time="2000-01-01T00:00:00+08:00")])
    outcome = result.get_json()["results"][0]
    assert outcome["status"] == "conflict"
    return outcome["conflict_id"]


def csrf(client, path):
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


def test_staff_see_and_settle_a_conflict(world, device, ctx, client, auth):
    conflict_id = make_conflict(world, device, ctx)
    auth.login("staff1")
    page = client.get("/conflicts/", headers={"Accept-Language": "en"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f'id="conflict-{conflict_id}"' in html and "服务器改的" in html and "设备改的" in html
    # server won (device clock earlier): staff decide the device was right
    token = csrf(client, "/conflicts/")
    response = client.post(f"/conflicts/{conflict_id}/settle", data={"csrf_token": token, "keep-head_name": "client"},
                           headers={"HX-Request": "true", "X-CSRFToken": token})
    assert response.status_code == 200
    assert "<html" not in response.get_data(as_text=True)
    db.session.expire_all()
    assert world.H1.head_name == "设备改的"
    conflict = db.session.get(Conflict, conflict_id)
    assert conflict.status == "settled" and conflict.settled_by_id == world.staff1.id
    assert f'id="conflict-{conflict_id}"' not in client.get("/conflicts/").get_data(as_text=True)
    assert f'id="conflict-{conflict_id}"' in client.get("/conflicts/?status=settled").get_data(as_text=True)


def test_settled_changes_reach_the_device(world, device, ctx, client, auth):
    conflict_id = make_conflict(world, device, ctx)
    phone = device("worker1")
    phone.pull()
    auth.login("staff1")
    token = csrf(client, "/conflicts/")
    client.post(f"/conflicts/{conflict_id}/settle", data={"csrf_token": token, "keep-head_name": "client"})
    phone.pull()
    assert phone.get("households", world.H1.id)["head_name"] == "设备改的"


def test_others_cannot_see_or_settle(world, device, ctx, client, auth):
    conflict_id = make_conflict(world, device, ctx)
    auth.login("staff2")
    assert f"conflict-{conflict_id}" not in client.get("/conflicts/").get_data(as_text=True)
    token = csrf(client, "/conflicts/")
    assert client.post(f"/conflicts/{conflict_id}/settle", data={"csrf_token": token}).status_code == 404
    auth.logout()
    auth.login("worker1")
    assert client.get("/conflicts/").status_code == 404
    db.session.expire_all()
    assert db.session.scalar(select(Conflict.status)) == "open"


def test_invalid_choice_rerenders_with_a_message(world, device, ctx, client, auth):
    conflict_id = make_conflict(world, device, ctx)
    auth.login("staff1")
    token = csrf(client, "/conflicts/")
    response = client.post(f"/conflicts/{conflict_id}/settle", data={"csrf_token": token, "keep-head_name": "both"},
                           headers={"HX-Request": "true", "X-CSRFToken": token, "Accept-Language": "en"})
    assert response.status_code == 422
    assert "Choose which value to keep." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Conflict, conflict_id).status == "open"


def test_without_javascript_a_mistake_shows_the_whole_page_and_a_settlement_goes_back_to_the_list(
        world, device, ctx, client, auth):
    conflict_id = make_conflict(world, device, ctx)
    auth.login("staff1")
    token = csrf(client, "/conflicts/")
    english = {"Accept-Language": "en"}
    response = client.post(f"/conflicts/{conflict_id}/settle", data={"csrf_token": token, "keep-head_name": ""},
                           headers=english)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "<html" in html
    assert "Choose which value to keep." in html and f'id="conflict-{conflict_id}"' in html
    response = client.post(f"/conflicts/{conflict_id}/settle", data={"csrf_token": token, "keep-head_name": "server"},
                           headers=english)
    assert response.status_code == 302 and response.headers["Location"] == "/conflicts/"
    assert "The conflict is settled." in client.get("/conflicts/", headers=english).get_data(as_text=True)
    db.session.expire_all()
    assert world.H1.head_name == "服务器改的"  # the server's value kept


def test_an_unknown_state_lists_the_open_conflicts(world, device, ctx, client, auth):
    conflict_id = make_conflict(world, device, ctx)
    auth.login("staff1")
    html = client.get("/conflicts/", query_string={"status": "everything"}).get_data(as_text=True)
    assert f'id="conflict-{conflict_id}"' in html
    token = csrf(client, "/conflicts/")
    client.post(f"/conflicts/{conflict_id}/settle", data={"csrf_token": token, "keep-head_name": "server"})
    html = client.get("/conflicts/", query_string={"status": "everything"}).get_data(as_text=True)
    assert f'id="conflict-{conflict_id}"' not in html
    assert f'id="conflict-{conflict_id}"' in client.get("/conflicts/?status=all").get_data(as_text=True)


def test_a_birth_date_conflict_shows_years_to_those_who_may_not_reveal(world, device, ctx, client, auth):
    """Beside a masked ID number a full birth date rebuilds it: street officers see the years."""
    phone = device("worker1")
    phone.pull()
    base = phone.get("residents", world.R1.id)["version"]
    services.update_resident(world.staff1, world.R1, {"birth_date": "1940-03-15"})
    db.session.commit()
    result = phone.push_raw([phone.mutation("residents", "update", world.R1.id, {"birth_date": "1941-07-20"},
                                            base_version=base)])
    assert result.get_json()["results"][0]["status"] == "conflict"
    auth.login("street1")
    html = client.get("/conflicts/").get_data(as_text=True)
    assert "1940" in html and "1941" in html
    assert "1940-03-15" not in html and "1941-07-20" not in html
    auth.logout()
    auth.login("staff1")
    html = client.get("/conflicts/").get_data(as_text=True)
    assert "1940-03-15" in html and "1941-07-20" in html
