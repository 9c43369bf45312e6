"""Visits, visit tasks and patrol reports: created from any path, and every
role sees exactly what the policy allows: in pulls, in the JSON API, and in
the photos they name."""

import hashlib
import io
from datetime import date

import pytest
from PIL import Image
from sqlalchemy import select

from backend.auth import policy
from backend.extensions import db
from backend.fieldwork.patrols import services as patrols
from backend.fieldwork.patrols.models import PatrolReport
from backend.fieldwork.visits import services as visits
from backend.fieldwork.visits.models import Visit, VisitTask
from tests.factories import VisitTaskFactory

ROLES = ["admin", "district1", "street1", "street2", "staff1", "staff2", "worker1", "worker2", "station1",
         "resident1", "volunteer1"]


def photo(seed: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (seed, 0, 0)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def field_world(world, ctx, client):
    """Field records in four grids of three communities, each naming a photo."""
    photos = {}

    def shot(key):
        data = photo(len(photos) + 1)
        photos[key] = data
        return hashlib.sha256(data).hexdigest()

    made, authors = {}, {}
    for key, actor, household in (("v1", world.worker1, world.H1), ("v2", world.worker2, world.H2),
                                  ("v5", world.staff2, world.H5), ("v3", world.station1, world.H3)):
        made[key] = visits.record_visit(actor, f"00000000-0000-4000-8000-0000000000{key[1]}1", {
            "household_id": household.id, "visited_at": "2026-11-20T09:00:00+08:00", "photos": [shot(key)]}).id
        authors[key] = actor.username
    for key, actor, grid in (("p1", world.worker1, world.G1), ("p3", world.station1, world.G3)):
        made[key] = patrols.report(actor, f"00000000-0000-4000-8000-0000000000{key[1]}2", {
            "grid_id": grid.id, "category": "street_stall", "description": "占道经营",
            "reported_at": "2026-11-21T10:00:00+08:00", "photos": [shot(key)]}).id
        authors[key] = actor.username
    for key, household in (("t1", world.H1), ("t3", world.H3)):
        task = VisitTaskFactory(household=household, due_date=date(2026, 12, 1), reason="走访")
        db.session.commit()
        made[key] = task.id
    # Each author uploads their own photo after the record that names it (the
    # protocol lets the record come first); a photo named ahead of its upload
    # opens only through its namer's upload (sync/attachments.py).
    for key, data in photos.items():
        response = client.put(f"/api/v1/attachments/{hashlib.sha256(data).hexdigest()}", data=data,
                              content_type="image/png", headers=_token(client, authors[key]))
        assert response.status_code == 201
    return made, photos


def _token(client, username):
    import uuid

    response = client.post("/api/v1/auth/token", json={"username": username, "password": "demo-pass-2026",
                                                       "device_id": str(uuid.uuid4())})
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


def _allowed(user, model):
    db.session.expire_all()
    return {r.id for r in db.session.scalars(select(model)) if policy.can(user, policy.READ, r)}


@pytest.mark.parametrize("username", ROLES)
def test_every_role_sees_exactly_its_field_records(field_world, world, device, client, username):
    made, photos = field_world
    user = world.users[{"district1": "district"}.get(username, username)]
    phone = device(username)
    phone.pull()
    for collection, model, path in (("visits", Visit, "/api/v1/visits"),
                                    ("patrol_reports", PatrolReport, "/api/v1/patrol-reports"),
                                    ("visit_tasks", VisitTask, "/api/v1/visit-tasks")):
        allowed = _allowed(user, model)
        assert phone.ids(collection) == allowed, collection
        listed = client.get(path, query_string={"per_page": 100}, headers=phone.headers).get_json()
        assert {item["id"] for item in listed["items"]} == allowed
        assert listed["total"] == len(allowed)  # counts never leak either
        for record_id in db.session.scalars(select(model.id)):
            single = client.get(f"{path}/{record_id}", headers=phone.headers)
            assert single.status_code == (200 if record_id in allowed else 404), (collection, record_id)
    readable_records = _allowed(user, Visit) | _allowed(user, PatrolReport)
    for key, data in photos.items():
        sha = hashlib.sha256(data).hexdigest()
        response = client.get(f"/api/v1/attachments/{sha}", headers=phone.headers)
        assert response.status_code == (200 if made[key] in readable_records else 404), (key, username)


def test_visit_from_the_api_reaches_the_worker_and_completes_the_task(world, device, client, ctx):
    task = VisitTaskFactory(household=world.H1, due_date=date(2026, 12, 1), reason="独居老人每周走访")
    db.session.commit()
    phone = device("worker1")
    phone.pull()
    staff = _token(client, "staff1")
    response = client.post("/api/v1/visits", json={"household_id": world.H1.id, "task_id": task.id,
                                                   "visited_at": "2026-11-25T15:00:00+08:00", "notes": "电话回访"},
                           headers=staff)
    assert response.status_code == 201, response.get_json()
    visit_id = response.get_json()["id"]
    phone.pull()
    assert phone.get("visits", visit_id)["notes"] == "电话回访"
    assert phone.get("visit_tasks", task.id)["status"] == "done"
    assert phone.get("visit_tasks", task.id)["visit_id"] == visit_id


def test_field_record_api_validates(world, client, ctx):
    staff = _token(client, "staff1")
    bad = client.post("/api/v1/visits", json={"household_id": world.H1.id, "visited_at": "soon", "mood": 1},
                      headers=staff)
    assert bad.status_code == 422 and bad.mimetype == "application/problem+json"
    assert {"visited_at", "mood"} <= set(bad.get_json()["errors"])
    outside = client.post("/api/v1/patrol-reports", json={"grid_id": world.G5.id, "category": "other",
                                                         "description": "x", "reported_at": "2026-11-25T15:00:00Z"},
                          headers=staff)
    assert outside.status_code == 422 and "grid_id" in outside.get_json()["errors"]
    assert db.session.scalar(select(PatrolReport.id)) is None
