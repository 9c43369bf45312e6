"""The JSON API frame: strict body parsing, problem+json, gzip. (Bearer-token
auth is the auth area's: backend/auth/bearer.py.)"""

import json
import re
import zlib

import orjson
from flask import current_app, request
from marshmallow import ValidationError
from zlib_ng import gzip_ng

from backend.errors import ApiError, field_messages


def client_address() -> str:
    """The address sign-in throttling and the audit record. Behind N trusted
    proxies (LINLI_TRUST_PROXY=N) each appends the address it saw to
    X-Forwarded-For, so the client's is the N-th entry from the right; what a
    client writes at the left is never believed."""
    trusted = int(current_app.config.get("TRUST_PROXY") or 0)
    if trusted > 0:
        forwarded = [part.strip() for header in request.headers.getlist("X-Forwarded-For")
                     for part in header.split(",")]
        if len(forwarded) >= trusted and forwarded[-trusted]:
            return forwarded[-trusted][:64]
    return (request.remote_addr or "")[:64]


def _read_body(limit: int) -> bytes:
    length = request.content_length
    if length is not None and length > limit:
        raise ApiError(413, "Payload Too Large", f"The body may be at most {limit} bytes.")
    raw = request.stream.read(limit + 1)
    if len(raw) > limit:
        raise ApiError(413, "Payload Too Large", f"The body may be at most {limit} bytes.")
    encoding = (request.headers.get("Content-Encoding") or "").strip().lower()
    if encoding in ("", "identity"):
        return raw
    if encoding != "gzip":
        raise ApiError(415, "Unsupported Media Type", f"Content-Encoding {encoding!r} is not supported.")
    # Inflate in bounded steps: a gzip bomb stops at the limit, not in memory.
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(raw, limit + 1)
    except zlib.error:
        raise ApiError(400, "Bad Request", "The gzip body is corrupt.") from None
    if len(out) > limit or inflater.unconsumed_tail:
        raise ApiError(413, "Payload Too Large", f"The inflated body may be at most {limit} bytes.")
    return out


def json_body(limit: int | None = None) -> dict:
    """The request's JSON object, or a problem for anything else."""
    limit = limit or current_app.config["API_MAX_BODY"]
    mimetype = request.mimetype or ""
    if mimetype != "application/json" and not mimetype.endswith("+json"):
        raise ApiError(415, "Unsupported Media Type", "Send the body as application/json.")
    raw = _read_body(limit)
    suspect = _SUSPECT_ESCAPE.search(raw) is not None
    data = _decode(raw, suspect)
    if not isinstance(data, dict):
        raise ApiError(422, "Validation failed", "The body must be a JSON object.",
                       errors={"_schema": ["Expected a JSON object."]})
    # Strict UTF-8 text parsed by the strict JSON decoder holds a NUL or a lone
    # surrogate only through a \u escape: without one, there is nothing to find.
    bad = _unstorable_fields(data) if suspect else []
    if bad:
        raise ApiError(422, "Validation failed", "Some fields are not valid.",
                       errors={name: ["Text may not contain NUL characters or lone surrogates."] for name in bad})
    return data


_SUSPECT_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")
# What orjson reads otherwise than the standard library: integers wider than
# 64 bits (a float there), NaN and infinities, lone surrogates (errors there).
# A number token follows one of `:,[-` or white space; folded to ":" and the
# digits to "0", a run of 19 digits after one is one find (a regex is 10× slower).
_NUMBER_FOLD = bytes(48 if 48 <= b <= 57 else 58 if b in b":,[- \t\r\n" else b for b in range(256))
_LONG_NUMBER = b":" + b"0" * 19


def _has_long_number(raw: bytes) -> bool:
    """A run of 19 digits that may be a number: after one of `:,[-`, white
    space, or at the very start (a body that is a number alone)."""
    return _LONG_NUMBER in raw.translate(_NUMBER_FOLD) or _LONG_NUMBER in (b":" + raw[:19]).translate(_NUMBER_FOLD)


def _decode(raw: bytes, suspect: bool):
    """Parse strict UTF-8 JSON as `json.loads` does. orjson parses the plain
    body a device sends several times faster; anything it might read
    differently, or refuse, goes to the standard library, which decides."""
    if not suspect and not _has_long_number(raw):
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            pass  # the standard library words the error (or reads NaN, as it always has)
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ApiError(400, "Malformed JSON", "The body is not valid UTF-8 JSON.") from None
    except RecursionError:
        raise ApiError(400, "Malformed JSON", "The body is nested too deeply.") from None


def _unstorable(text: str) -> bool:
    if "\x00" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _unstorable_fields(data: dict) -> list[str]:
    """Names (dotted paths) of strings no database can store: NUL characters
    (PostgreSQL refuses them) and lone surrogates (not UTF-8). Iterative, so
    deep nesting cannot exhaust the stack."""
    bad, stack = [], [("", data)]
    while stack:
        prefix, value = stack.pop()
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in items:
            name = f"{prefix}.{key}" if prefix else str(key)
            if isinstance(key, str) and _unstorable(key):
                bad.append("_schema")
            elif isinstance(item, str) and _unstorable(item):
                bad.append(name)
            elif isinstance(item, dict | list):
                stack.append((name, item))
    return sorted(set(bad))


def load(schema, data=None, partial=False):
    """Validate with a marshmallow schema; unknown fields are errors."""
    if data is None:
        data = json_body()
    try:
        return schema.load(data, partial=partial)
    except ValidationError as exc:
        raise ApiError(422, "Validation failed", "Some fields are not valid.",
                       errors=field_messages(exc.messages)) from None


def gzip_if_accepted(response):
    """Compress larger JSON responses for clients that accept gzip."""
    if (response.direct_passthrough or response.status_code < 200 or response.status_code >= 300
            or "gzip" not in (request.headers.get("Accept-Encoding") or "")
            or response.headers.get("Content-Encoding")):
        return response
    body = response.get_data()
    if len(body) < 1024:
        return response
    # zlib-ng at level 5: on a pull page of 1,000 visits (545 KiB of JSON)
    # 2.4 ms and 74 KiB, where zlib took 4.6 ms for 77 KiB; any gzip reader inflates it.
    response.set_data(gzip_ng.compress(body, compresslevel=5))
    response.headers["Content-Encoding"] = "gzip"
    response.headers.add("Vary", "Accept-Encoding")
    return response
