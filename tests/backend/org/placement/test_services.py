"""The placement property (issue 11): whatever sequence of moves (households,
residents, buildings, grids, communities), retirements and edits happens, every
account of every role receives exactly what `backend/auth/policy.py` allows,
nothing more and nothing less: in a fresh pull, in an incremental pull from its
cursor before the step, in the JSON API lists and in the registry pages.

One small world is built once per module and restored row for row before each
example (tokens and signed-in page clients survive), so hundreds of examples
fit in CI time on SQLite and PostgreSQL."""

import re
import uuid

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlalchemy import delete, select

from backend.auth import policy
from backend.auth.models import User
from backend.errors import ApiError, Invalid, NotAllowedNow, Refused
from backend.extensions import db
from backend.fieldwork.visits.models import Visit, VisitTask
from backend.org import services as org
from backend.org.models import Node
from backend.ratings.models import Rating
from backend.registry import services as registry
from backend.registry.models import Household, Resident
from backend.requests import services as requests
from backend.requests.models import Request, RequestEvent
from sync.pull import pull
from tests.factories import build_world, empty_database, household, node, resident
from tests.placing import h1_life

pytestmark = pytest.mark.shared_database

# One account of every role; between them they stand on both sides of every boundary
# the moves cross (street1 has C1 and C2, staff2 has C2, worker1 a grid of C1, station1
# the village V1 of the other street).
ACCOUNTS = ("admin", "district1", "street1", "staff2", "worker1", "station1", "resident1")
PULLED = {"households": Household, "residents": Resident, "visits": Visit, "visit_tasks": VisitTask,
          "requests": Request, "request_events": RequestEvent, "ratings": Rating}
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
STEPS = 2
EXAMPLES = int(__import__("os").environ.get("LINLI_PLACEMENT_EXAMPLES", "200"))


def _build():
    w = build_world()
    w.nodes["B2"] = node("building", "2号楼", w.G2)
    w.nodes["B5"] = node("building", "和平里3号楼", w.G5)
    w.households["H2b"] = household(w.G2, "幸福小区2号楼3单元301", "赵敏", building=w.B2)
    w.residents["R2b"] = resident(w.H2b, "赵敏", tags=["rehabilitation"], gender="F")
    h1_life(w)
    s = db.session
    other = requests.create_request(s, w.staff2, {"category": "safety", "description": "井盖松动",
                                                  "household_id": w.H5.id, "on_behalf": True, "consent": True})
    requests.transition(s, w.staff2, other, "accept", {})
    requests.create_request(s, w.staff1, {"category": "environment", "description": "绿地有垃圾",
                                          "grid_id": w.G2.id, "on_behalf": True, "consent": True})
    s.commit()
    return w


def _snapshot() -> list:
    tables = db.metadata.sorted_tables
    with db.engine.connect() as conn:
        rows = [(t, [dict(r._mapping) for r in conn.execute(select(t))]) for t in tables]
    for table, found in rows:
        if table.name == "nodes":  # parents first
            found.sort(key=lambda r: r["path"].count("/"))
    return rows


def _restore(rows) -> None:
    db.session.remove()
    with db.engine.begin() as conn:
        for table, _found in reversed(rows):
            conn.execute(delete(table))
        for table, found in rows:
            if found:
                conn.execute(table.insert(), found)


@pytest.fixture(scope="module")
def stage(app):
    """The world, a bearer token and a signed-in page client per account, and the rows to restore."""
    from backend.auth.services import issue_device_token

    with app.app_context():
        empty_database()
        world = _build()
        tokens, pages = {}, {}
        for name in ACCOUNTS:
            user = db.session.scalar(select(User).where(User.username == name))
            token, _device = issue_device_token(user, str(uuid.uuid4()), "phone", None)
            db.session.commit()
            tokens[name] = {"Authorization": f"Bearer {token}"}
            client = app.test_client()
            with client.session_transaction() as session:  # signed in, without a password hash a test
                session["_user_id"], session["_fresh"] = user.get_id(), True
            pages[name] = client
        ids = {"nodes": {k: v.id for k, v in world.nodes.items()},
               "households": [h.id for h in db.session.scalars(select(Household).order_by(Household.address))],
               "residents": [r.id for r in db.session.scalars(select(Resident).order_by(Resident.name))],
               "requests": [r.id for r in db.session.scalars(select(Request).order_by(Request.created_at,
                                                                                      Request.description))]}
        rows = _snapshot()
        yield {"tokens": tokens, "pages": pages, "ids": ids, "rows": rows, "app": app}
        empty_database()


