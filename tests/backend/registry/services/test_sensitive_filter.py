"""A filter by a sensitive care tag must not tell those who may not see the
tag who carries it."""


def test_street_officer_cannot_find_people_by_a_sensitive_tag(world, auth, client):
    headers = auth.headers("street1")
    listed = client.get("/api/v1/registry/households", query_string={"tag": "community_correction"},
                        headers=headers).get_json()
    everything = client.get("/api/v1/registry/households", headers=headers).get_json()
    assert listed["total"] == everything["total"]  # the filter is ignored, not applied


def test_staff_can_filter_by_a_sensitive_tag(world, auth, client):
    headers = auth.headers("staff1")
    listed = client.get("/api/v1/registry/households", query_string={"tag": "community_correction"},
                        headers=headers).get_json()
    assert [item["id"] for item in listed["items"]] == [world.H1.id]
