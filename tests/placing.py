"""Everything that lives in household H1 of the test world (tests/factories.py):
a visit, a visit task, an open request dispatched to grid worker 1, a closed
request with its rating (and their steps), and a patrol report in grid G1.
For the tests of moves (backend/org/placement)."""

from dataclasses import dataclass
from datetime import date

from backend.extensions import db
from backend.fieldwork.patrols import services as patrols
from backend.fieldwork.visits import services as visits
from backend.ratings import services as ratings
from backend.requests import services as requests
from backend.requests.models import RequestEvent
from tests.factories import VisitTaskFactory


@dataclass
class Life:
    visit: str
    task: str
    open_request: str
    closed_request: str
    rating: str
    events: list
    patrol: str

    def of_h1(self) -> dict[str, set]:
        """Ids by sync collection of what follows H1 (not the patrol report: it stays in its grid)."""
        return {"visits": {self.visit}, "visit_tasks": {self.task},
                "requests": {self.open_request, self.closed_request}, "ratings": {self.rating},
                "request_events": set(self.events)}


def h1_life(world) -> Life:
    s = db.session
    visit = visits.record_visit(world.worker1, "00000000-0000-4000-8000-000000000a01", {
        "household_id": world.H1.id, "visited_at": "2026-11-20T09:00:00+08:00", "notes": "一切正常"})
    task = VisitTaskFactory(household=world.H1, due_date=date(2026, 12, 1), reason="走访")
    patrol = patrols.report(world.worker1, "00000000-0000-4000-8000-000000000a02", {
        "grid_id": world.G1.id, "category": "street_stall", "description": "占道经营",
        "reported_at": "2026-11-21T10:00:00+08:00"})
    raised = {"category": "facilities", "description": "楼道灯坏了"}
    open_request = requests.create_request(s, world.resident1, raised)
    requests.transition(s, world.staff1, open_request, "accept", {})
    requests.transition(s, world.staff1, open_request, "dispatch", {"assignee_id": world.worker1.id})
    closed = requests.create_request(s, world.resident1, raised | {"description": "垃圾没人收"})
    requests.transition(s, world.staff1, closed, "accept", {})
    requests.transition(s, world.staff1, closed, "resolve", {"message": "已处理"})
    rating = ratings.rate(s, world.resident1, "request", closed.id, 5)
    s.commit()
    events = list(s.scalars(db.select(RequestEvent.id).where(
        RequestEvent.request_id.in_([open_request.id, closed.id]))))
    return Life(visit=visit.id, task=task.id, open_request=open_request.id, closed_request=closed.id,
                rating=rating.id, events=events, patrol=patrol.id)
