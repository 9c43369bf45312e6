"""The JSON API frame (backend/apiframe.py): its body decoder reads every body as
the standard library does; bodies of the wrong type, encoding or size, and
strings no database can store, are refused as problems; larger answers are
gzipped; the client's address is the proxy's word only when trusted."""

import gzip
import json
import tracemalloc

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backend.apiframe import _SUSPECT_ESCAPE, _decode
from backend.errors import ApiError
from tests.backend.shared import is_problem
from tests.sameness import same


def decode(raw: bytes):
    return _decode(raw, _SUSPECT_ESCAPE.search(raw) is not None)


@pytest.mark.parametrize("raw", [
    b'{"base_version": 123456789012345678901234567890}',  # wider than 64 bits: an int, not a float
    b'{"a": [1, -98765432109876543210]}',
    b'{"n": 18446744073709551616}',
    b"18446744073709551616",  # a number alone, nothing before it
    b"-18446744073709551616",
    b'{"a": NaN, "b": Infinity, "c": -Infinity}',
    b'{"a": 1e400}',
    b'{"a": 1, "a": 2}',
    b'{"a": "\\ud800"}',  # a lone surrogate: read, then refused by the frame's storability check
    b'{"a": "\\u0000"}',
    b'{"a": "\\ud83d\\ude00"}',
    b'{"a": -0, "b": 0.1, "c": 1.0, "d": 1E2}',
    b'{"hex": "12345678901234567890123"}',
    '{"notes": "已电话联系", "x": [true, false, null]}'.encode(),
])
def test_tricky_bodies_read_as_the_standard_library_reads_them(raw):
    assert same(decode(raw), json.loads(raw.decode()))


@pytest.mark.parametrize("raw", [b'{"a": ', b"\xff\xfe{}", b'\xef\xbb\xbf{"a": 1}', b"[" * 100_000 + b"]" * 100_000,
                                 b'{"a": "\xed\xa0\x80"}', b'{"a": "x\ny"}'])
def test_bodies_the_standard_library_refuses_are_400(raw):
    with pytest.raises(ApiError) as caught:
        decode(raw)
    assert caught.value.status == 400


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(value=_json_values, compact=st.booleans(), ascii_only=st.booleans())
def test_any_json_reads_as_the_standard_library_reads_it(value, compact, ascii_only):
    text = json.dumps(value, separators=(",", ":") if compact else None, ensure_ascii=ascii_only)
    raw = text.encode("utf-8", "surrogatepass")
    try:
        expected = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return  # lone surrogates spelled raw are not UTF-8: refused either way
    assert same(decode(raw), expected)


@pytest.mark.parametrize("accept, compressed", [("gzip", True), ("gzip, deflate, br", True), ("", False),
                                                ("identity", False)])
def test_larger_answers_are_gzipped_for_clients_that_accept_it(app, accept, compressed):
    import gzip

    from flask import Response

    from backend.apiframe import gzip_if_accepted

    body = json.dumps({"changes": [{"id": i, "notes": "老人身体状况良好" * (i % 3)} for i in range(400)]},
                      ensure_ascii=False).encode()
    with app.test_request_context("/api/v1/sync/pull", headers={"Accept-Encoding": accept}):
        response = gzip_if_accepted(Response(body, mimetype="application/json"))
        small = gzip_if_accepted(Response(b'{"changes": []}', mimetype="application/json"))
    assert small.get_data() == b'{"changes": []}' and "Content-Encoding" not in small.headers
    if not compressed:
        assert response.get_data() == body and "Content-Encoding" not in response.headers
        return
    assert response.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in response.headers["Vary"]
    assert len(response.get_data()) < len(body) / 4
    assert gzip.decompress(response.get_data()) == body  # any gzip reader inflates it


# --- bodies through a real endpoint ------------------------------------------------

NODES = "/api/v1/org/nodes"


@pytest.fixture
def staff(world, auth):
    return auth.headers("staff1")


def _post(client, url, body: bytes, headers, content_type="application/json", **extra):
    return client.post(url, data=body, headers=headers | extra, content_type=content_type)


def test_malformed_json(world, client, staff):
    body = is_problem(_post(client, NODES, b'{"kind": "grid", ', staff), 400)
    assert "JSON" in body["title"] + body["detail"]
    is_problem(_post(client, NODES, b"\xff\xfe{}", staff), 400)  # not UTF-8


@pytest.mark.parametrize("value", [b"[]", b'"grid"', b"5", b"null", b"true"])
def test_non_object_json(world, client, staff, value):
    body = is_problem(_post(client, NODES, value, staff), 422)
    assert body["errors"]


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"])
def test_wrong_content_type_is_415(world, client, staff, content_type):
    is_problem(_post(client, NODES, b'{"kind": "grid"}', staff, content_type=content_type), 415)


