"""The JSON API frame's body decoder reads every body as the standard library does."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backend.apiframe import _SUSPECT_ESCAPE, _decode
from backend.errors import ApiError
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
