"""Pull delivers exactly the user's scope, as the central policy decides."""

import pytest

from backend.auth import policy
from backend.extensions import db
from backend.registry.models import Household, Resident


def _policy_ids(user, model):
    return {r.id for r in db.session.scalars(db.select(model)) if policy.can(user, policy.READ, r)
            and r.retired_at is None}


@pytest.mark.parametrize("username", ["admin", "district1", "street1", "street2", "staff1", "staff2", "worker1",
                                      "worker2", "station1", "resident1", "volunteer1"])
def test_initial_pull_is_exactly_what_policy_allows(world, device, username):
    phone = device(username)
    phone.pull()
    user = world.users[{"district1": "district"}.get(username, username)]
    assert phone.ids("households") == _policy_ids(user, Household)
    assert phone.ids("residents") == _policy_ids(user, Resident)


def test_worker_gets_only_their_grid(world, device):
    phone = device("worker1")
    phone.pull()
    assert phone.ids("households") == {world.H1.id}
    assert phone.ids("residents") == {world.R1.id, world.R1b.id}
    record = phone.get("households", world.H1.id)
    assert record["address"] == world.H1.address
    assert record["grid_id"] == world.G1.id
    assert record["care_tags"] == ["elderly_alone"]


def test_sensitive_care_tags_reach_only_those_who_may_see_them(world, device):
    staff, street = device("staff1"), device("street1")
    staff.pull()
    street.pull()
    assert "community_correction" in staff.get("residents", world.R1b.id)["care_tags"]
    assert "community_correction" not in street.get("residents", world.R1b.id)["care_tags"]


def test_sensitive_fields_never_leave_the_server(world, device):
    phone = device("staff1")
    phone.pull()
    record = phone.get("residents", world.R1.id)
    assert "id_number" not in record and "id_number_enc" not in record and "phone_enc" not in record
    raw = str(phone.records)
    assert "11010119400101123X" not in raw and "13800000001" not in raw


def test_pages_are_small_and_complete(world, device):
    phone = device("staff1")
    phone.pull(limit=1)
    assert phone.pages == 5  # 2 households + 3 residents, one a page; the last says has_more=false
    assert phone.ids("households") == {world.H1.id, world.H2.id}
    assert phone.ids("residents") == {world.R1.id, world.R1b.id, world.R2.id}


def _forged(cursor: str) -> str:
    """The cursor with one character of its signature changed. A character
    in the middle carries six whole bits: changing the last ones could
    leave the signature's bytes as they were (the tail holds padding bits)."""
    i = len(cursor) - 10
    return cursor[:i] + ("A" if cursor[i] != "A" else "B") + cursor[i + 1:]


def test_forged_or_foreign_cursor_resets(world, device, client):
    phone = device("worker1")
    phone.pull()
    other = device("worker2")
    other.pull()
    assert _forged(phone.cursor) != phone.cursor
    for bad in ("garbage", _forged(phone.cursor), other.cursor):
        page = client.get("/api/v1/sync/pull", query_string={"cursor": bad}, headers=phone.headers).get_json()
        assert page["reset"] is True
        assert {c["id"] for c in page["changes"] if c["collection"] == "households"} == {world.H1.id}
