"""The API keeps its published contract: schemathesis generates requests for
every operation of /api/openapi.json, in-process over WSGI, signed in with a
real device token of a community staff member and of a grid worker, and no
answer may be a 5xx. Each operation runs with a fixed seed (derandomized:
the same cases every run) and then a few cases of a random seed, printed on
failure so a run can be repeated (LINLI_CONTRACT_SEED=<seed>).

Cases are valid (positive) and invalid (negative: wrong types, missing or
unknown fields, out-of-range values); operations with path parameters run
both with generated ids and with ids of real records in the caller's reach,
so the rules behind the 404 are exercised too."""

import hashlib
import io
import os
import random
import time
from datetime import timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis.errors import Unsatisfiable
from PIL import Image
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.generation.modes import GenerationMode

from backend.common import utcnow
from backend.extensions import db
from tests.factories import VisitTaskFactory

# Examples per (operation, mode, path ids): the fixed seed's, then the random seed's.
FIXED_EXAMPLES = int(os.environ.get("LINLI_CONTRACT_EXAMPLES", "8"))
RANDOM_EXAMPLES = 3
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 20, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def _records(world, client, auth, username) -> dict:
    """Ids of real records, by path parameter name: what the caller may reach."""
    worker = auth.headers("worker1")
    data = _png()
    sha = hashlib.sha256(data).hexdigest()
    put = client.put(f"/api/v1/attachments/{sha}", data=data, content_type="image/png", headers=worker)
    assert put.status_code == 201, put.get_json()
    moment = (utcnow() - timedelta(hours=1)).isoformat() + "Z"
    visit = client.post("/api/v1/visits", headers=worker, json={
        "household_id": world.H1.id, "visited_at": moment, "photos": [sha], "photo_times": {sha: moment}})
    report = client.post("/api/v1/patrol-reports", headers=worker, json={
        "grid_id": world.G1.id, "category": "other", "description": "井盖松动", "reported_at": moment})
    request = client.post("/api/v1/requests", headers=worker, json={
        "category": "environment", "description": "垃圾桶满了", "household_id": world.H1.id,
        "on_behalf": True, "consent": True})
    assert {visit.status_code, report.status_code, request.status_code} == {201}
    task = VisitTaskFactory(household=world.H1, due_date=utcnow().date(), reason="走访")
    db.session.commit()
    # A second device of the caller's own: revoking it is allowed and leaves the test's token alone.
    devices = client.get("/api/v1/auth/devices", headers=auth.headers(username)).get_json()["devices"]
    [spare] = [device["id"] for device in devices if device["current"]]
    return {"sha256": sha, "device_id": spare, "node_id": world.G1.id, "household_id": world.H1.id,
            "resident_id": world.R1.id, "report_id": report.get_json()["id"], "visit_id": visit.get_json()["id"],
            "request_id": request.get_json()["id"], "task_id": task.id}


def _run(app, operation, mode, path_parameters, headers, examples, fixed_seed):
    """Send `examples` generated cases; raise at the first 5xx."""

    @settings(max_examples=examples, derandomize=fixed_seed is None, deadline=None, database=None,
              suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
    @given(case=operation.as_strategy(generation_mode=mode, path_parameters=path_parameters))
    def check(case):
        case.call_and_validate(app=app, headers=headers, checks=[not_a_server_error])

    if fixed_seed is not None:
        check = seed(fixed_seed)(check)
    try:
        check()
    except Unsatisfiable:
        # Nothing to make invalid: a negative case of an operation whose only
        # input is a path id given here, or a path string any text satisfies.
        assert mode is GenerationMode.NEGATIVE, operation.label


@pytest.mark.parametrize("username", ["staff1", "worker1"])
def test_no_operation_answers_a_server_error(world, app, client, auth, username):
    schema = schemathesis.openapi.from_dict(client.get("/api/openapi.json").get_json())
    # The test signs in itself; generated Authorization headers would only ever be refused.
    schema.config.generation.update(with_security_parameters=False)
    headers = auth.headers(username)
    records = _records(world, client, auth, username)
    random_seed = int(os.environ.get("LINLI_CONTRACT_SEED") or random.randrange(2**32))
    failures, ran, started = [], set(), time.monotonic()
    for result in schema.get_all_operations():
        operation = result.ok()
        names = [parameter.name for parameter in operation.path_parameters]
        real = {name: records[name] for name in names if name in records}
        # Only a body or a query can be made invalid: any text is a path id.
        for mode in MODES if list(operation.body) or list(operation.query) else MODES[:1]:
            for path_parameters in ([None, real] if real else [None]):
                for examples, fixed_seed in ((FIXED_EXAMPLES, None), (RANDOM_EXAMPLES, random_seed)):
                    try:
                        _run(app, operation, mode, path_parameters, headers, examples, fixed_seed)
                    except (Exception, FailureGroup) as exc:  # every failure is reported below, with its case
                        which = "fixed seed" if fixed_seed is None else f"LINLI_CONTRACT_SEED={fixed_seed}"
                        failures.append(f"{operation.label} ({mode.value}, {which}, "
                                        f"{'real' if path_parameters else 'generated'} ids):\n{exc}")
        ran.add(operation.label)
    documented = {f"{method.upper()} {path}" for path, item in schema.raw_schema["paths"].items() for method in item}
    assert ran == documented  # every operation of the document, none skipped
    assert not failures, f"{len(failures)} failing runs (random seed {random_seed}):\n\n" + "\n\n".join(failures)
    print(f"{username}: {len(ran)} operations in {time.monotonic() - started:.0f} s")
