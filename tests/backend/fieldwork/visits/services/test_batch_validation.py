"""`validate_many` (a push's visits checked as a batch) gives exactly the rows
`validate_new` gives one by one, for every role and every kind of household,
and leaves out every visit `validate_new` refuses or that is not plain."""

import uuid

import pytest

from backend.common import utcnow
from backend.errors import Invalid, Refused
from backend.extensions import db
from backend.fieldwork.visits.services import validate_many, validate_new
from tests.factories import household

SHA = "ab" * 32
PLAIN = [
    {"visited_at": "2026-11-20T09:14:00+08:00"},
    {"visited_at": "2026-11-20T01:14:00.25Z", "notes": "老人身体好", "findings": ["health_ok"], "follow_up": True,
     "photos": [SHA, SHA], "photo_times": {SHA: "2026-11-20T09:10:00+08:00"},
     "location": {"lat": 36, "lng": 117.1, "accuracy": 12}},
]
NOT_PLAIN = [  # valid for the schema, but not the plain spelling: the careful path decides
    {"visited_at": "2026-11-20T09:14:00+0800"},
    {"visited_at": "2026-11-20T09:14:00+08:00", "follow_up": "true"},
]
INVALID = [{"visited_at": "2026-11-20T09:14:00"}, {"visited_at": "2026-11-20T09:14:00Z", "notes": None}]


def _careful(user, record_id, data):
    try:
        return validate_new(user, record_id, data)
    except (Invalid, Refused):
        return None


@pytest.mark.parametrize("username", ["admin", "district1", "street1", "staff1", "staff2", "worker1", "worker2",
                                      "station1", "resident1", "volunteer1"])
def test_the_batch_gives_what_one_by_one_gives(world, username):
    retired = household(world.G1, "幸福小区9号楼", "赵六")
    retired.retired_at = utcnow()
    db.session.commit()
    user = world.users[next(k for k, u in world.users.items() if u.username == username)]
    targets = [h.id for h in world.households.values()] + [retired.id, str(uuid.uuid4())]
    entries, kinds = [], {}
    for household_id in targets:
        for kind, variants in (("plain", PLAIN), ("not_plain", NOT_PLAIN), ("invalid", INVALID)):
            for data in variants:
                key = str(uuid.uuid4())
                entries.append((key, str(uuid.uuid4()), {**data, "household_id": household_id}))
                kinds[key] = kind
    rows = validate_many(user, entries)
    answered = 0
    for key, record_id, data in entries:
        careful = _careful(user, record_id, data)
        if kinds[key] == "plain":
            assert (key in rows) == (careful is not None), (username, data)
        else:
            assert key not in rows, (username, data)
        if key in rows:
            answered += 1
            fast = dict(rows[key])
            assert fast.pop("created_at") is not None and careful.pop("created_at") is not None
            assert fast == careful, (username, data)
            assert [type(v) for v in fast.values()] == [type(careful[k]) for k in fast]
    if username in ("admin", "staff1", "worker1"):
        assert answered > 0  # the batch path is taken where the user may record visits
