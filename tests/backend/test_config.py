"""Configuration from the environment (backend/config.py): the database URL and
the on/off flags, the count of trusted proxies."""

import pytest

from backend.config import ROOT, _database_url, _flag, _proxies


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


@pytest.mark.parametrize(("value", "expected"), [
    (None, 0), ("", 0), ("0", 0), ("no", 0), ("1", 1), ("yes", 1), ("true", 1), (" 2 ", 2)])
def test_trusted_proxies_are_counted(monkeypatch, value, expected):
    if value is None:
        monkeypatch.delenv("LINLI_TEST_PROXIES", raising=False)
    else:
        monkeypatch.setenv("LINLI_TEST_PROXIES", value)
    assert _proxies("LINLI_TEST_PROXIES") == expected


@pytest.mark.parametrize("value", ["maybe", "-1", "1.5"])
def test_a_proxy_count_that_is_not_one_fails_loudly(monkeypatch, value):
    monkeypatch.setenv("LINLI_TEST_PROXIES", value)
    with pytest.raises(ValueError, match="LINLI_TEST_PROXIES"):
        _proxies("LINLI_TEST_PROXIES")


def test_retention_periods_come_from_the_environment(monkeypatch):
    from backend.config import _retention_days

    monkeypatch.setenv("LINLI_RETAIN_VISIT_PHOTOS_DAYS", "1095")
    monkeypatch.setenv("LINLI_RETAIN_AUDIT_ENTRIES_DAYS", "0")
    monkeypatch.setenv("LINLI_RETAIN_SIGN_IN_ATTEMPTS_DAYS", "")
    assert _retention_days() == {"visit_photos": 1095, "audit_entries": 0}
    monkeypatch.setenv("LINLI_RETAIN_VISIT_PHOTOS_DAYS", "three years")
    with pytest.raises(ValueError, match="LINLI_RETAIN_VISIT_PHOTOS_DAYS"):
        _retention_days()
