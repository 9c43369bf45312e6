"""The wire format's schemas for the OpenAPI document: one record schema per
registered collection, naming its conflict rule and the fields each
operation takes, describing exactly the fields a pull sends."""

import pytest

from sync.apply import APPLIERS
from sync.collections import REGISTRY
from sync.schemas import RECORDS, Mutation, record_schemas


@pytest.fixture
def described(app):
    with app.test_request_context():
        yield record_schemas()


def test_one_schema_per_collection(described):
    assert {schema["x-linli-collection"] for schema in described.values()} == {c.name for c in REGISTRY}
    assert described["SyncVisitTasks"]["x-linli-collection"] == "visit_tasks"
    assert described["SyncRequestEvents"]["x-linli-collection"] == "request_events"
    assert Mutation._declared_fields["collection"].metadata["enum"] == [c.name for c in REGISTRY]


def test_each_names_its_rule(described):
    rules = {schema["x-linli-collection"]: schema["x-linli-conflict-rule"] for schema in described.values()}
    assert rules["households"] == "last_write_wins" and rules["residents"] == "server_wins"
    assert rules["visits"] == rules["patrol_reports"] == rules["ratings"] == "append_only"
    assert rules["requests"] == "stateful" and rules["visit_tasks"] == rules["request_events"] == "read_only"
    assert "later client_time wins" in described["SyncHouseholds"]["description"]
    assert "field-level merge" in described["SyncHouseholds"]["description"]
    assert "state machine" in described["SyncRequests"]["description"]


def test_each_names_the_fields_its_operations_take(described):
    for schema in described.values():
        applier = APPLIERS[schema["x-linli-collection"]]
        assert schema["x-linli-create-fields"] == sorted(applier.create_fields)
        assert schema["x-linli-update-fields"] == sorted(applier.update_fields)
    assert described["SyncHouseholds"]["x-linli-actions"] == {"move": ["building_id", "grid_id"]}
    assert {"accept", "resolve", "rate"} <= set(described["SyncRequests"]["x-linli-actions"])
    assert described["SyncVisits"]["x-linli-update-fields"] == []


def test_each_record_describes_what_a_pull_sends(described):
    for collection in REGISTRY:
        coarse = {name for name, _ in collection.coarse.values()}  # e.g. birth_year beside birth_date
        assert set(RECORDS[collection.name]) == set(collection.wire) | coarse, collection.name
        assert described[f"Sync{collection.name.title().replace('_', '')}"]["properties"] is RECORDS[collection.name]
