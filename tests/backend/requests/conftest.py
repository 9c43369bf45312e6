from datetime import timedelta

from backend.extensions import db
from backend.requests import services
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


def in_state(world, status, *, level="community", assignee=None, resolved_days_ago=1, **data):
    """A request of resident1's household put straight into `status` (the state machine is tested elsewhere)."""
    request = raise_request(world, **data)
    request.status = status
    request.level = level
    request.holder_node_id = {"community": world.C1.id, "street": world.S1.id, "district": world.D.id}[level]
    request.assignee_id = assignee.id if assignee else None
    if status in ("resolved", "closed"):
        request.resolved_at = NOW - timedelta(days=resolved_days_ago)
    db.session.commit()
    db.session.refresh(request)
    return request
