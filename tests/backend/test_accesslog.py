"""The access log, written by gunicorn's own logger over real request lines
parsed by gunicorn, carries no Open311 api_key, name search, invitation code,
token or credential, and keeps the harmless parts of a request."""

import datetime
import runpy
import socket
from pathlib import Path

import pytest
from gunicorn.config import Config
from gunicorn.http import wsgi
from gunicorn.http.message import Request
from gunicorn.http.unreader import IterUnreader

from backend.accesslog import REDACTED, RedactingLogger, redact_query, redact_uri

ROOT = Path(__file__).resolve().parents[2]


def logged(tmp_path, raw: bytes, access_log_format=None) -> str:
    """What gunicorn, configured by the project's gunicorn.conf.py, writes for this request."""
    cfg = Config()
    for name, value in runpy.run_path(str(ROOT / "gunicorn.conf.py")).items():
        if name in cfg.settings:
            cfg.set(name, value)
    path = tmp_path / "access.log"
    cfg.set("accesslog", str(path))
    if access_log_format:
        cfg.set("access_log_format", access_log_format)
    request = Request(cfg, IterUnreader([raw]), ("127.0.0.1", 50000), 1)
    ours, theirs = socket.socketpair()
    try:
        response, environ = wsgi.create(request, ours, ("127.0.0.1", 50000), ("127.0.0.1", 8000), cfg)
        response.status, response.sent = "200 OK", 10
        logger = cfg.logger_class(cfg)
        assert isinstance(logger, RedactingLogger)
        logger.access(response, request, environ, datetime.timedelta(microseconds=1200))
        for handler in logger.access_log.handlers:
            handler.close()
    finally:
        ours.close()
        theirs.close()
    return path.read_text(encoding="utf-8")


def line(target: str, headers: str = "") -> bytes:
    return f"GET {target} HTTP/1.1\r\nHost: linli.example\r\n{headers}\r\n".encode()


@pytest.mark.parametrize(("target", "secrets"), [
    ("/open311/v2/requests.json?api_key=k3y-SECRET&jurisdiction_id=c1", ["k3y-SECRET"]),
    ("/registry/households?q=%E5%BC%A0%E4%BC%9F&grid_id=g1", ["%E5%BC%A0", "张伟"]),
    ("/registry/residents?name=Zhang+Wei&id_number=110101&phone=13800000001", ["Zhang", "110101", "13800000001"]),
    ("/register?code=INVITE-7Q2X", ["INVITE-7Q2X"]),
    ("/open311/v2/tokens/tok-5ECRET.json", ["tok-5ECRET"]),
    ("/reset?token=abc123secret&next=%2Fhome%3Fq%3Dx", ["abc123secret"]),
    ("/open311/v2/requests.json?lat=39.9042&long=116.4074&address_string=%E5%B9%B8",
     ["39.9042", "116.4074", "%E5%B9%B8"]),
])
def test_secrets_and_searches_never_reach_the_access_log(tmp_path, target, secrets):
    written = logged(tmp_path, line(target))
    assert written.startswith("127.0.0.1 - - [") and '" 200 10 ' in written
    for secret in secrets:
        assert secret not in written, written
    assert REDACTED in written


def test_harmless_parameters_are_kept_for_the_operator(tmp_path):
    written = logged(tmp_path, line("/requests?status=open&page=2&category=environment"))
    assert '"GET /requests?status=open&page=2&category=environment HTTP/1.1" 200' in written


def test_the_referrer_and_any_atom_an_operator_adds_are_redacted_too(tmp_path):
    raw = line("/requests?q=%E6%9D%8E&page=1", "Referer: https://linli.example/register?code=INVITE-9\r\n"
                                               "Authorization: Bearer tok-SECRET\r\nCookie: session=sess-SECRET\r\n")
    written = logged(tmp_path, raw, '%(r)s|%(U)s|%(q)s|%(f)s|%({authorization}i)s|%({cookie}i)s|'
                                    '%({raw_uri}e)s|%({query_string}e)s|%({http_referer}e)s|%({http_cookie}e)s')
    for secret in ("INVITE-9", "tok-SECRET", "sess-SECRET", "%E6%9D%8E"):
        assert secret not in written, written
    assert "page=1" in written


def test_redaction_of_odd_queries():
    assert redact_query("") == "" and redact_query(None) == ""
    assert redact_query("justakey") == f"justakey={REDACTED}"
    assert redact_query("q=a&q=b&page=3") == f"q={REDACTED}&q={REDACTED}&page=3"
    assert redact_uri("-") == "-"
    assert redact_uri("/a?b=c#frag") == f"/a?b={REDACTED}"
