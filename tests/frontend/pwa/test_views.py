"""The field app's shell, service worker and the request categories it caches,
checked without a browser: every module the app imports is precached (or it
would not open offline), nothing comes from another origin, and the categories
reach a resident's device in their language."""

import json
import re
from html import unescape as html_unescape

from frontend.pwa.views import APP_DIR

IMPORT = re.compile(r'^\s*import\s[^;]*?from\s+"([^"]+)"', re.M)


def precache(client) -> list[str]:
    response = client.get("/sw.js")
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    source = response.get_data(as_text=True)
    match = re.search(r"const PRECACHE = (\[.*?\]);", source)
    assert match and "__BUILD__" not in source
    return json.loads(match.group(1))


def shell_config(client) -> dict:
    """What the shell tells the app (static/app/config.js reads it)."""
    html = client.get("/app/").get_data(as_text=True)
    match = re.search(r"<meta name=\"linli-config\" content='([^']*)'>", html)
    assert match, "the shell names the app's modules and stores"
    return json.loads(html_unescape(match.group(1)))


def imported_modules(client) -> set[str]:
    """Every module main.js reaches through its imports, and those of the areas'
    modules it imports by the names the shell gives it, as /static/ paths."""
    seen, todo = set(), ["/static/app/main.js", *(f"/static/app/{m}" for m in shell_config(client)["modules"])]
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        source = (APP_DIR.parent / path.removeprefix("/static/")).read_text(encoding="utf-8")
        for target in IMPORT.findall(source):
            todo.append(target if target.startswith("/") else
                        "/static/app/" + target.removeprefix("./"))
    return seen


def test_the_service_worker_precaches_every_module_of_the_app(client):
    cached = set(precache(client))
    modules = imported_modules(client)
    assert {"/static/app/requests.js", "/static/app/households.js", "/static/app/screens.js",
            "/static/vendor/idb.js"} <= modules
    assert modules <= cached, sorted(modules - cached)
    assert {"/app/", "/manifest.webmanifest", "/static/app/app.css"} <= cached


def test_the_app_loads_nothing_from_another_origin():
    for path in APP_DIR.glob("*.js"):
        source = path.read_text(encoding="utf-8")
        assert not re.search(r"""(import|fetch|src|href)[^\n]*["'`]https?://""", source), path.name
        assert not re.search(r'from\s+"https?:', source), path.name


