from backend.extensions import db
from backend.requests import services
from tests.factories import RequestFactory
from tests.timing import EPOCH

# The moment each test starts at: Friday 27 November 2026, 10:00 in Shanghai.
NOW = EPOCH


def raise_request(world, actor=None, now=NOW, **data):
    actor = actor or world.resident1
    payload = {"category": "environment", "description": "垃圾桶满了"} | data
    if actor.role != "resident":
        payload = {"household_id": world.H1.id, "on_behalf": True, "consent": True} | payload
    request = services.create_request(db.session, actor, payload, now=now)
    db.session.commit()
    return request


def in_state(world, status, *, level=None, assignee=None, department=None, actor=None, at=NOW, **data):
    """A request of resident1's household (or raised by `actor`) taken to `status`, held at `level`, by the
    state machine's own steps at `at` (tests/factories.py, RequestFactory): dispatched to `assignee` (default
    grid worker 1) or `department`."""
    actor = actor or world.resident1
    payload = {"category": "environment", "description": "垃圾桶满了"} | data
    if actor.role != "resident":
        payload = {"household_id": world.H1.id} | payload
    request = RequestFactory(raiser=actor, status=status, level=level, assignee=assignee, department=department,
                             at=at, **payload)
    db.session.commit()
    db.session.refresh(request)
    return request
