"""A device that speaks SYNC_PROTOCOL.md through the real HTTP client: it
keeps an outbox and a local copy, pushes in order, pulls until has_more is
false, keeps the highest version of each record and purges deletes."""

import copy
import uuid

import pytest

from backend import clock


def now_iso():
    return clock.aware_now().isoformat()


class Device:
    def __init__(self, client, username, password="demo-pass-2026"):
        self.client = client
        self.username = username
        self.device_id = str(uuid.uuid4())
        response = client.post("/api/v1/auth/token", json={"username": username, "password": password,
                                                           "device_id": self.device_id, "device_name": "phone"})
        assert response.status_code == 201, response.get_json()
        self.token = response.get_json()["token"]
        self.cursor = ""
        self.records: dict[tuple[str, str], dict] = {}
        self.outbox: list[dict] = []
        self.pages = 0

    def via(self, client):
        """This same device (its id and token) on another connection."""
        twin = copy.copy(self)
        twin.client, twin.records, twin.outbox = client, dict(self.records), list(self.outbox)
        return twin

    @property
    def headers(self):
        return {"Authorization": f"Bearer {self.token}"}

    def mutation(self, collection, op, record_id=None, data=None, base_version=None, action=None,
                 client_time=None):
        return {"id": str(uuid.uuid4()), "collection": collection, "record_id": record_id or str(uuid.uuid4()),
                "op": op, "action": action, "base_version": base_version, "data": data or {},
                "client_time": client_time or now_iso()}

    def record(self, *args, **kwargs):
        mutation = self.mutation(*args, **kwargs)
        self.outbox.append(mutation)
        return mutation

    def push_raw(self, mutations, **extra):
        body = {"device_id": self.device_id, "schema_version": 1, "mutations": mutations} | extra
        return self.client.post("/api/v1/sync/push", json=body, headers=self.headers)

    def push(self):
        """Push the outbox; drop what the server acknowledged. Returns results by id."""
        if not self.outbox:
            return {}
        response = self.push_raw(self.outbox)
        assert response.status_code == 200, response.get_json()
        results = {r["id"]: r for r in response.get_json()["results"]}
        self.outbox = [m for m in self.outbox if m["id"] not in results]
        return results

    def pull_page(self, limit=500):
        response = self.client.get("/api/v1/sync/pull", query_string={"cursor": self.cursor, "limit": limit},
                                   headers=self.headers)
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    def pull(self, limit=500, max_pages=1000):
        for _ in range(max_pages):
            page = self.pull_page(limit)
            self.pages += 1
            if page["reset"]:
                self.records.clear()
            for change in page["changes"]:
                key = (change["collection"], change["id"])
                held = self.records.get(key)
                if held is not None and held["version"] > change["version"]:
                    continue
                if change["deleted"]:
                    self.records.pop(key, None)
                else:
                    self.records[key] = {"version": change["version"], **change["data"]}
            self.cursor = page["cursor"]
            if not page["has_more"]:
                return page
        raise AssertionError("pull never finished")

    def sync(self):
        results = self.push()
        self.pull()
        return results

    def ids(self, collection):
        return {record_id for (name, record_id) in self.records if name == collection}

    def get(self, collection, record_id):
        return self.records.get((collection, record_id))


@pytest.fixture
def device(client):
    def make(username):
        return Device(client, username)
    return make
