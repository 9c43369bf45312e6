"""The field-work pages: visits and patrol reports arriving with their photos
(served through a session route in scope, metadata stripped), coverage,
overdue tasks per worker, the visit rules page; who may see them."""

import hashlib
import io
import re
from datetime import datetime, time, timedelta

import pytest
from PIL import Image
from sqlalchemy import select

from backend.common import new_id
from backend.extensions import db
from backend.fieldwork.patrols import services as patrols
from backend.fieldwork.visits import reports, services
from backend.fieldwork.visits.models import VisitTask
from sync.attachments import strip_metadata
from tests.factories import household, node, resident

EN = {"Accept-Language": "en"}
HTMX = {"HX-Request": "true", "Accept-Language": "en"}


def jpeg(color) -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: (39.0, 54.0, 0.0), 3: "E", 4: (116.0, 23.0, 0.0)}
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), color).save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def sha(data):
    return hashlib.sha256(data).hexdigest()


def moment(day, hour=10):
    return datetime.combine(day, time(hour), services._zone()).isoformat()


def csrf(client, path):
    html = client.get(path, headers=EN).get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


@pytest.fixture
def today(ctx):
    return services.local_today()


@pytest.fixture
def field(world, device, client, today):
    """Visits in C1 (one with a landed photo, one with a photo still on the phone),
    one in C2, patrol reports in G1 and the village's G3."""
    landed, pending, patrol_photo = jpeg((200, 0, 0)), jpeg((0, 200, 0)), jpeg((0, 0, 200))
    made = {
        "v1": services.record_visit(world.worker1, new_id(), {
            "household_id": world.H1.id, "visited_at": moment(today - timedelta(days=2)),
            "notes": "血压偏高，已提醒复诊",
            "findings": ["health_concern"], "follow_up": True, "photos": [sha(landed)],
            "location": {"lat": 39.9042, "lng": 116.4074, "accuracy": 12}}).id,
        "v2": services.record_visit(world.worker2, new_id(), {
            "household_id": world.H2.id, "visited_at": moment(today - timedelta(days=1)), "notes": "一切正常",
            "findings": ["all_well"], "photos": [sha(pending)]}).id,
        "v5": services.record_visit(world.staff2, new_id(), {
            "household_id": world.H5.id, "visited_at": moment(today), "notes": "和平社区的走访"}).id,
        "p1": patrols.report(world.worker1, new_id(), {
            "grid_id": world.G1.id, "category": "street_stall", "description": "小区门口占道经营",
            "reported_at": moment(today), "photos": [sha(patrol_photo)]}).id,
        "p3": patrols.report(world.station1, new_id(), {
            "grid_id": world.G3.id, "category": "repair", "description": "村道路灯损坏",
            "reported_at": moment(today)}).id,
    }
    db.session.commit()
    phone = device("worker1")
    for data in (landed, patrol_photo):
        response = client.put(f"/api/v1/attachments/{sha(data)}", data=data, content_type="image/jpeg",
                              headers=phone.headers)
        assert response.status_code == 201
    return made, {"landed": landed, "pending": pending, "patrol": patrol_photo}


def test_staff_see_the_visits_of_their_community_with_photos(field, world, client, auth):
    made, photos = field
    auth.login("staff1")
    response = client.get("/fieldwork/visits", headers=EN)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" in html
    assert f'id="visit-{made["v1"]}"' in html and f'id="visit-{made["v2"]}"' in html
    assert made["v5"] not in html and "和平社区的走访" not in html  # another community
    assert html.index(made["v2"]) < html.index(made["v1"])  # newest first
    assert "血压偏高" in html and "Health concern" in html and "Follow-up needed" in html
    assert "39.90420, 116.40740" in html
    assert f'src="/fieldwork/photos/{sha(photos["landed"])}"' in html
    assert "Photo pending" in html and f'src="/fieldwork/photos/{sha(photos["pending"])}"' not in html
    assert 'href="/fieldwork/visits"' in html and "Field work" in html  # the nav link


