"""Who sees which request page: every role against requests of C1, C2 and the
village V1. Readable requests show (200), others are 404; the office pages are
403 for grid workers and 404 for residents and volunteers. Staff of C1 never
see C2's requests, in the inbox, on the request page, or through a post."""

import pytest

from tests.frontend.requests.conftest import raise_request, rows

OFFICE = ("admin", "district1", "street1", "street2", "staff1", "staff2", "station1")
# username -> the requests (by household) it reads
READS = {
    "admin": {"H1", "H5", "H3"}, "district1": {"H1", "H5", "H3"}, "street1": {"H1", "H5"},
    "street2": {"H3"}, "staff1": {"H1"}, "staff2": {"H5"}, "station1": {"H3"},
}
PAGES = ("/requests", "/requests/new", "/requests/time-limits", "/requests/reply-templates",
         "/requests/departments", "/requests/dispatch-catalogue", "/requests/calendar")


@pytest.fixture
def placed(world):
    by = {"H1": world.staff1, "H5": world.staff2, "H3": world.station1}
    return {key: raise_request(world, actor=by[key], household_id=getattr(world, key).id,
                               description=f"诉求 {key}", channel="station" if key == "H3" else "staff")
            for key in ("H1", "H5", "H3")}


@pytest.mark.parametrize("username", OFFICE)
def test_office_roles_see_exactly_their_requests(world, browser, placed, username):
    session = browser(username)
    html = rows(session.get("/requests?status=").get_data(as_text=True))
    listed = {key for key, record in placed.items() if record.id in html}
    assert listed == READS[username]
    for key, record in placed.items():
        response = session.get(f"/requests/{record.id}")
        assert response.status_code == (200 if key in READS[username] else 404), (username, key)
        if key not in READS[username]:  # a post to an unreadable request learns nothing either
            assert session.post(f"/requests/{record.id}/actions/note", {"message": "x"}).status_code == 404
            assert session.post(f"/requests/{record.id}/reveal").status_code == 404


@pytest.mark.parametrize("username,status", [("worker1", 403), ("resident1", 404), ("volunteer1", 404)])
def test_the_office_pages_are_closed_to_others(world, browser, placed, username, status):
    session = browser(username, staff=username == "worker1")
    for path in (*PAGES, f"/requests/{placed['H1'].id}"):
        assert session.get(path).status_code == status, path


@pytest.mark.parametrize("username,expected", [
    ("admin", {"/requests": 200, "/requests/new": 200, "/requests/time-limits": 200,
               "/requests/reply-templates": 200, "/requests/departments": 200,
               "/requests/dispatch-catalogue": 200, "/requests/calendar": 200}),
    ("district1", {"/requests": 200, "/requests/new": 403, "/requests/time-limits": 200,
                   "/requests/reply-templates": 200, "/requests/departments": 200,
                   "/requests/dispatch-catalogue": 200, "/requests/calendar": 200}),
    ("street1", {"/requests": 200, "/requests/new": 403, "/requests/time-limits": 200,
                 "/requests/reply-templates": 200, "/requests/departments": 200,
                 "/requests/dispatch-catalogue": 200, "/requests/calendar": 200}),
    ("staff1", {"/requests": 200, "/requests/new": 200, "/requests/time-limits": 200,
                "/requests/reply-templates": 200, "/requests/departments": 403,
                "/requests/dispatch-catalogue": 200, "/requests/calendar": 200}),
    ("station1", {"/requests": 200, "/requests/new": 200, "/requests/time-limits": 403,
                  "/requests/reply-templates": 403, "/requests/departments": 403,
                  "/requests/dispatch-catalogue": 403, "/requests/calendar": 200}),
])
def test_every_page_renders_for_the_roles_it_serves(world, browser, username, expected):
    session = browser(username)
    for path, status in expected.items():
        response = session.get(path)
        assert response.status_code == status, (path, response.status_code)
        if status == 200:
            assert "<h1>" in response.get_data(as_text=True)


def test_the_inbox_links_the_settings_pages_for_those_who_keep_them(world, browser):
    links = ('href="/requests/time-limits"', 'href="/requests/reply-templates"',
             'href="/requests/dispatch-catalogue"', 'href="/requests/calendar"')
    html = browser("staff1").get("/requests").get_data(as_text=True)
    assert all(link in html for link in links)
    html = browser("station1").get("/requests").get_data(as_text=True)
    assert [link for link in links if link in html] == ['href="/requests/calendar"']


def test_settings_of_another_community_are_404(world, browser):
    staff1 = browser("staff1")
    for path in ("/requests/time-limits", "/requests/reply-templates", "/requests/dispatch-catalogue"):
        assert staff1.get(f"{path}?community={world.C2.id}").status_code == 404
        assert staff1.get(f"{path}?community={world.C1.id}").status_code == 200
