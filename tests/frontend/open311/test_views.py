"""Staff issue Open311 keys (shown once), revoke them, within their area."""

import hashlib
import re

from sqlalchemy import select

from backend.audit.models import AuditEntry
from backend.extensions import db
from backend.open311.models import Open311Key

KEY = re.compile(r"data-new-key>(o311_[A-Za-z0-9_\-]+)<")


def csrf(client, path="/open311-keys/"):
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


def issue(client, node_id, name="区热线", token=None):
    return client.post("/open311-keys/", data={"name": name, "node_id": node_id,
                                               "csrf_token": token or csrf(client)})


def test_issue_a_key_shown_once_that_works(world, client, auth):
    auth.login("staff1")
    page = client.get("/open311-keys/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Open311" in html and "签发" in html  # Chinese first
    assert f'value="{world.C1.id}"' in html and f'value="{world.C2.id}"' not in html

    response = issue(client, world.C1.id)
    assert response.status_code == 201 and response.headers["Cache-Control"] == "no-store"
    plain = KEY.search(response.get_data(as_text=True)).group(1)
    record = db.session.scalar(select(Open311Key))
    assert record.key_hash == hashlib.sha256(plain.encode()).hexdigest() and record.name == "区热线"
    assert record.node_id == world.C1.id and record.created_by_id == world.staff1.id
    assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.target_id == record.id)) == \
        "issue_open311_key"
    # Shown once: the list shows the key's name, never the key again.
    again = client.get("/open311-keys/").get_data(as_text=True)
    assert plain not in again and "区热线" in again
    # It works.
    answer = client.get("/open311/v2/requests.json", query_string={"api_key": plain})
    assert answer.status_code == 200 and answer.get_json() == []


def test_the_form_re_renders_with_messages(world, client, auth):
    auth.login("staff1")
    token = csrf(client)
    response = issue(client, world.C1.id, name="  ", token=token)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="e-name"' in html
    response = issue(client, world.C2.id, name="别的社区", token=token)  # not staff1's community
    assert response.status_code == 422 and 'id="e-node_id"' in response.get_data(as_text=True)
    assert 'value="别的社区"' in response.get_data(as_text=True)
    response = issue(client, world.G1.id, name="网格", token=token)  # a grid is no key area
    assert response.status_code == 422
    assert db.session.scalar(select(Open311Key)) is None
    assert client.post("/open311-keys/", data={"name": "x", "node_id": world.C1.id}).status_code == 400  # CSRF


def test_revoke(world, client, auth):
    auth.login("staff1")
    plain = KEY.search(issue(client, world.C1.id).get_data(as_text=True)).group(1)
    record = db.session.scalar(select(Open311Key))
    response = client.post(f"/open311-keys/{record.id}/revoke", data={"csrf_token": csrf(client)},
                           headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<div id="open311-keys">')  # the htmx fragment
    db.session.remove()
    assert db.session.get(Open311Key, record.id).revoked_at is not None
    answer = client.get("/open311/v2/requests.xml", query_string={"api_key": plain})
    assert answer.status_code == 403 and b"<errors><error><code>403</code>" in answer.get_data()


def test_scope_staff_of_another_community(world, client, auth, app):
    s1, s2, c1 = world.S1.id, world.S2.id, world.C1.id
    auth.login("staff1")
    issue(client, c1)
    record_id = db.session.scalar(select(Open311Key.id))
    auth.logout()

    auth.login("staff2")
    html = client.get("/open311-keys/").get_data(as_text=True)
    assert "区热线" not in html and record_id not in html
    assert client.post(f"/open311-keys/{record_id}/revoke", data={"csrf_token": csrf(client)}).status_code == 404
    db.session.remove()
    assert db.session.get(Open311Key, record_id).revoked_at is None
    auth.logout()

    # The street officer above both communities sees it and may revoke it; may issue for the street.
    auth.login("street1")
    html = client.get("/open311-keys/").get_data(as_text=True)
    assert "区热线" in html and f'value="{s1}"' in html and f'value="{s2}"' not in html
    assert f"<code>{c1}</code>" in html  # the jurisdiction_id a street key names
    response = issue(client, s1, name="街道平台")
    assert response.status_code == 201
    auth.logout()

    # Workers, residents: no key page.
    for username in ("worker1", "resident1", "station1"):
        other = app.test_client()
        from tests.conftest import Auth

        Auth(other).login(username)
        assert other.get("/open311-keys/").status_code == 403, username
        assert other.post(f"/open311-keys/{record_id}/revoke", data={}).status_code in (400, 403), username


def test_signed_out_goes_to_sign_in(world, client):
    response = client.get("/open311-keys/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in?next=")


def test_one_possible_area_is_chosen_and_several_are_left_to_choose(world, client, auth):
    auth.login("staff1")  # one community: chosen for them, named with its kind
    html = client.get("/open311-keys/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert re.search(rf'<option value="{world.C1.id}" selected>幸福社区 · Community</option>', html)
    auth.logout()
    auth.login("street1")  # the street and its communities: none chosen
    html = client.get("/open311-keys/").get_data(as_text=True)
    choices = html.split('id="f-node_id"', 1)[1].split("</select>", 1)[0]
    assert f'value="{world.S1.id}"' in choices and f'value="{world.C2.id}"' in choices
    assert " selected>" not in choices
