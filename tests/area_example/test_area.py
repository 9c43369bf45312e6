"""Adding an area takes its own package and one line: the notices area, named in
the app's list of areas, has its API in the OpenAPI document, its page in the
navigation of the roles it names, its collection synced through push and pull,
its command in the CLI, its store in the field app, and its rule in the one
policy.can. Without the line it is nowhere."""

import json
import re
from html import unescape

import pytest

from backend import create_app
from backend.areas import AREAS
from backend.auth import policy
from backend.extensions import db
from tests.area_example.models import Notice
from tests.sync.conftest import Device

CONFIG_KEYS = ("TESTING", "SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "SESSION_COOKIE_SECURE", "WTF_CSRF_SSL_STRICT")


@pytest.fixture
def notices_app(app):
    """The application with one more line in its list of areas, on the tests' database, plus the area's table."""
    config = {key: app.config[key] for key in CONFIG_KEYS}
    extended = create_app({**config, "LINLI_AREAS": (*AREAS, "tests.area_example")})
    extended.test_client_class = app.test_client_class
    with extended.app_context():
        Notice.__table__.create(db.engine)
    yield extended
    with extended.app_context():
        db.session.remove()
        Notice.__table__.drop(db.engine)
        db.engine.dispose()
    create_app(config)  # the process's sync registry and policy rules: the default areas again


@pytest.fixture
def notices_client(notices_app):
    return notices_app.test_client()


def _sign_in(client, username):
    html = client.get("/sign-in").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)
    response = client.post("/sign-in", data={"username": username, "password": "demo-pass-2026",
                                             "csrf_token": token})
    assert response.status_code == 302


def test_its_api_and_records_are_in_the_openapi_document(notices_client):
    spec = notices_client.get("/api/openapi.json").get_json()
    assert {"get", "post"} <= set(spec["paths"]["/api/v1/notices"])
    schemas = spec["components"]["schemas"]
    assert {"NoticeIn", "NoticeOut"} <= set(schemas)
    assert schemas["SyncNotices"]["x-linli-collection"] == "notices"
    assert schemas["SyncNotices"]["x-linli-create-fields"] == ["body", "grid_id", "title"]
    assert "notices" in schemas["Mutation"]["properties"]["collection"]["enum"]


@pytest.mark.parametrize(("username", "sees"), [("staff1", True), ("admin", True), ("worker1", False),
                                                ("resident1", False)])
def test_its_page_is_in_the_navigation_of_the_roles_it_names(world, notices_client, username, sees):
    _sign_in(notices_client, username)
    page = notices_client.get("/", follow_redirects=True).get_data(as_text=True)
    assert ('id="nav-notices"' in page) is sees
    if sees:
        assert 'href="/notices/"' in page


def test_its_collection_syncs_through_push_and_pull_in_its_grid_only(world, notices_client):
    worker1, worker2, staff1 = (Device(notices_client, name) for name in ("worker1", "worker2", "staff1"))
    worker1.record("notices", "create", data={"grid_id": world.G1.id, "title": "周三停水", "body": "9:00-12:00"})
    worker1.record("notices", "create", data={"grid_id": world.G2.id, "title": "not my grid"})
    results = list(worker1.push().values())
    assert [r["status"] for r in results] == ["applied", "rejected"]
    assert "grid_id" in results[1]["error"]["errors"]
    for device in (worker1, worker2, staff1):
        device.pull()
    notice_id = results[0]["record_id"]
    assert worker1.get("notices", notice_id)["title"] == "周三停水"
    assert staff1.get("notices", notice_id)["grid_id"] == world.G1.id
    assert worker2.ids("notices") == set()  # another grid's board


def test_its_rule_is_asked_through_the_one_policy_and_its_api_serves_it(world, notices_app, notices_client):
    headers = {"Authorization": f"Bearer {Device(notices_client, 'staff1').token}"}
    response = notices_client.post("/api/v1/notices", json={"grid_id": world.G2.id, "title": "社区议事会"},
                                   headers=headers)
    assert response.status_code == 201, response.get_json()
    worker2 = {"Authorization": f"Bearer {Device(notices_client, 'worker2').token}"}
    worker1 = {"Authorization": f"Bearer {Device(notices_client, 'worker1').token}"}
    assert [n["title"] for n in notices_client.get("/api/v1/notices", headers=worker2).get_json()["items"]] \
        == ["社区议事会"]
    assert notices_client.get("/api/v1/notices", headers=worker1).get_json()["items"] == []
    bad = notices_client.post("/api/v1/notices", json={"grid_id": world.G2.id}, headers=headers)
    assert bad.status_code == 422 and "title" in bad.get_json()["errors"]
    with notices_app.app_context():
        notice = db.session.get(Notice, response.get_json()["id"])
        assert policy.can(world.worker2, policy.READ, notice)
        assert not policy.can(world.resident1, policy.READ, notice)


def test_its_command_is_in_the_cli(notices_app):
    # No other app context around it: the command runs in the notices app's own.
    assert "notices-count" in notices_app.cli.commands
    result = notices_app.test_cli_runner().invoke(args=["notices-count"])
    assert result.exit_code == 0 and result.output.strip() == "0"


def test_the_field_app_gets_its_store_and_a_new_database_version(notices_client):
    html = notices_client.get("/app/").get_data(as_text=True)
    config = json.loads(unescape(re.search(r"<meta name=\"linli-config\" content='([^']*)'>", html).group(1)))
    stores = {store["name"]: store for store in config["stores"]}
    assert stores["notices"] == {"name": "notices", "index": "grid_id", "since": 5}
    assert config["db_version"] == 5  # the app's upgrade adds the store and pulls once from the start
    assert "requests" in stores and "households" in stores


def test_without_its_line_the_area_is_nowhere(client):
    from sync.collections import REGISTRY

    assert "/api/v1/notices" not in client.get("/api/openapi.json").get_json()["paths"]
    assert REGISTRY.get("notices") is None and Notice not in policy.AREA_RULES
    assert client.get("/notices/").status_code == 404