class Phone:
    """What a device holds: records by (collection, id), and its cursor. Pulls
    through the sync engine's pull (sync/pull.py), as the endpoint does."""

    def __init__(self, username):
        self.username = username
        self.cursor, self.records = "", {}

    def pull(self):
        user = db.session.scalar(select(User).where(User.username == self.username))
        for _ in range(100):
            page = pull(db.session, user, self.cursor, 500)
            if page.reset:
                self.records.clear()
            for change in page.changes:
                key = (change["collection"], change["id"])
                if key in self.records and self.records[key] > change["version"]:
                    continue
                if change["deleted"]:
                    self.records.pop(key, None)
                else:
                    self.records[key] = change["version"]
            self.cursor = page.cursor
            if not page.has_more:
                return self
        raise AssertionError("pull never finished")

    def copy(self) -> "Phone":
        twin = Phone(self.username)
        twin.cursor, twin.records = self.cursor, dict(self.records)
        return twin

    def held(self) -> dict[str, set]:
        return {name: {i for (c, i) in self.records if c == name} for name in PULLED}


def _everything() -> dict[str, list]:
    return {name: db.session.scalars(select(model)).all() for name, model in PULLED.items()}


def _allowed(user, everything) -> dict[str, set]:
    """What policy lets the user read, as a device holds it (retired records are deleted there)."""
    return {name: {r.id for r in records if policy.can(user, policy.READ, r) and getattr(r, "retired_at", None) is None}
            for name, records in everything.items()}


def _api_ids(client, headers, path) -> set:
    response = client.get(path, query_string={"per_page": 100}, headers=headers)
    assert response.status_code == 200, (path, response.get_json())
    return {item["id"] for item in response.get_json()["items"]}


def _page_ids(client, path, kind) -> set:
    # The list's rows, as htmx asks for them: the same view, query and rules as the whole page.
    response = client.get(path, headers={"HX-Request": "true"})
    if response.status_code != 200:
        return set()
    return set(re.findall(rf"/registry/{kind}/({UUID})", response.get_data(as_text=True)))


