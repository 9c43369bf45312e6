"""The ledger under random use (Hypothesis, stateful), on the real database: earnings (some
awarded twice under one reference), grants, redemptions reserved through the real sync push (some
pushed twice), cancelled and fulfilled, donations pushed to a neighbour, the pool or a paired
village, and reversals. After every step: every transaction sums to zero, every balance equals
its postings and is never below zero (issuance aside), no stock below zero, and `points verify`
finds nothing; a refused redemption or donation is refused exactly when the balance or the stock
was short. At the end of each example one entry is tampered with, and verify finds it."""

import uuid

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test
from sqlalchemy import delete, func, select, update

from backend.auth.models import User
from backend.auth.services import issue_device_token
from backend.errors import Conflict, Invalid, NotAllowedNow, Refused
from backend.extensions import db
from backend.points import earning, ledger, rewards, rules, services, verify
from backend.points.models import PointsAccount, PointsEntry, PointsTransaction, Redemption, Reward
from tests.factories import build_world, empty_database, user

pytestmark = pytest.mark.shared_database
EXAMPLES, STEPS = 40, 8
RESIDENTS = ("resident1", "resident2")


def _snapshot() -> list:
    with db.engine.connect() as conn:
        rows = [(t, [dict(r._mapping) for r in conn.execute(select(t))]) for t in db.metadata.sorted_tables]
    for table, found in rows:
        if table.name == "nodes":
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
    with app.app_context():
        empty_database()
        w = build_world()
        user("resident2", "resident", home=w.H2)
        db.session.commit()
        services.grant(db.session, w.staff1, w.C1.id, 2000)
        r2 = db.session.scalar(select(User).where(User.username == "resident2"))
        earning.award(db.session, community_id=w.C1.id, user_id=w.resident1.id, rule="hours", reference="start:1",
                      quantity=10)
        earning.award(db.session, community_id=w.C1.id, user_id=r2.id, rule="hours", reference="start:2",
                      quantity=5)
        cheap = rewards.create_reward(db.session, w.staff1, w.C1.id, {"title": "理发", "points": 30, "stock": 3})
        dear = rewards.create_reward(db.session, w.staff1, w.C1.id, {"title": "电饭煲", "points": 100, "stock": 1})
        rules.pair(db.session, w.staff1, w.C1.id, w.V1.id)
        db.session.commit()
        tokens = {}
        for name in RESIDENTS:
            person = db.session.scalar(select(User).where(User.username == name))
            device_id = str(uuid.uuid4())
            token, _device = issue_device_token(person, device_id, "phone", None)
            db.session.commit()
            tokens[name] = (device_id, {"Authorization": f"Bearer {token}"})
        ids = {"C1": w.C1.id, "V1": w.V1.id, "staff1": w.staff1.id, "rewards": [cheap.id, dear.id],
               "users": {name: db.session.scalar(select(User.id).where(User.username == name))
                         for name in (*RESIDENTS, "staff1")}}
        yield {"app": app, "rows": _snapshot(), "tokens": tokens, "ids": ids}
        empty_database()


