"""gunicorn's access log without secrets or personal data (docs/PRIVACY.md,
"Access logs"): query values are kept only for parameters known to be
harmless, every other value is written as `[redacted]` (Open311's `api_key`,
name and address searches, invitation codes, tokens, coordinates); an Open311
request token in a path, the referrer's query, and credentials in headers
are redacted the same way. gunicorn.conf.py names this logger."""

import re
from urllib.parse import parse_qsl, quote

from gunicorn.glogging import Logger

REDACTED = "[redacted]"

# Parameters whose values say nothing about a person and no secret: paging,
# filters by id or kind, switches. Any other parameter's value is redacted.
HARMLESS = frozenset({
    "page", "per_page", "limit", "offset", "sort", "order", "status", "kind", "role", "category", "tag",
    "grid", "grid_id", "community", "community_id", "under", "node", "node_id", "household", "household_id",
    "worker", "target_id", "target_type", "retired", "include_retired", "overdue", "follow_up", "since",
    "until", "from", "to", "lang", "format", "fmt", "jurisdiction_id", "service_code", "service_request_id",
    "start_date", "end_date", "days", "view", "tab", "level", "channel", "department_id", "action",
})
# Path segments that are secrets: Open311's request tokens (/open311/v2/tokens/<token>.json).
SECRET_PATHS = (re.compile(r"(/tokens/)[^/?#.]+"),)
SECRET_HEADERS = frozenset({"authorization", "cookie", "x-api-key", "proxy-authorization"})


def redact_query(query: str | None) -> str:
    """The query with each value of a parameter not known to be harmless redacted."""
    if not query:
        return query or ""
    pairs = parse_qsl(query, keep_blank_values=True)
    if not pairs:
        return REDACTED
    return "&".join(f"{quote(name, safe='[]_-.')}={quote(value, safe='-_.:,') if name in HARMLESS else REDACTED}"
                    for name, value in pairs)


def redact_path(path: str | None) -> str:
    path = path or ""
    for pattern in SECRET_PATHS:
        path = pattern.sub(lambda match: match.group(1) + REDACTED, path)
    return path


def redact_uri(uri: str | None) -> str:
    """A request target or referrer: its path's secrets and its query's values redacted."""
    if not uri or uri == "-":
        return uri or ""
    fragmentless = uri.split("#", 1)[0]
    path, mark, query = fragmentless.partition("?")
    return redact_path(path) + (mark + redact_query(query) if mark else "")


class RedactingLogger(Logger):
    """gunicorn's Logger whose atoms (%(r)s, %(U)s, %(q)s, %(f)s, {…}i, {…}e)
    carry no query value, token or credential."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        target = redact_uri(environ.get("RAW_URI"))
        atoms["r"] = f"{environ.get('REQUEST_METHOD')} {target} {environ.get('SERVER_PROTOCOL')}"
        atoms["U"] = redact_path(environ.get("PATH_INFO"))
        atoms["q"] = redact_query(environ.get("QUERY_STRING"))
        atoms["f"] = redact_uri(environ.get("HTTP_REFERER", "-"))
        for key in list(atoms):
            if not key.startswith("{"):
                continue
            name = key[1:].rsplit("}", 1)[0]
            if name in SECRET_HEADERS or name.removeprefix("http_").replace("_", "-") in SECRET_HEADERS:
                atoms[key] = REDACTED
            elif name in ("raw_uri", "referer", "http_referer", "request_uri"):
                atoms[key] = redact_uri(atoms[key])
            elif name == "query_string":
                atoms[key] = redact_query(atoms[key])
            elif name == "path_info":
                atoms[key] = redact_path(atoms[key])
        return atoms