@pytest.mark.parametrize(("query", "expected"), [
    ({"follow_up": "1"}, {"v1"}),
    ({"worker": "worker2"}, {"v2"}),
    ({"grid": "G1"}, {"v1"}),
    ({"from": 0, "to": 0}, set()),
    ({"from": -1}, {"v2"}),
    ({"to": -2}, {"v1"}),
])
def test_visit_filters(field, world, client, auth, today, query, expected):
    made, _photos = field
    args = {}
    for key, value in query.items():
        if key == "worker":
            value = world.users[value].id
        elif key == "grid":
            value = world.nodes[value].id
        elif key in ("from", "to"):
            value = (today + timedelta(days=value)).isoformat()
        args[key] = value
    auth.login("staff1")
    response = client.get("/fieldwork/visits", query_string=args, headers=HTMX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html  # the fragment for htmx
    assert {key for key in ("v1", "v2", "v5") if made[key] in html} == expected


def test_the_photo_route_serves_in_scope_and_strips_metadata(field, client, auth):
    _made, photos = field
    url = f"/fieldwork/photos/{sha(photos['landed'])}"
    auth.login("staff1")
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    assert response.data == strip_metadata(photos["landed"], "image/jpeg")
    assert b"Exif" not in response.data and b"PhoneMaker" not in response.data
    assert Image.open(io.BytesIO(response.data)).size == (40, 30)
    assert client.get(f"/fieldwork/photos/{sha(photos['pending'])}").status_code == 404  # not uploaded yet
    assert client.get("/fieldwork/photos/not-a-hash").status_code == 404
    auth.logout()
    auth.login("street1")  # the street above: in scope
    assert client.get(url).status_code == 200
    auth.logout()
    auth.login("staff2")  # another community
    assert client.get(url).status_code == 404
    never = "0" * 64

    def page(path, name):  # the page less its CSRF token and the name asked for
        body = client.get(path).get_data(as_text=True).replace(name, "NAME")
        return re.sub(r'name="csrf-token" content="[^"]+"', "", body)

    assert page(url, sha(photos["landed"])) == page(f"/fieldwork/photos/{never}", never)  # as if it did not exist
    assert client.get(f"/fieldwork/photos/{sha(photos['patrol'])}").status_code == 404


def test_patrol_reports_arrive_with_photos_and_filters(field, world, client, auth):
    made, photos = field
    auth.login("staff1")
    html = client.get("/fieldwork/patrols", headers=EN).get_data(as_text=True)
    assert made["p1"] in html and "小区门口占道经营" in html and "Street stall" in html
    assert f'src="/fieldwork/photos/{sha(photos["patrol"])}"' in html
    assert made["p3"] not in html  # the village is not staff1's
    html = client.get("/fieldwork/patrols", query_string={"category": "repair"}, headers=HTMX).get_data(as_text=True)
    assert made["p1"] not in html and "No patrol reports match." in html
    html = client.get("/fieldwork/patrols", query_string={"grid": world.G2.id}, headers=HTMX).get_data(as_text=True)
    assert made["p1"] not in html
    auth.logout()
    auth.login("station1")
    html = client.get("/fieldwork/patrols", headers=EN).get_data(as_text=True)
    assert made["p3"] in html and "村道路灯损坏" in html and made["p1"] not in html


@pytest.mark.parametrize("username", ["worker1", "volunteer1", "resident1"])
def test_workers_volunteers_and_residents_are_refused(field, client, auth, username):
    _made, photos = field
    auth.login(username)
    for path in ("/fieldwork/visits", "/fieldwork/patrols", "/fieldwork/coverage", "/fieldwork/overdue",
                 "/fieldwork/rules", f"/fieldwork/photos/{sha(photos['landed'])}"):
        assert client.get(path).status_code == 403, path
    html = client.get("/account/devices", headers=EN).get_data(as_text=True)
    assert "/fieldwork/visits" not in html  # no nav link


def test_signed_out_goes_to_sign_in(world, client):
    response = client.get("/fieldwork/visits")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


# --- coverage -----------------------------------------------------------------------------

@pytest.fixture
def coverage_world(world, today):
    """C1: H1 weekly (G1), H2 monthly (G2), plus H1b disabled monthly (G1) and
    H2b with a left-behind child, every two weeks (G2)."""
    h1b = household(world.G1, "幸福小区1号楼1单元102", "赵刚", tags=["disabled"])
    h2b = household(world.G2, "幸福小区2号楼1单元101", "钱芳")
    resident(h2b, "钱小宝", tags=["left_behind_child"])
    db.session.commit()
    for actor, home, days_ago in ((world.worker1, world.H1, 3), (world.worker1, h1b, 40),
                                  (world.worker2, world.H2, 10)):
        services.record_visit(actor, new_id(), {"household_id": home.id,
                                                "visited_at": moment(today - timedelta(days=days_ago))})
    db.session.commit()
    return h1b, h2b


def _numbers(report):
    rows = {"all": report.total, **{r.key: r for r in report.grids}, **{r.key: r for r in report.tags}}
    return {key: (r.needing, r.visited, r.covered, r.percent) for key, r in rows.items()}


def test_coverage_numbers_on_a_constructed_example(coverage_world, world, today):
    report = reports.coverage(world.staff1, world.C1, today - timedelta(days=20), today, today)
    assert _numbers(report) == {
        "all": (4, 2, 2, 50),
        world.G1.id: (2, 1, 1, 50), world.G2.id: (2, 1, 1, 50),
        "elderly_alone": (1, 1, 1, 100), "disabled": (1, 0, 0, 0), "dibao": (1, 1, 1, 100),
        "left_behind_child": (1, 0, 0, 0)}
    # As of five days ago H1's visit had not happened yet: it was not covered then.
    earlier = reports.coverage(world.staff1, world.C1, today - timedelta(days=20), today - timedelta(days=5), today)
    assert _numbers(earlier)["all"] == (4, 1, 1, 25)
    # A period that runs on is counted up to today.
    later = reports.coverage(world.staff1, world.C1, today, today + timedelta(days=30), today)
    assert later.end == today and _numbers(later)["all"] == (4, 0, 2, 50)


def test_the_coverage_page(coverage_world, world, client, auth, today):
    auth.login("staff1")
    response = client.get("/fieldwork/coverage", query_string={
        "from": (today - timedelta(days=20)).isoformat(), "to": today.isoformat()}, headers=EN)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "2 of 4 households visited within their interval; 2 visited in the period." in html
    cells = re.findall(rf'data-key="{world.G1.id}"><td>[^<]*</td>((?:<td class="num">[^<]*</td>\s*)+)', html)
    assert re.findall(r">([^<]*)<", cells[0].replace("\n", ""))[::2][:4] == ["2", "1", "1", "50%"]
    assert 'data-key="left_behind_child"' in html and "Left-behind child" in html
    # Another community's staff cannot ask for C1.
    auth.logout()
    auth.login("staff2")
    assert client.get("/fieldwork/coverage", query_string={"community": world.C1.id}).status_code == 404
    html = client.get("/fieldwork/coverage", headers=EN).get_data(as_text=True)
    assert "No household needs visits by the rules." in html  # C2: H5 has no care tag


# --- overdue tasks ---------------------------------------------------------------------------

@pytest.fixture
def overdue_world(world, today):
    g4 = node("grid", "第四网格", world.C1, code="G04")
    h4 = household(g4, "幸福小区4号楼101", "周梅", tags=["elderly_alone"])
    db.session.commit()
    services.generate_tasks(world.C1, today - timedelta(days=10))  # H1, H2, H4: due ten days ago
    h1b = household(world.G1, "幸福小区1号楼1单元102", "赵刚", tags=["disabled"])
    db.session.commit()
    services.generate_tasks(world.C1, today)  # H1b: due today, not overdue
    db.session.commit()
    return g4, h4, h1b


def test_overdue_per_worker(overdue_world, world, today):
    _g4, h4, _h1b = overdue_world
    counts = {(p.username if p else None): (n, oldest)
              for p, n, oldest in reports.overdue_per_worker(world.staff1, today)}
    assert counts == {"worker1": (1, today - timedelta(days=10)), "worker2": (1, today - timedelta(days=10)),
                      None: (1, today - timedelta(days=10))}
    task = db.session.scalar(select(VisitTask).where(VisitTask.household_id == world.H1.id))
    services.record_visit(world.worker1, new_id(), {"household_id": world.H1.id, "task_id": task.id,
                                                    "visited_at": moment(today)})
    counts = {(p.username if p else None): n for p, n, _ in reports.overdue_per_worker(world.staff1, today)}
    assert counts == {"worker2": 1, None: 1}
    assert reports.overdue_per_worker(world.staff2, today) == []
    unassigned = list(db.session.scalars(reports.overdue_query(world.staff1, today, assignee="none")))
    assert [t.household_id for t in unassigned] == [h4.id]


def test_the_overdue_page(overdue_world, world, client, auth, today):
    _g4, _h4, h1b = overdue_world
    auth.login("staff1")
    html = client.get("/fieldwork/overdue", headers=EN).get_data(as_text=True)
    for worker in ("worker1", "worker2", "none"):
        assert re.search(rf'data-worker="{worker}"><td>[^<]*</td>\s*<td class="num">1</td>', html), worker
    assert "幸福小区4号楼101" in html and "10 days late" in html and "独居老人 每周走访" in html
    assert h1b.address not in html  # due today: not late
    html = client.get("/fieldwork/overdue", query_string={"worker": "none"}, headers=HTMX).get_data(as_text=True)
    assert "幸福小区4号楼101" in html and world.H1.address not in html and world.H2.address not in html
    html = client.get("/fieldwork/overdue", query_string={"worker": world.worker2.id},
                      headers=HTMX).get_data(as_text=True)
    assert world.H2.address in html and "幸福小区4号楼101" not in html


# --- visit rules -----------------------------------------------------------------------------

def _rules_form(community):
    form = {f"interval-{r.code}": str(r.interval_days or "") for r in services.rules_for(community)}
    return form | {f"active-{r.code}": "on" for r in services.rules_for(community) if r.active}


def test_staff_edit_rules_and_tasks_follow(world, client, auth, today):
    auth.login("staff1")
    html = client.get("/fieldwork/rules", headers=EN).get_data(as_text=True)
    assert 'data-tag="elderly_alone"' in html and 'name="interval-elderly_alone"' in html and 'value="7"' in html
    assert 'data-tag="community_correction"' not in html
    token = csrf(client, "/fieldwork/rules")
    form = _rules_form(world.C1) | {"interval-dibao": "14", "csrf_token": token}
    form.pop("active-elderly_alone")
    response = client.post(f"/fieldwork/rules?community={world.C1.id}", data=form, headers=EN)
    assert response.status_code == 303
    assert services.active_intervals(world.C1)["dibao"] == 14 and "elderly_alone" not in services.active_intervals(
        world.C1)
    tasks = list(db.session.scalars(select(VisitTask).where(VisitTask.status == "open")))
    assert [(t.household_id, t.reason) for t in tasks] == [(world.H2.id, "低保户 每两周走访")]
    html = client.get(response.headers["Location"], headers=EN).get_data(as_text=True)
    assert "Visit rules saved. Tasks: 1 new, 0 changed, 0 cancelled." in html
    # Through htmx: the page is loaded again so the message shows.
    response = client.post(f"/fieldwork/rules?community={world.C1.id}", data=form | {"interval-dibao": "30"},
                           headers=HTMX)
    assert response.status_code == 204 and response.headers["HX-Redirect"].startswith("/fieldwork/rules")


def test_invalid_rules_re_render_with_messages(world, client, auth):
    auth.login("staff1")
    token = csrf(client, "/fieldwork/rules")
    form = _rules_form(world.C1) | {"interval-dibao": "0", "interval-disabled": "", "csrf_token": token}
    response = client.post(f"/fieldwork/rules?community={world.C1.id}", data=form, headers=HTMX)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "<html" not in html
    assert 'id="e-interval-dibao"' in html and "Between 1 and 366 days." in html
    assert 'id="e-interval-disabled"' in html and "An active rule needs the days between visits." in html
    assert 'value="0"' in html  # what was typed stays
    assert services.active_intervals(world.C1)["dibao"] == 30


def test_who_may_see_and_save_rules(world, client, auth):
    auth.login("station1")  # sees its village's rules, may not change them
    html = client.get("/fieldwork/rules", headers=EN).get_data(as_text=True)
    assert "柳树村" in html and 'name="interval-dibao"' not in html
    token = csrf(client, "/fieldwork/rules")
    assert client.post(f"/fieldwork/rules?community={world.V1.id}",
                       data=_rules_form(world.V1) | {"csrf_token": token}).status_code == 403
    auth.logout()
    auth.login("staff2")
    token = csrf(client, "/fieldwork/rules")
    assert client.get(f"/fieldwork/rules?community={world.C1.id}").status_code == 404
    assert client.post(f"/fieldwork/rules?community={world.C1.id}",
                       data=_rules_form(world.C1) | {"csrf_token": token, "interval-dibao": "7"}).status_code == 404
    assert services.active_intervals(world.C1)["dibao"] == 30
    auth.logout()
    auth.login("street1")  # two communities: chooses one
    html = client.get(f"/fieldwork/rules?community={world.C2.id}", headers=EN).get_data(as_text=True)
    assert "Visit rules of 和平社区" in html and 'name="interval-dibao"' in html


# --- addresses and arguments -----------------------------------------------------------------

def test_the_field_work_address_leads_to_the_visits(world, client, auth):
    auth.login("staff1")
    response = client.get("/fieldwork/")
    assert response.status_code == 302 and response.headers["Location"] == "/fieldwork/visits"


def _period(html):
    chosen = re.search(r'id="f-from" type="date" name="from" value="([^"]*)".*?id="f-to" type="date" name="to" '
                       r'value="([^"]*)"', html, re.S)
    return chosen.group(1), chosen.group(2)


def test_the_coverage_period_defaults_to_this_month_and_is_put_in_order(world, client, auth, today):
    auth.login("staff1")
    month = (today.replace(day=1).isoformat(), today.isoformat())
    assert _period(client.get("/fieldwork/coverage", headers=EN).get_data(as_text=True)) == month
    earlier, later = (today - timedelta(days=30)).isoformat(), (today - timedelta(days=10)).isoformat()
    html = client.get("/fieldwork/coverage", query_string={"from": later, "to": earlier}, headers=EN).get_data(
        as_text=True)
    assert _period(html) == (earlier, later)  # given the wrong way round: swapped
    html = client.get("/fieldwork/coverage", query_string={"from": "2026-13-45", "to": "soon"}, headers=EN)
    assert html.status_code == 200 and _period(html.get_data(as_text=True)) == month  # unreadable: the default


def test_unreadable_or_foreign_filters_are_ignored(field, world, client, auth):
    made, _photos = field
    auth.login("staff1")
    html = client.get("/fieldwork/visits", query_string={"from": "yesterday", "grid": world.G3.id, "page": "x"},
                      headers=HTMX).get_data(as_text=True)
    assert made["v1"] in html and made["v2"] in html  # no date, and a grid not of C1, filter nothing
    assert client.get("/fieldwork/visits", query_string={"community": world.V1.id}).status_code == 404
    html = client.get("/fieldwork/patrols", query_string={"category": "nonsense"}, headers=HTMX).get_data(
        as_text=True)
    assert made["p1"] in html
