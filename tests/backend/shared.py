"""Helpers for test modules that share one world across their tests (read-only
matrices), so the world is built once per module instead of once per test."""

import json
import uuid


def empty_tables(app) -> None:
    """The same emptying tests/conftest.py does after every test."""
    from tests.factories import empty_database

    with app.app_context():
        empty_database()


def is_problem(response, status: int | None = None) -> dict:
    """Assert an RFC 9457 problem response and return its body."""
    assert response.mimetype == "application/problem+json", (response.status_code, response.get_data()[:300])
    body = json.loads(response.get_data(as_text=True))
    assert {"type", "title", "status", "detail"} <= set(body), body
    assert body["status"] == response.status_code
    if status is not None:
        assert response.status_code == status, body
    return body


def new_device_id() -> str:
    return str(uuid.uuid4())


def scratch_database_url(tmp_dir) -> tuple[str, object]:
    """A new, empty database of the kind the suite runs on (LINLI_TEST_DB), and
    a function that drops it."""
    import os

    if os.environ.get("LINLI_TEST_DB", "sqlite") != "postgres":
        return f"sqlite:///{tmp_dir / f'scratch-{uuid.uuid4().hex[:8]}.sqlite3'}", lambda: None
    import psycopg

    admin_url = os.environ.get("LINLI_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
    name = f"linli_scratch_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')

    def drop():
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    base = admin_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    return f"{base}/{name}", drop