def test_missing_content_type_is_415(world, client, staff):
    is_problem(client.post(NODES, data=b'{"kind": "grid"}', headers=staff), 415)


def test_oversize_body_is_413(world, app, client, staff):
    limit = app.config["API_MAX_BODY"]
    padding = "x" * limit
    raw = json.dumps({"kind": "grid", "parent_id": world.C1.id, "name": "G", "notes": padding}).encode()
    assert len(raw) > limit
    is_problem(_post(client, NODES, raw, staff), 413)


def test_gzip_body_is_accepted(world, client, staff):
    raw = json.dumps({"kind": "grid", "parent_id": world.C1.id, "name": "压缩网格"}, ensure_ascii=False).encode()
    response = _post(client, NODES, gzip.compress(raw), staff, **{"Content-Encoding": "gzip"})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["name"] == "压缩网格"


def test_corrupt_gzip_is_400(world, client, staff):
    is_problem(_post(client, NODES, b"\x1f\x8b\x08\x00garbage", staff, **{"Content-Encoding": "gzip"}), 400)
    is_problem(_post(client, NODES, b"{}", staff, **{"Content-Encoding": "br"}), 415)


def test_gzip_bomb_is_413_without_inflating_it(world, client, staff):
    bomb = gzip.compress(b"0" * (50 * 1024 * 1024), compresslevel=9)
    assert len(bomb) < 200 * 1024
    tracemalloc.start()
    try:
        response = _post(client, NODES, bomb, staff, **{"Content-Encoding": "gzip"})
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    is_problem(response, 413)
    assert peak < 10 * 1024 * 1024, f"inflated {peak} bytes"


def test_deeply_nested_json_is_not_a_500(world, client, staff):
    raw = b"[" * 100_000 + b"]" * 100_000
    response = _post(client, NODES, raw, staff)
    assert 400 <= response.status_code < 500
    is_problem(response)


@pytest.mark.parametrize("text", ["nul\u0000inside", "lone \ud800 surrogate"])
def test_unstorable_strings_are_refused_naming_the_field(world, client, staff, text):
    raw = json.dumps({"kind": "grid", "parent_id": world.C1.id, "name": "G", "notes": text}).encode()
    body = is_problem(_post(client, NODES, raw, staff), 422)
    assert "notes" in body["errors"]


def _address(app, trusted, forwarded, remote="10.0.0.2"):
    from backend.apiframe import client_address

    headers = [("X-Forwarded-For", value) for value in forwarded]
    app.config["TRUST_PROXY"] = trusted
    try:
        with app.test_request_context("/api/v1/x", headers=headers, environ_base={"REMOTE_ADDR": remote}):
            return client_address()
    finally:
        app.config["TRUST_PROXY"] = 0


def test_the_client_address_is_the_proxys_word_only_when_trusted(app):
    assert _address(app, 0, ["203.0.113.9"]) == "10.0.0.2"
    assert _address(app, 1, ["203.0.113.9"]) == "203.0.113.9"


def test_what_a_client_writes_into_x_forwarded_for_is_not_believed(app):
    """The client sends its own X-Forwarded-For; the one trusted proxy appends
    the address it saw: that one is the client's, not the forged leftmost."""
    assert _address(app, 1, ["1.2.3.4, 198.51.100.7"]) == "198.51.100.7"
    assert _address(app, 1, ["1.2.3.4", "198.51.100.7"]) == "198.51.100.7"  # headers repeated
    assert _address(app, 2, ["1.2.3.4, 198.51.100.7, 10.0.0.5"]) == "198.51.100.7"  # two proxies


def test_fewer_forwarded_addresses_than_trusted_proxies_falls_back_to_the_peer(app):
    assert _address(app, 2, ["198.51.100.7"]) == "10.0.0.2"
    assert _address(app, 1, []) == "10.0.0.2"


def test_unstorable_strings_are_named_by_their_dotted_path_however_deep():
    from backend.apiframe import _unstorable_fields

    assert _unstorable_fields({"a": {"b": ["ok", "nul\x00"]}, "c": "fine", "d": "\ud800"}) == ["a.b.1", "d"]
    assert _unstorable_fields({"bad\x00key": "x"}) == ["_schema"]
    deep: dict = {"v": "\x00"}
    for _ in range(5000):
        deep = {"n": deep}
    assert _unstorable_fields(deep) == [".".join(["n"] * 5000 + ["v"])]
    assert _unstorable_fields({"ok": ["a", {"b": "c"}]}) == []
