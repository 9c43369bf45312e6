"""Configuration from the environment (backend/config.py): the database URL and
the on/off flags."""

import pytest

from backend.config import ROOT, _database_url, _flag


def test_without_database_url_sqlite_in_instance(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert _database_url() == f"sqlite:///{ROOT / 'instance' / 'linli.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", "")
    assert _database_url().startswith("sqlite:///")


@pytest.mark.parametrize(("given", "used"), [
    ("postgres://u:p@db:5432/linli", "postgresql+psycopg://u:p@db:5432/linli"),
    ("postgresql://u@db/linli", "postgresql+psycopg://u@db/linli"),
    ("postgresql+psycopg://u@db/linli", "postgresql+psycopg://u@db/linli"),
    ("sqlite:////srv/linli.sqlite3", "sqlite:////srv/linli.sqlite3"),
])
def test_postgres_urls_use_psycopg_3(monkeypatch, given, used):
    monkeypatch.setenv("DATABASE_URL", given)
    assert _database_url() == used


@pytest.mark.parametrize(("value", "expected"), [
    ("1", True), ("true", True), ("TRUE", True), (" yes ", True), ("on", True),
    ("0", False), ("false", False), ("no", False), ("off", False), ("", False), ("maybe", False)])
def test_flags(monkeypatch, value, expected):
    monkeypatch.setenv("LINLI_TEST_FLAG", value)
    assert _flag("LINLI_TEST_FLAG", not expected) is expected


def test_an_unset_flag_takes_its_default(monkeypatch):
    monkeypatch.delenv("LINLI_TEST_FLAG", raising=False)
    assert _flag("LINLI_TEST_FLAG", True) is True
    assert _flag("LINLI_TEST_FLAG", False) is False
