"""The OpenAPI document and its readable page (/healthz: tests/backend/test_init.py)."""

import re

import pytest

METHODS = {"get", "head", "post", "put", "patch", "delete"}


@pytest.fixture
def spec(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    return response.get_json()


def _refs(node, found):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                found.add(value)
            else:
                _refs(value, found)
    elif isinstance(node, list):
        for value in node:
            _refs(value, found)
    return found


def test_document_is_openapi_3(spec):
    assert spec["openapi"].startswith("3.")
    assert spec["info"]["title"] and spec["info"]["version"]
    schemas = spec["components"]["schemas"]
    assert {"TokenRequest", "TokenResponse", "HouseholdOut", "NodeOut", "Problem"} <= set(schemas)
    assert {"username", "password", "device_id", "device_name"} <= set(schemas["TokenRequest"]["properties"])
    assert set(schemas["TokenRequest"]["required"]) == {"username", "password", "device_id"}
    assert {"type", "title", "status", "detail"} <= set(schemas["Problem"]["required"])
    assert "/api/v1/auth/token" in spec["paths"]
    shared = spec["components"].get("parameters", {})
    for ref in _refs(spec, set()):  # every reference resolves
        kind, _, name = ref.removeprefix("#/components/").partition("/")
        assert (kind == "schemas" and name in schemas) or (kind == "parameters" and name in shared), ref
    schemes = spec["components"].get("securitySchemes", {})
    for path, item in spec["paths"].items():
        assert path.startswith("/")
        for method, operation in item.items():
            assert method in METHODS, (path, method)
            assert operation["responses"], (path, method)
            for code, response in operation["responses"].items():
                assert code == "default" or re.fullmatch(r"[1-5]\d\d", str(code)), (path, code)
                assert response.get("description"), (path, method, code)  # required by OpenAPI
            parameters = [shared[p["$ref"].rsplit("/", 1)[1]] if "$ref" in p else p
                          for p in operation.get("parameters", [])]
            declared = {p["name"] for p in parameters if p["in"] == "path"}
            assert declared == set(re.findall(r"{(\w+)}", path)), (path, method)
            assert all(p.get("required") for p in parameters if p["in"] == "path")
            for requirement in operation.get("security", []):
                assert set(requirement) <= set(schemes)


def test_document_passes_the_openapi_validator(spec):
    """The whole document, as a client generator or schemathesis reads it: one
    bad line (a YAML comma splitting a description into two keys) voids it all."""
    from openapi_spec_validator import OpenAPIV30SpecValidator

    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}"
              for e in OpenAPIV30SpecValidator(spec).iter_errors()]
    assert not errors, errors
    # The descriptions with a comma came through whole.
    attachment = spec["paths"]["/api/v1/attachments/{sha256}"]
    assert attachment["get"]["responses"]["404"]["description"] == "Not found, or not in your scope"
    assert attachment["put"]["responses"]["415"]["description"] == "Not a JPEG, PNG or WebP by its bytes"


def test_every_api_route_is_documented(app, spec):
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
            if method.lower() not in spec["paths"].get(path, {}):
                missing.append(f"{method} {path}")
    assert not missing, missing


def test_error_responses_are_problems(spec):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            default = operation["responses"]["default"]
            assert "application/problem+json" in default["content"], (path, method)


def test_docs_page_lists_every_path(client, spec):
    response = client.get("/api/docs?lang=en")
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "<script>" not in html and 'src="http' not in html and 'href="http' not in html
    for path, item in spec["paths"].items():
        assert f'<code class="path">{path}</code>' in html, path
        for method in item:
            assert re.search(rf'<code class="method {method}">{method.upper()}</code> <code class="path">'
                             rf'{re.escape(path)}</code>', html), (method, path)
    for name in spec["components"]["schemas"]:
        assert f'id="schema-{name}"' in html
    assert "Exchange a username and password for a device token" in html  # a summary
    assert 'href="#schema-TokenRequest"' in html  # the request schema by name
    assert "Wrong username or password" in html  # a response description
    assert "<code>per_page</code>" in html and "Items per page, at most 100." in html  # a shared parameter
