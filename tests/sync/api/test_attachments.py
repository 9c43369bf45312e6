"""/api/v1/attachments/<sha256>: the name is checked before anything else,
refusals are problems naming the field at fault, and a served photo is
cacheable for good (it never changes under its name)."""

import hashlib
import io

from PIL import Image


def png(color=(0, 0, 255)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (10, 10), color).save(buffer, "PNG")
    return buffer.getvalue()


def problem(response, status):
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/problem+json"
    return response.get_json()


def test_a_name_that_is_not_a_lower_case_sha256_is_400(world, device, client):
    phone = device("worker1")
    data = png()
    upper = hashlib.sha256(data).hexdigest().upper()
    for method in (client.get, client.put):
        body = problem(method(f"/api/v1/attachments/{upper}", data=data, content_type="image/png",
                              headers=phone.headers), 400)
        assert "sha256" in body["errors"]
    assert client.head(f"/api/v1/attachments/{upper}", headers=phone.headers).status_code == 400


def test_refused_bytes_are_problems_about_the_body(world, device, client):
    phone = device("worker1")
    text = b"just some text, not a photo"
    body = problem(client.put(f"/api/v1/attachments/{hashlib.sha256(text).hexdigest()}", data=text,
                              content_type="image/png", headers=phone.headers), 415)
    assert body["title"] == "Unsupported Media Type" and "body" in body["errors"]
    data = png()
    body = problem(client.put(f"/api/v1/attachments/{hashlib.sha256(b'x').hexdigest()}", data=data,
                              content_type="image/png", headers=phone.headers), 422)
    assert "body" in body["errors"]


def test_an_unknown_photo_is_a_404_problem(world, device, client):
    phone = device("worker1")
    name = hashlib.sha256(b"never uploaded").hexdigest()
    assert client.head(f"/api/v1/attachments/{name}", headers=phone.headers).status_code == 404
    problem(client.get(f"/api/v1/attachments/{name}", headers=phone.headers), 404)


def test_a_served_photo_is_cached_for_good_under_its_name(world, device, client):
    phone = device("worker1")
    data = png((9, 9, 9))
    name = hashlib.sha256(data).hexdigest()
    created = client.put(f"/api/v1/attachments/{name}", data=data, content_type="image/png", headers=phone.headers)
    assert created.status_code == 201 and created.get_json() == {"sha256": name, "stored": True}
    phone.record("visits", "create", data={"household_id": world.H1.id, "visited_at": "2026-11-20T09:14:00+08:00",
                                           "photos": [name]})
    phone.push()
    served = client.get(f"/api/v1/attachments/{name}", headers=phone.headers)
    assert served.status_code == 200 and served.mimetype == "image/png"
    assert served.headers["ETag"] == f'"{name}"'
    assert served.headers["Cache-Control"] == "private, max-age=31536000, immutable"


def test_attachments_need_a_token(world, client):
    name = hashlib.sha256(b"x").hexdigest()
    assert client.get(f"/api/v1/attachments/{name}").status_code == 401
    assert client.put(f"/api/v1/attachments/{name}", data=b"x").status_code == 401