class Ledger(RuleBasedStateMachine):
    stage: dict = {}

    def __init__(self):
        super().__init__()
        _restore(self.stage["rows"])
        self.client = self.stage["app"].test_client()
        self.ids = self.stage["ids"]
        self.redemptions: list[str] = []
        self.references: list[str] = []

    # --- helpers
    def _user(self, name) -> User:
        return db.session.get(User, self.ids["users"][name])

    def _balance(self, name) -> int:
        code = ledger.account_code("resident", self.ids["C1"], self.ids["users"][name])
        return db.session.scalar(select(PointsAccount.balance).where(PointsAccount.code == code)) or 0

    def _push(self, name, mutation):
        device_id, headers = self.stage["tokens"][name]
        body = {"device_id": device_id, "schema_version": 1, "mutations": [mutation]}
        response = self.client.post("/api/v1/sync/push", json=body, headers=headers)
        assert response.status_code == 200, response.get_json()
        return response.get_json()["results"][0]

    def _service(self, action, *args, **kwargs):
        try:
            result = action(*args, **kwargs)
        except (Invalid, Refused, Conflict, NotAllowedNow):
            db.session.rollback()
            return None
        db.session.commit()
        return result

    # --- rules
    @rule(who=st.sampled_from(RESIDENTS), kind=st.sampled_from(["help", "hours", "checkin"]),
          quantity=st.integers(1, 4), again=st.booleans())
    def earn(self, who, kind, quantity, again):
        reference = self.references[-1] if again and self.references else f"test:{uuid.uuid4()}"
        self.references.append(reference)
        before = self._balance(who)
        found = ledger.existing(db.session, reference)
        result = self._service(earning.award, db.session, community_id=self.ids["C1"],
                               user_id=self.ids["users"][who], rule=kind, reference=reference, quantity=quantity)
        if found is not None:
            assert result.id == found.id and self._balance(who) == before  # recorded once

    @rule(amount=st.integers(1, 200))
    def grant(self, amount):
        self._service(services.grant, db.session, self._user("staff1"), self.ids["C1"], amount)

    @rule(who=st.sampled_from(RESIDENTS), which=st.integers(0, 1), twice=st.booleans())
    def reserve(self, who, which, twice):
        reward = db.session.get(Reward, self.ids["rewards"][which])
        expected = self._balance(who) >= reward.points and reward.stock_available >= 1
        mutation = {"id": str(uuid.uuid4()), "collection": "redemptions", "record_id": str(uuid.uuid4()),
                    "op": "create", "data": {"reward_id": reward.id}}
        db.session.rollback()
        result = self._push(who, mutation)
        assert (result["status"] == "applied") == expected, result
        if result["status"] == "rejected":
            assert result["error"]["status"] == 409 and result["error"]["detail"]
        else:
            self.redemptions.append(mutation["record_id"])
        if twice:  # the same mutation again, as an outbox resent after a lost answer
            again = self._push(who, mutation)
            assert again.get("duplicate") and again["status"] == result["status"]

    @precondition(lambda self: self.redemptions)
    @rule(index=st.integers(0, 20), by_staff=st.booleans(), through_push=st.booleans())
    def cancel(self, index, by_staff, through_push):
        redemption = db.session.get(Redemption, self.redemptions[index % len(self.redemptions)])
        owner = next(n for n in RESIDENTS if self.ids["users"][n] == redemption.user_id)
        if through_push and not by_staff:
            db.session.rollback()
            result = self._push(owner, {"id": str(uuid.uuid4()), "collection": "redemptions",
                                        "record_id": redemption.id, "op": "action", "action": "cancel",
                                        "data": {"reason": "不要了"}})
            assert (result["status"] == "applied") == (redemption.status == "reserved"), result
        else:
            actor = self._user("staff1" if by_staff else owner)
            self._service(rewards.cancel, db.session, actor, redemption, "")

    @precondition(lambda self: self.redemptions)
    @rule(index=st.integers(0, 20))
    def fulfil(self, index):
        redemption = db.session.get(Redemption, self.redemptions[index % len(self.redemptions)])
        self._service(rewards.fulfil, db.session, self._user("staff1"), redemption)

    @rule(who=st.sampled_from(RESIDENTS), to=st.sampled_from(["resident", "community_pool", "paired_community"]),
          amount=st.integers(1, 80))
    def donate(self, who, to, amount):
        target = to
        other = next(n for n in RESIDENTS if n != who)
        to_id = {"resident": self.ids["users"][other], "community_pool": self.ids["C1"],
                 "paired_community": self.ids["V1"]}[target]
        expected = self._balance(who) >= amount
        db.session.rollback()
        result = self._push(who, {"id": str(uuid.uuid4()), "collection": "donations", "record_id": str(uuid.uuid4()),
                                  "op": "create", "data": {"to_kind": target, "to_id": to_id, "amount": amount}})
        assert (result["status"] == "applied") == expected, result

    @rule(pick=st.integers(0, 50))
    def reverse(self, pick):
        found = db.session.scalars(select(PointsTransaction).where(
            PointsTransaction.kind.in_(services.REVERSIBLE)).order_by(PointsTransaction.created_at)).all()
        if found:
            self._service(services.reverse, db.session, self._user("staff1"), found[pick % len(found)], "录错了")

    # --- invariants
    @invariant()
    def ledger_holds(self):
        db.session.rollback()
        sums = db.session.execute(select(PointsEntry.transaction_id, func.sum(PointsEntry.amount))
                                  .group_by(PointsEntry.transaction_id)).all()
        assert all(total == 0 for _tid, total in sums)
        for account in db.session.scalars(select(PointsAccount)):
            posted = db.session.scalar(select(func.coalesce(func.sum(PointsEntry.amount), 0))
                                       .where(PointsEntry.account_id == account.id))
            assert account.balance == posted
            assert account.kind == "issuance" or account.balance >= 0, account.code
        assert all(r.stock_available >= 0 for r in db.session.scalars(select(Reward)))
        assert verify.problems(db.session) == []

    def teardown(self):
        db.session.rollback()
        entry = db.session.scalar(select(PointsEntry).order_by(PointsEntry.created_at).limit(1))
        if entry is not None:
            table = PointsEntry.__table__
            db.session.execute(update(table).where(table.c.id == entry.id).values(amount=table.c.amount + 1))
            db.session.commit()
            assert any(entry.id in line for line in verify.problems(db.session))
        db.session.remove()


def test_the_ledger_holds_under_random_use(stage):
    Ledger.stage = stage
    with stage["app"].app_context():
        run_state_machine_as_test(Ledger, settings=settings(
            max_examples=EXAMPLES, stateful_step_count=STEPS, deadline=None, database=None,
            suppress_health_check=list(HealthCheck)))