class PlacementWorld(RuleBasedStateMachine):
    stage: dict = {}

    def __init__(self):
        super().__init__()
        _restore(self.stage["rows"])
        self.client = self.stage["app"].test_client()
        # Every example starts from the same rows: the first one's initial pulls serve them all.
        first = self.stage.setdefault("phones", {name: Phone(name).pull() for name in ACCOUNTS})
        self.phones = {name: phone.copy() for name, phone in first.items()}
        self.steps = 0

    def _node(self, key):
        return db.session.get(Node, self.stage["ids"]["nodes"][key])

    def _admin(self):
        return db.session.scalar(select(User).where(User.username == "admin"))

    def _do(self, action, *args):
        try:
            action(*args)
        except (Invalid, Refused, NotAllowedNow, ApiError):
            db.session.rollback()
        else:
            db.session.commit()
        self.steps += 1

    @rule(index=st.integers(0, 4), grid=st.sampled_from(["G1", "G2", "G5", "G3"]), building=st.booleans())
    def move_household(self, index, grid, building):
        target = self._node(grid)
        home = db.session.get(Household, self.stage["ids"]["households"][index])
        inside = db.session.scalar(select(Node.id).where(Node.parent_id == target.id, Node.kind == "building"))
        self._do(registry.move_household, self._admin(), home, target.id, inside if building else None)

    @rule(index=st.integers(0, 5), home=st.integers(0, 4))
    def move_resident(self, index, home):
        person = db.session.get(Resident, self.stage["ids"]["residents"][index])
        self._do(registry.move_resident, self._admin(), person, self.stage["ids"]["households"][home])

    @rule(key=st.sampled_from(["B1", "B2", "B5"]), grid=st.sampled_from(["G1", "G2", "G5", "G3"]))
    def move_building(self, key, grid):
        self._do(org.move_node, self._admin(), self._node(key), self._node(grid).id)

    @rule(key=st.sampled_from(["G1", "G2", "G5", "G3"]), community=st.sampled_from(["C1", "C2", "V1"]))
    def move_grid(self, key, community):
        self._do(org.move_node, self._admin(), self._node(key), self._node(community).id)

    @rule(key=st.sampled_from(["C1", "C2", "V1"]), street=st.sampled_from(["S1", "S2"]))
    def move_community(self, key, street):
        self._do(org.move_node, self._admin(), self._node(key), self._node(street).id)

    @rule(index=st.integers(0, 4), restore=st.booleans())
    def retire_household(self, index, restore):
        home = db.session.get(Household, self.stage["ids"]["households"][index])
        if restore:
            self._do(registry.restore_household, self._admin(), home)
        else:
            self._do(registry.retire_household, self._admin(), home, "搬走")

    @rule(index=st.integers(0, 5))
    def retire_resident(self, index):
        person = db.session.get(Resident, self.stage["ids"]["residents"][index])
        self._do(registry.retire_resident, self._admin(), person, "迁出")

    @rule(index=st.integers(0, 4), notes=st.sampled_from(["新的备注", "独居", ""]))
    def edit_household(self, index, notes):
        home = db.session.get(Household, self.stage["ids"]["households"][index])
        self._do(registry.update_household, self._admin(), home, {"notes": notes})

    @rule(index=st.integers(0, 3), grid=st.sampled_from(["G1", "G2", "G5", "G3"]))
    def place_or_note_request(self, index, grid):
        record = db.session.get(Request, self.stage["ids"]["requests"][index])
        if record.household_id is None:
            self._do(requests.transition, db.session, self._admin(), record, "place", {"grid_id": self._node(grid).id})
        else:
            self._do(requests.transition, db.session, self._admin(), record, "note", {"message": "跟进"})

    @invariant()
    def every_device_holds_exactly_what_policy_allows(self):
        """After every step: each account's phone pulling on from its cursor, and a fresh phone."""
        if self.steps == 0:
            return  # the restored world, checked by the first example's first step
        db.session.remove()
        users, everything = self._users(), _everything()
        for name in ACCOUNTS:
            allowed = _allowed(users[name], everything)
            assert self.phones[name].pull().held() == allowed, f"incremental pull of {name}"
            assert Phone(name).pull().held() == allowed, f"fresh pull of {name}"

    def teardown(self):
        """After the example's last step: each account's API lists and registry list
        pages too. They read the same scope filters the pulls are checked against,
        and cost the most, so they are read once per sequence of moves."""
        if self.steps == 0:
            return
        db.session.remove()
        users, everything = self._users(), _everything()
        for name in ACCOUNTS:
            allowed = _allowed(users[name], everything)
            headers = self.stage["tokens"][name]
            assert _api_ids(self.client, headers, "/api/v1/registry/households") == allowed["households"], name
            assert _api_ids(self.client, headers, "/api/v1/requests") == allowed["requests"], name
            assert _api_ids(self.client, headers, "/api/v1/ratings") == allowed["ratings"], name
            pages = self.stage["pages"][name]
            staff = users[name].role != "resident"
            assert _page_ids(pages, "/registry/households", "households") == \
                (allowed["households"] if staff else set()), name
            residents = {r.id for r in everything["residents"]
                         if r.id in allowed["residents"] and r.household_id in allowed["households"]}
            assert _page_ids(pages, "/registry/residents", "residents") == (residents if staff else set()), name

    def _users(self) -> dict:
        return {u.username: u for u in db.session.scalars(select(User).where(User.username.in_(ACCOUNTS)))}


def test_every_account_receives_exactly_what_policy_allows_through_any_moves(stage):
    PlacementWorld.stage = stage
    with stage["app"].app_context():
        run_state_machine_as_test(PlacementWorld, settings=settings(
            max_examples=EXAMPLES, stateful_step_count=STEPS, deadline=None, database=None,
            suppress_health_check=list(HealthCheck)))
