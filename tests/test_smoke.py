def test_healthz_reports_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_staff_signs_in_and_sees_the_tree(world, auth, client):
    auth.login("staff1")
    response = client.get("/", follow_redirects=True)
    assert response.status_code == 200
    assert "staff1" in response.get_data(as_text=True)
