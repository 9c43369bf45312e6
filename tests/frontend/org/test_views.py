"""The tree's management pages through the real client, with CSRF on."""

import re

import pytest
from sqlalchemy import select

from backend.extensions import db
from backend.org.models import Node
from backend.registry.models import Household
from tests.factories import node

HX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def _english(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


def _token(auth, path):
    return auth.csrf_token(path)


def _post(client, auth, path, data, page=None, htmx=False):
    token = _token(auth, page or path)
    headers = {**HX, "X-CSRFToken": token} if htmx else {}
    return client.post(path, data={**data, "csrf_token": token}, headers=headers)


def _node(name) -> Node:
    db.session.expire_all()
    return db.session.scalar(select(Node).where(Node.name == name))


def test_staff_sees_own_community_and_its_grids_but_not_another(world, auth, client):
    auth.login("staff1")
    start = client.get("/org/").get_data(as_text=True)
    assert "幸福社区" in start and "和平社区" not in start

    page = client.get(f"/org/{world.C1.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "第一网格" in html and "第二网格" in html and "和平一网格" not in html
    # Breadcrumbs link the ancestors the user may read.
    assert f'href="/org/{world.S1.id}"' in html and f'href="/org/{world.D.id}"' in html
    # Counts of live households and residents under the community (H1 with 2, H2 with 1).
    assert re.search(r"<dt>Households</dt><dd>2</dd>", html)
    assert re.search(r"<dt>Residents</dt><dd>3</dd>", html)
    assert f"/registry/households?under={world.C1.id}" in html

    assert client.get(f"/org/{world.C2.id}").status_code == 404
    assert client.get(f"/org/{world.G5.id}").status_code == 404
    assert client.get(f"/org/{world.C2.id}/edit").status_code == 404
    assert _post(client, auth, f"/org/{world.G5.id}/retire", {}, page="/org/").status_code == 404
    assert client.get("/org/no-such-node").status_code == 404


def test_admin_starts_from_the_districts(world, auth, client):
    auth.login("admin")
    html = client.get("/org/").get_data(as_text=True)
    assert f'href="/org/{world.D.id}"' in html
    assert "/org/new?kind=district" in html


def test_staff_creates_a_grid_and_a_building(world, auth, client):
    auth.login("staff1")
    form = client.get(f"/org/{world.C1.id}/new?kind=grid", headers=HX).get_data(as_text=True)
    # Only kinds community staff may create in an urban community: a grid (no rural station there).
    assert re.findall(r'<option value="(\w+)"', form) == ["grid"]

    response = _post(client, auth, f"/org/{world.C1.id}/new",
                     {"kind": "grid", "name": "第三网格", "code": "G09", "address": "", "notes": ""})
    assert response.status_code == 302
    grid = _node("第三网格")
    assert grid.parent_id == world.C1.id and grid.code == "G09" and grid.path == world.C1.path + grid.id + "/"
    assert response.headers["Location"].endswith(f"/org/{grid.id}")

    response = _post(client, auth, f"/org/{grid.id}/new", {"kind": "building", "name": "9号楼"})
    assert response.status_code == 302
    building = _node("9号楼")
    assert building.parent_id == grid.id and building.kind == "building"
    assert "9号楼" in client.get(f"/org/{grid.id}").get_data(as_text=True)


def test_staff_cannot_create_a_street_or_under_another_community(world, auth, client):
    auth.login("staff1")
    response = _post(client, auth, f"/org/{world.C1.id}/new", {"kind": "community", "name": "X",
                                                               "community_kind": "urban"})
    assert response.status_code == 422
    assert "You cannot add this kind of place here." in response.get_data(as_text=True)
    assert _node("X") is None
    # The street is readable (an ancestor) but nothing may be created there by staff.
    assert client.get(f"/org/{world.S1.id}/new?kind=community").status_code == 403
    assert _post(client, auth, f"/org/{world.C2.id}/new", {"kind": "grid", "name": "Y"},
                 page="/org/").status_code == 404


def test_street_officer_creates_a_community(world, auth, client):
    auth.login("street1")
    response = _post(client, auth, f"/org/{world.S1.id}/new",
                     {"kind": "community", "name": "光明社区", "community_kind": "urban", "code": "C09"})
    assert response.status_code == 302
    community = _node("光明社区")
    assert community.kind == "community" and community.community_kind == "urban"
    assert community.parent_id == world.S1.id and community.invite_code


def test_staff_edits_a_grid_in_place_and_without_javascript(world, auth, client):
    auth.login("staff1")
    fragment = client.get(f"/org/{world.G1.id}/edit", headers=HX)
    html = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in html
    assert 'id="node-head"' in html and 'value="第一网格"' in html

    response = _post(client, auth, f"/org/{world.G1.id}/edit",
                     {"name": "第一网格（东）", "code": "G01E", "address": "幸福小区东区", "notes": "楼长：王"},
                     page=f"/org/{world.G1.id}", htmx=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert 'id="node-head"' in html and "第一网格（东）" in html and "G01E" in html
    grid = _node("第一网格（东）")
    assert grid.id == world.G1.id and grid.address == "幸福小区东区" and grid.notes == "楼长：王"

    # A plain form post redirects back to the node page.
    response = _post(client, auth, f"/org/{world.G1.id}/edit", {"name": "第一网格", "code": "G01"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/org/{world.G1.id}")
    assert _node("第一网格").code == "G01" and _node("第一网格").address is None


def test_invalid_input_rerenders_the_form_with_messages(world, auth, client):
    auth.login("staff1")
    response = _post(client, auth, f"/org/{world.G1.id}/edit", {"name": "  ", "code": "G01"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<html" in html
    assert re.search(r'id="e-name"[^>]*>Required\.</p>', html)
    assert _node("第一网格") is not None

    response = _post(client, auth, f"/org/{world.G1.id}/edit", {"name": "", "code": "x" * 40},
                     page=f"/org/{world.G1.id}", htmx=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "<html" not in html
    assert 'id="e-name"' in html and 'id="e-code"' in html and "At most 32 characters." in html

    response = _post(client, auth, f"/org/{world.C1.id}/new", {"kind": "grid", "name": ""})
    assert response.status_code == 422
    assert re.search(r'id="e-name"[^>]*>Required\.</p>', response.get_data(as_text=True))


def test_staff_moves_a_building_between_its_grids(world, auth, client):
    auth.login("staff1")
    _post(client, auth, f"/org/{world.G1.id}/new", {"kind": "building", "name": "7号楼"})
    building = _node("7号楼")
    form = client.get(f"/org/{building.id}/move", headers=HX).get_data(as_text=True)
    options = re.findall(r'<option value="([^"]+)"', form)
    # Other grids of the community only: not the current one, not another community's.
    assert world.G2.id in options and world.G1.id not in options and world.G5.id not in options

    narrowed = client.get(f"/org/{building.id}/move?q=G02", headers=HX).get_data(as_text=True)
    assert "<html" not in narrowed and world.G2.id in narrowed

    response = _post(client, auth, f"/org/{building.id}/move", {"parent_id": world.G2.id})
    assert response.status_code == 302
    moved = _node("7号楼")
    assert moved.parent_id == world.G2.id and moved.path == world.G2.path + moved.id + "/"

    # Moving into another community's grid is refused; an empty choice re-renders with a message.
    assert _post(client, auth, f"/org/{building.id}/move", {"parent_id": world.G5.id}).status_code == 403
    response = _post(client, auth, f"/org/{building.id}/move", {"parent_id": ""})
    assert response.status_code == 422 and "Choose where to move it." in response.get_data(as_text=True)
    assert _node("7号楼").parent_id == world.G2.id


def test_moving_a_building_takes_its_households_along(world, auth, client):
    auth.login("staff1")
    response = _post(client, auth, f"/org/{world.B1.id}/move", {"parent_id": world.G2.id})
    assert response.status_code == 302
    db.session.expire_all()
    household = db.session.get(Household, world.H1.id)
    assert household.building_id == world.B1.id and household.grid_id == world.G2.id


def test_retire_and_restore_a_grid(world, auth, client):
    auth.login("staff1")
    _post(client, auth, f"/org/{world.C1.id}/new", {"kind": "grid", "name": "空网格"})
    grid = _node("空网格")

    response = _post(client, auth, f"/org/{grid.id}/retire", {})
    assert response.status_code == 302
    assert _node("空网格").retired_at is not None
    community = client.get(f"/org/{world.C1.id}").get_data(as_text=True)
    assert "空网格" not in community
    assert "空网格" in client.get(f"/org/{world.C1.id}?retired=1").get_data(as_text=True)
    retired_page = client.get(f"/org/{grid.id}").get_data(as_text=True)
    assert "Restore" in retired_page and f"/org/{grid.id}/edit" not in retired_page

    response = _post(client, auth, f"/org/{grid.id}/restore", {})
    assert response.status_code == 302
    assert _node("空网格").retired_at is None

    # A grid with households cannot be retired; the page says why.
    response = _post(client, auth, f"/org/{world.G1.id}/retire", {})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Move or retire what is under it first (1 nodes, 1 households)." in html
    assert _node("第一网格").retired_at is None


def test_grid_worker_reads_but_cannot_change(world, auth, client):
    auth.login("worker1")
    page = client.get(f"/org/{world.G1.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "第一网格" in html
    assert f"/org/{world.G1.id}/edit" not in html and f"/org/{world.G1.id}/new" not in html
    assert f"/org/{world.G1.id}/retire" not in html and f"/org/{world.G1.id}/move" not in html
    assert client.get(f"/org/{world.G1.id}/edit").status_code == 403
    assert client.get(f"/org/{world.G1.id}/new?kind=building").status_code == 403
    assert client.get(f"/org/{world.G2.id}").status_code == 404

    response = _post(client, auth, f"/org/{world.G1.id}/edit", {"name": "改名"}, page=f"/org/{world.G1.id}")
    assert response.status_code == 403
    assert _post(client, auth, f"/org/{world.G1.id}/retire", {}, page=f"/org/{world.G1.id}").status_code == 403
    assert _node("第一网格") is not None and _node("第一网格").retired_at is None


def test_post_without_csrf_token_is_refused(world, auth, client):
    auth.login("staff1")
    response = client.post(f"/org/{world.G1.id}/edit", data={"name": "无令牌"})
    assert response.status_code == 400
    response = client.post(f"/org/{world.G1.id}/edit", data={"name": "无令牌"}, headers=HX)
    assert response.status_code == 400
    assert _node("无令牌") is None


def test_htmx_gets_fragments_and_plain_requests_full_pages(world, auth, client):
    auth.login("staff1")
    full = client.get(f"/org/{world.C1.id}")
    assert "<html" in full.get_data(as_text=True) and "HX-Request" in full.headers.get("Vary", "")
    fragment = client.get(f"/org/{world.C1.id}?retired=1", headers=HX)
    html = fragment.get_data(as_text=True)
    assert "<html" not in html and "第一网格" in html and 'name="retired"' in html
    # A boosted navigation is a whole page.
    boosted = client.get(f"/org/{world.C1.id}", headers={**HX, "HX-Boosted": "true"})
    assert "<html" in boosted.get_data(as_text=True)
    # htmx reloading a pushed URL missing from its history cache needs the whole page too.
    restored = client.get(f"/org/{world.C1.id}?retired=1", headers={**HX, "HX-History-Restore-Request": "true"})
    assert "<html" in restored.get_data(as_text=True)


def test_search_finds_a_grid_by_code_within_scope(world, auth, client):
    auth.login("staff1")
    html = client.get("/org/?q=G02").get_data(as_text=True)
    assert "第二网格" in html and "第一网格" not in html
    # Another community's grid stays hidden.
    assert "和平一网格" not in client.get("/org/?q=G05").get_data(as_text=True)

    fragment = client.get("/org/?q=网格&kind=grid", headers=HX).get_data(as_text=True)
    assert "<html" not in fragment and "第一网格" in fragment and "第二网格" in fragment
    assert "幸福社区</a>" not in fragment
    assert "Nothing found." in client.get("/org/?q=zzz", headers=HX).get_data(as_text=True)


def test_staff_sees_and_regenerates_the_invitation_code(world, auth, client):
    auth.login("staff1")
    old = world.C1.invite_code
    html = client.get(f"/org/{world.C1.id}").get_data(as_text=True)
    assert old in html and f"/register?code={old}" in html

    response = _post(client, auth, f"/org/{world.C1.id}/invite-code", {}, htmx=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html and 'id="invite"' in html
    new = _node("幸福社区").invite_code
    assert new and new != old and new in html and old not in html

    response = _post(client, auth, f"/org/{world.C1.id}/invite-code", {})
    assert response.status_code == 302 and _node("幸福社区").invite_code != new


def test_invitation_code_is_hidden_from_those_who_cannot_change_the_community(world, auth, client):
    auth.login("worker1")
    html = client.get(f"/org/{world.C1.id}").get_data(as_text=True)
    assert world.C1.invite_code not in html
    assert _post(client, auth, f"/org/{world.C1.id}/invite-code", {}, page="/org/").status_code == 403
    assert _node("幸福社区").invite_code == world.C1.invite_code


def test_default_language_page_renders(world, auth, client):
    client.environ_base.pop("HTTP_ACCEPT_LANGUAGE", None)
    auth.login("staff1")
    response = client.get(f"/org/{world.C1.id}")
    assert response.status_code == 200 and '<html lang="zh-Hans">' in response.get_data(as_text=True)


def test_street_officer_moves_a_grid_to_another_community_with_its_households(world, auth, client):
    auth.login("street1")
    response = _post(client, auth, f"/org/{world.G2.id}/move", {"parent_id": world.C2.id})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Node, world.G2.id).path == world.C2.path + world.G2.id + "/"
    assert db.session.get(Household, world.H2.id).community_id == world.C2.id
    # A community cannot move under itself or outside the officer's street.
    assert _post(client, auth, f"/org/{world.C1.id}/move", {"parent_id": world.S2.id}).status_code == 403


def test_rural_station_only_under_a_village_or_street(world, auth, client):
    auth.login("street2")
    assert "new?kind=station" in client.get(f"/org/{world.V1.id}").get_data(as_text=True)
    response = _post(client, auth, f"/org/{world.S2.id}/new", {"kind": "station", "name": "西街道服务站"})
    assert response.status_code == 302 and _node("西街道服务站").parent_id == world.S2.id
    _post(client, auth, "/sign-out", {}, page="/org/")
    auth.login("street1")
    assert "new?kind=station" not in client.get(f"/org/{world.C1.id}").get_data(as_text=True)
    response = _post(client, auth, f"/org/{world.C1.id}/new", {"kind": "station", "name": "城市站"})
    assert response.status_code == 422 and _node("城市站") is None


def test_admin_adds_a_district(world, auth, client):
    auth.login("admin")
    response = _post(client, auth, "/org/new", {"kind": "district", "name": "新区"}, page="/org/")
    assert response.status_code == 302
    district = _node("新区")
    assert district.parent_id is None and district.path == f"/{district.id}/"
    _post(client, auth, "/sign-out", {}, page="/org/")
    auth.login("street1")
    assert client.get("/org/new").status_code == 403


def test_a_long_list_of_children_is_paged(world, auth, client):
    for number in range(52):
        node("building", f"楼栋{number:02d}", world.G2)
    db.session.commit()
    auth.login("staff1")

    def shown(query):
        html = client.get(f"/org/{world.G2.id}{query}", headers=HX).get_data(as_text=True)
        return set(re.findall(r"楼栋(\d\d)", html))

    first, second = shown(""), shown("?page=2")
    assert len(first) == 50 and second == {"50", "51"}  # by name, fifty a page
    assert shown("?page=99") == second  # past the end: the last page
    assert shown("?page=nonsense") == first


def test_nothing_is_created_under_a_retired_node(world, auth, client):
    auth.login("staff1")
    _post(client, auth, f"/org/{world.C1.id}/new", {"kind": "grid", "name": "将撤网格"})
    grid = _node("将撤网格")
    live = client.get(f"/org/{grid.id}").get_data(as_text=True)
    assert f"/org/{grid.id}/new?kind=building" in live
    _post(client, auth, f"/org/{grid.id}/retire", {})
    assert f"/org/{grid.id}/new" not in client.get(f"/org/{grid.id}").get_data(as_text=True)
