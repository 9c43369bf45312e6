"""The GeoReport v2 wire formats: the same rows as a JSON array or as XML with
the specification's root and element names, and errors in its <errors> shape.

XML is built with xml.etree.ElementTree (which escapes text); characters XML 1.0
cannot carry at all (control characters, lone surrogates) are dropped first, so
every document is well-formed whatever a person typed. Nothing a client sends
is ever parsed as XML."""

import json
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import Response, current_app, request
from werkzeug.http import HTTP_STATUS_CODES

from backend.errors import ApiError, DomainError

FORMATS = {"json": "application/json", "xml": "text/xml"}

# A list-valued field becomes a container of these child elements in XML.
CHILD_NAMES = {
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "keywords": "keyword",
}

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


class Open311Error(ApiError):
    """One error of the specification: its HTTP status is also its <code>. A problem like
    any other (backend/errors.py); only its rendering is the specification's."""

    def __init__(self, status: int, description: str, headers: dict | None = None):
        super().__init__(status, HTTP_STATUS_CODES.get(status, "Error"), description, headers=headers)


def format_of(path: str | None = None) -> str:
    """The format a path asks for by its extension; XML (the spec's required
    format) when the extension is missing or unknown."""
    path = request.path if path is None else path
    return "json" if path.lower().endswith(".json") else "xml"


def check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise Open311Error(400, "The format must be json or xml (for example requests.json).")
    return fmt


def w3c(value: datetime | None) -> str | None:
    """A stored naive-UTC time as W3C/ISO 8601 with the configured zone's offset."""
    if value is None:
        return None
    zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "UTC")
    aware = value.replace(tzinfo=UTC) if value.tzinfo is None else value
    return aware.astimezone(zone).isoformat(timespec="seconds")


def parse_w3c(name: str, raw: str) -> datetime:
    """A W3C date or date-time from a client, as naive UTC. A time without a
    zone is taken as UTC; anything unparsable is a 400."""
    text = (raw or "").strip()
    if text.endswith(("z", "Z")):
        text = text[:-1] + "+00:00"
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise Open311Error(400, f"{name} is not a W3C date-time (e.g. 2026-11-05T13:15:30Z).") from None
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("", str(value))


def _fill(element: ET.Element, name: str, value) -> None:
    child = ET.SubElement(element, name)
    if value is None:
        return
    if isinstance(value, dict):
        for key, item in value.items():
            _fill(child, key, item)
    elif isinstance(value, list | tuple):
        inner = CHILD_NAMES.get(name, "item")
        for item in value:
            _fill(child, inner, item)
    else:
        child.text = _text(value)


def xml_document(root: str, item: str | None, body) -> str:
    """`body` is a list of rows (each an <item> under <root>) or one mapping
    whose fields sit directly under <root>."""
    element = ET.Element(root)
    if item is None:
        for key, value in body.items():
            _fill(element, key, value)
    else:
        for row in body:
            _fill(element, item, row)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(element, encoding="unicode")


def _clean_json(value):
    if isinstance(value, str):
        return value.encode("utf-8", "replace").decode("utf-8")
    if isinstance(value, dict):
        return {key: _clean_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_clean_json(item) for item in value]
    return value


def respond(fmt: str, root: str, item: str | None, body, status: int = 200, headers: dict | None = None) -> Response:
    if fmt == "json":
        data = json.dumps(_clean_json(body), ensure_ascii=False, separators=(",", ":"))
        mimetype = FORMATS["json"]
    else:
        data = xml_document(root, item, body)
        mimetype = FORMATS["xml"]
    response = Response(data, status=status, mimetype=mimetype)
    response.headers["Content-Type"] = f"{mimetype}; charset=utf-8"
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def error_response(status: int, description: str, fmt: str | None = None, headers: dict | None = None) -> Response:
    """<errors><error><code/><description/></error></errors>, or the JSON array."""
    fmt = fmt or format_of()
    return respond(fmt, "errors", "error", [{"code": status, "description": description}],
                   status=status, headers=headers)


def problem_response(exc: DomainError) -> Response:
    """Any problem (backend/errors.py) in the specification's <errors> shape. Fields at
    fault (422 elsewhere) are the specification's 400."""
    return error_response(400 if exc.status == 422 else exc.status, exc.detail, headers=exc.headers)
