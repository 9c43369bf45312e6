"""The field app's shell, service worker and the request categories it caches,
checked without a browser: every module the app imports is precached (or it
would not open offline), nothing comes from another origin, and the categories
reach a resident's device in their language."""

import json
import re

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


def imported_modules() -> set[str]:
    """Every module main.js reaches through its imports, as /static/ paths."""
    seen, todo = set(), ["/static/app/main.js"]
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
    modules = imported_modules()
    assert {"/static/app/requests.js", "/static/app/screens.js", "/static/vendor/idb.js"} <= modules
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
