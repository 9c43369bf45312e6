"""Fixtures: a real database (SQLite file or a throwaway PostgreSQL database,
chosen by LINLI_TEST_DB), the schema built by the real migrations, a client,
and a small world of places, households and accounts."""

import contextvars
import os
import uuid

import pytest
from flask.testing import FlaskClient

from backend.auth import passwords
from tests.factories import DepartmentFactory, World, build_world, empty_database
from tests.timing import EPOCH

passwords.use_profile(os.environ["LINLI_PASSWORD_PROFILE"])  # tests/__init__.py: also for tests building no app
DB_KIND = os.environ.get("LINLI_TEST_DB", "sqlite")
PG_ADMIN_URL = os.environ.get("LINLI_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


def _postgres_database():
    import psycopg

    name = f"linli_test_{uuid.uuid4().hex[:10]}"
    try:
        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is unreachable in CI: {exc}")
        pytest.skip(reason=f"PostgreSQL unreachable: {exc}")
    admin.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    return f"{base}/{name}", name


def _drop_postgres(name):
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(autouse=True)
def _clock():
    """Every test starts at the same moment, whatever the day (tests/timing.py)."""
    from backend import clock

    clock.run_from(EPOCH)
    yield
    clock.run_from(EPOCH)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    if DB_KIND == "postgres":
        url, name = _postgres_database()
        yield url
        _drop_postgres(name)
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'linli.sqlite3'}"


class IsolatedClient(FlaskClient):
    """Each request in its own application context, as in production: flask.g
    (and Flask-Login's cached user) and the database session never leak from
    one request, client or test into another."""

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    from flask_migrate import upgrade

    from backend import create_app

    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "FIELD_KEYS": "k1:test-field-key-0001",
        "INDEX_KEY": "test-index-key-0001",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SESSION_COOKIE_SECURE": False,
        "WTF_CSRF_SSL_STRICT": False,
    })
    app.test_client_class = IsolatedClient
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
    yield app
    with app.app_context():
        from backend.extensions import db

        db.session.remove()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_tables(request):
    """Each test starts from empty tables (built-in care tags kept)."""
    yield
    if "app" not in request.fixturenames or request.node.get_closest_marker("shared_database"):
        return  # a module-scoped fixture owns (and empties) a shared database
    with request.getfixturevalue("app").app_context():
        empty_database()


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def world(ctx) -> World:
    return build_world()


class Auth:
    """Sign in through the real pages and the real token endpoint."""

    def __init__(self, client):
        self.client = client

    def csrf_token(self, path="/sign-in"):
        import re

        html = self.client.get(path, follow_redirects=True).get_data(as_text=True)
        match = re.search(r'name="csrf-token" content="([^"]+)"', html)
        assert match, "page carries no CSRF token"
        return match.group(1)

    def login(self, username, password="demo-pass-2026"):
        token = self.csrf_token()
        response = self.client.post("/sign-in", data={"username": username, "password": password,
                                                      "csrf_token": token})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return response

    def logout(self):
        token = self.csrf_token("/")
        return self.client.post("/sign-out", data={"csrf_token": token})

    def token(self, username, password="demo-pass-2026", device_id=None):
        response = self.client.post("/api/v1/auth/token", json={
            "username": username, "password": password,
            "device_id": device_id or str(uuid.uuid4()), "device_name": "test phone"})
        assert response.status_code == 201, response.get_json()
        return response.get_json()["token"]

    def headers(self, username):
        return {"Authorization": f"Bearer {self.token(username)}"}


@pytest.fixture
def auth(client):
    return Auth(client)


@pytest.fixture
def departments(world):
    """A department of each street: S1's 城管执法中队, S2's 西街道维修所."""
    from backend.extensions import db

    made = {"S1": DepartmentFactory(node=world.S1, name="城管执法中队", contact="010-1"),
            "S2": DepartmentFactory(node=world.S2, name="西街道维修所", contact="010-2")}
    db.session.commit()
    return made