def test_the_shell_opens_under_the_strict_policy_in_chinese(client):
    response = client.get("/app/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<html lang="zh-Hans">' in html
    assert '<script type="module" src="/static/app/main.js">' in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "no inline script"
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy.split("style-src")[0]


def test_request_categories_reach_a_residents_device_in_its_language(client, auth, world):
    assert client.get("/api/v1/request-categories").status_code == 401
    headers = auth.headers("resident1")
    items = client.get("/api/v1/request-categories", headers=headers).get_json()["items"]
    codes = [c["code"] for c in items]
    assert {"environment", "facilities", "elderly_care", "other"} <= set(codes)
    names = {lang: {c["code"]: c["name"] for c in client.get(
        "/api/v1/request-categories", headers={**headers, "Accept-Language": lang}).get_json()["items"]}
        for lang in ("zh-Hans", "zh-Hant", "en")}
    assert names["zh-Hans"]["facilities"] == "设施报修"
    assert names["zh-Hant"]["facilities"] == "設施報修"
    assert names["en"]["facilities"] == "Facilities and repairs"


def test_the_app_knows_every_built_in_category_and_status_in_its_three_languages(client, auth, world):
    """The app names categories and statuses itself (offline, before the first fetch)."""
    source = (APP_DIR / "i18n.js").read_text(encoding="utf-8")
    headers = auth.headers("resident1")
    codes = [c["code"] for c in client.get("/api/v1/request-categories", headers=headers).get_json()["items"]]
    blocks = re.findall(r"requestCategories: \{(.*?)\}", source, re.S)
    statuses = re.findall(r"statuses: \{(.*?)\}", source, re.S)
    assert len(blocks) == 3 and len(statuses) == 3
    from backend.requests.models import STATUSES

    for block in blocks:
        assert all(re.search(rf"\b{code}:", block) for code in codes), block
    for block in statuses:
        assert all(re.search(rf"\b{status}:", block) for status in STATUSES), block


def test_the_shell_tells_the_app_its_stores_modules_and_the_requests_rules(client):
    """The app keeps no list of collections nor a copy of the state machine: the server says."""
    from backend.requests import machine
    from sync.collections import REGISTRY

    config = shell_config(client)
    assert [store["name"] for store in config["stores"]] == [c.name for c in REGISTRY]
    # The stores (and indexes) existing installs have, at the versions that made them: no upgrade needed.
    assert {s["name"]: (s["index"], s["since"]) for s in config["stores"]} == {
        "households": (None, 1), "residents": ("household_id", 1), "visit_tasks": ("household_id", 1),
        "visits": ("household_id", 1), "patrol_reports": (None, 1), "requests": ("household_id", 2),
        "request_events": ("request_id", 2), "ratings": ("target_id", 2),
        "posts": ("community_id", 3), "post_responses": ("post_id", 3), "share_categories": ("community_id", 3),
        "points_entries": ("owner_id", 3), "rewards": ("community_id", 3), "redemptions": ("user_id", 3),
        "donations": ("from_user_id", 3),
        "rooms": ("community_id", 4), "bookings": ("room_id", 4),
        "activities": ("community_id", 4), "signups": ("activity_id", 4), "checkins": ("activity_id", 4)}
    assert config["db_version"] == 4  # activities and rooms (issue 14) came with version 4
    assert config["modules"] == ["households.js", "fieldwork.js", "patrols.js", "requests.js", "sharing.js",
                                 "rooms.js", "activities.js", "points.js"]
    rules = config["capabilities"]["requests"]
    assert rules["reopen_days"] == machine.REOPEN_DAYS == 7
    assert {(state, action): (step["to"], step["who"]) for state, steps in rules["machine"].items()
            for action, step in steps.items()} == machine.TABLE
    assert "rate" in rules["machine"]["resolved"] and "rate" not in rules["machine"]["reopened"]
    assert set(rules["on_behalf_roles"]) == {"admin", "community_staff", "grid_worker", "station_operator"}
    # The exchanges' machine (backend/sharing/machine.py): who takes each step, on which kinds of post.
    from backend.sharing import machine as sharing_machine

    exchanges = config["capabilities"]["sharing"]["machine"]
    assert {(state, action): (step["to"], step["who"]) for state, steps in exchanges.items()
            for action, step in steps.items()} == sharing_machine.TABLE
    assert exchanges["pending"]["accept"]["who"] == "author" and exchanges["accepted"]["hand_over"]["kinds"] == ["lend"]
    # The sign-ups' machine (backend/activities/machine.py): the app offers only the owner's steps.
    from backend.activities import machine as activities_machine

    signups = config["capabilities"]["activities"]
    assert {(state, action): (step["to"], step["who"]) for state, steps in signups["machine"].items()
            for action, step in steps.items()} == activities_machine.TABLE
    assert signups["holding"] == ["confirmed", "attended"] and signups["waiting"] == ["waitlisted", "offered"]
    # The bookings' machine (backend/rooms/machine.py): a booker cancels; staff approve and refuse.
    from backend.rooms import machine as rooms_machine

    bookings = config["capabilities"]["rooms"]
    assert {(state, action): (step["to"], step["who"]) for state, steps in bookings["machine"].items()
            for action, step in steps.items()} == rooms_machine.TABLE
    assert bookings["max_weeks"] == rooms_machine.MAX_WEEKS


def test_the_build_changes_with_what_the_areas_tell_the_app(app):
    """A deploy that adds an area's store changes the service worker's cache name (a new shell)."""
    from backend.areas import FieldApp, Store
    from frontend.pwa.views import compute_build

    with app.test_request_context("/app/"):
        before = compute_build()
        areas = app.extensions["linli.areas"]
        extra = areas[-1].__class__(name="notices", field_app=FieldApp(stores=(Store("notices", since=3),)))
        app.extensions["linli.areas"] = [*areas, extra]
        try:
            assert compute_build() != before
        finally:
            app.extensions["linli.areas"] = areas


def test_the_shell_and_its_service_worker_name_one_build(client, app):
    build = re.search(r'<meta name="linli-build" content="([0-9a-f]{16})">',
                      client.get("/app/").get_data(as_text=True)).group(1)
    source = client.get("/sw.js").get_data(as_text=True)
    assert f'const BUILD = "{build}";' in source
    assert "/static/app/sw.js" not in precache(client)  # the worker is fetched by the browser, not cached
    assert app.config["PWA_BUILD"] == build  # computed once, not on each request


def test_the_manifest_installs_the_field_app_in_chinese(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200 and response.mimetype == "application/manifest+json"
    assert response.headers["Cache-Control"] == "no-cache"
    body = json.loads(response.get_data(as_text=True))  # ensure_ascii off: the Chinese is written as it is
    assert body["name"] == body["short_name"] == "邻里" and "邻里" in response.get_data(as_text=True)
    assert (body["start_url"], body["scope"], body["display"], body["lang"]) == ("/app/", "/", "standalone",
                                                                                 "zh-Hans")
    assert body["theme_color"] == "#b3261e"
    assert {icon["sizes"] for icon in body["icons"]} == {"192x192", "512x512", "any"}
    for icon in body["icons"]:
        assert client.get(icon["src"]).status_code == 200, icon["src"]


def test_the_app_names_every_post_kind_and_status_exchange_and_redemption_state_in_three_languages():
    """The sharing and points screens (static/app/sharing.js, points.js) name the server's states themselves."""
    from backend.points.models import REDEMPTION_STATUSES, TRANSACTION_KINDS
    from backend.sharing.models import KINDS, POST_STATUSES, RESPONSE_STATUSES

    source = (APP_DIR / "i18n.js").read_text(encoding="utf-8")
    for name, codes in (("postKinds", KINDS), ("postStatuses", POST_STATUSES), ("exchangeStatuses", RESPONSE_STATUSES),
                        ("answerLabels", KINDS), ("redemptionStatuses", REDEMPTION_STATUSES),
                        ("entryKinds", TRANSACTION_KINDS)):
        blocks = re.findall(rf"\b{name}: \{{(.*?)\}}", source, re.S)
        assert len(blocks) == 3, name
        for block in blocks:
            assert all(re.search(rf"\b{code}:", block) for code in codes), (name, block)


def test_the_app_names_every_activity_sign_up_and_booking_state_in_three_languages():
    """The activities and rooms screens (static/app/activities.js, rooms.js) name the server's states themselves."""
    from backend.activities.models import ACTIVITY_STATUSES, SIGNUP_STATUSES
    from backend.rooms.machine import ACTIONS
    from backend.rooms.models import STATUSES

    source = (APP_DIR / "i18n.js").read_text(encoding="utf-8")
    named = [("activityStatuses", ACTIVITY_STATUSES), ("signupStatuses", SIGNUP_STATUSES),
             ("bookingStatuses", STATUSES), ("bookingActions", ACTIONS)]
    for name, codes in named:
        blocks = re.findall(rf"\b{name}: \{{(.*?)\}}", source, re.S)
        assert len(blocks) == 3, name
        for block in blocks:
            assert all(re.search(rf"\b{code}:", block) for code in codes), (name, block)
