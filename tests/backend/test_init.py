"""The composition root (backend/__init__.py, create_app): /healthz, the secret
key kept in instance/, SQLite's engine options, the session loader's epoch,
the template filters, and what is compressed."""

import gzip
import os
import stat
from datetime import date, datetime

import pytest
from flask import Flask, render_template_string

from backend import _ensure_secret_key, _prepare_sqlite, create_app
from backend.extensions import db, login


def test_healthz_with_the_database_up(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_reports_an_unreachable_database():
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://postgres@127.0.0.1:1/none",
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "connect_args": {"connect_timeout": 2}},
    })
    try:
        response = app.test_client().get("/healthz")
        assert response.status_code == 503
        assert response.get_json()["database"] == "unreachable"
        assert "Traceback" not in response.get_data(as_text=True)
    finally:
        with app.app_context():
            db.engine.dispose()


def test_times_display_in_shanghai(app):
    stored = datetime(2026, 1, 1, 0, 0)  # naive UTC, as stored
    with app.test_request_context("/"):
        assert render_template_string("{{ when|local_time }}", when=stored) == "2026-01-01 08:00"
        assert render_template_string("{{ when|local_time }}", when=datetime(2026, 6, 30, 16, 30)) == \
            "2026-07-01 00:30"
        assert render_template_string("{{ when|local_time }}", when=None) == ""


def test_weekdays_are_named_in_the_readers_language(app):
    friday = date(2026, 11, 27)
    with app.test_request_context("/"):
        assert render_template_string("{{ day|weekday }}", day=friday) == "星期五"
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert render_template_string("{{ day|weekday }}", day=friday) == "Friday"


def test_a_secret_key_is_generated_once_kept_private_and_reused(tmp_path):
    first = Flask("one", instance_path=str(tmp_path / "instance"))
    _ensure_secret_key(first)
    path = tmp_path / "instance" / "secret_key"
    assert len(first.config["SECRET_KEY"]) >= 48
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    second = Flask("two", instance_path=str(tmp_path / "instance"))
    _ensure_secret_key(second)
    assert second.config["SECRET_KEY"] == first.config["SECRET_KEY"]


def test_a_configured_secret_key_is_kept_and_nothing_is_written(tmp_path):
    configured = Flask("three", instance_path=str(tmp_path / "instance"))
    configured.config["SECRET_KEY"] = "from-the-environment"
    _ensure_secret_key(configured)
    assert configured.config["SECRET_KEY"] == "from-the-environment"
    assert not (tmp_path / "instance").exists()


def test_sqlite_gets_its_folder_a_busy_timeout_and_a_hot_connection(tmp_path):
    sqlite = Flask("sqlite")
    sqlite.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / 'new' / 'linli.sqlite3'}"
    sqlite.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True, "connect_args": {"timeout": 5}}
    _prepare_sqlite(sqlite)
    assert (tmp_path / "new").is_dir()
    options = sqlite.config["SQLALCHEMY_ENGINE_OPTIONS"]
    assert options == {"pool_pre_ping": True, "connect_args": {"timeout": 5}, "pool_use_lifo": True}

    postgres = Flask("postgres")
    postgres.config["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://postgres@127.0.0.1/x"
    postgres.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True}
    _prepare_sqlite(postgres)
    assert postgres.config["SQLALCHEMY_ENGINE_OPTIONS"] == {"pool_pre_ping": True}


def test_a_session_holds_only_while_its_epoch_is_the_accounts(world):
    worker = world.worker1
    load = login._user_callback
    assert load(worker.get_id()) == worker
    assert load(f"{worker.id}:{worker.session_epoch + 1}") is None  # signed out everywhere since
    assert load(worker.id) is None  # no epoch at all
    assert load("") is None and load(None) is None
    worker.status = "rejected"
    db.session.commit()
    assert load(worker.get_id()) is None  # no longer active


@pytest.mark.parametrize(("path", "compressed"), [("/api/openapi.json", True), ("/api/docs", True),
                                                   ("/static/app/main.js", False)])
def test_only_api_answers_are_compressed(client, path, compressed):
    response = client.get(path, headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert (response.headers.get("Content-Encoding") == "gzip") is compressed
    if compressed:
        assert gzip.decompress(response.get_data())

