"""Photos: content-addressed, checked by their bytes, never overwritten,
stripped of metadata, served only within scope."""

import hashlib
import io

from PIL import Image

from backend.extensions import db
from sync.models import Attachment


def jpeg(color=(200, 30, 30), size=(64, 48), exif_gps=True) -> bytes:
    image = Image.new("RGB", size, color)
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    if exif_gps:
        exif[0x8825] = {1: "N", 2: (39.0, 54.0, 0.0), 3: "E", 4: (116.0, 23.0, 0.0)}
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif, quality=80)
    return buffer.getvalue()


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (10, 10), (0, 0, 255)).save(buffer, "PNG")
    return buffer.getvalue()


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def put(client, phone, data, content_type="image/jpeg", name=None):
    return client.put(f"/api/v1/attachments/{name or sha(data)}", data=data, content_type=content_type,
                      headers=phone.headers)


def test_upload_is_idempotent_and_never_overwritten(world, device, client):
    phone = device("worker1")
    data = jpeg()
    assert client.head(f"/api/v1/attachments/{sha(data)}", headers=phone.headers).status_code == 404
    assert put(client, phone, data).status_code == 201
    assert put(client, phone, data).status_code == 200
    assert client.head(f"/api/v1/attachments/{sha(data)}", headers=phone.headers).status_code == 200
    assert db.session.get(Attachment, sha(data)).data == data


def test_bytes_must_hash_to_the_name(world, device, client):
    phone = device("worker1")
    response = put(client, phone, jpeg(), name=sha(b"other"))
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert db.session.get(Attachment, sha(b"other")) is None


def test_only_images_by_their_magic_bytes(world, device, client):
    phone = device("worker1")
    script = b"<script>alert(1)</script>"
    assert put(client, phone, script, "image/jpeg").status_code == 415
    assert put(client, phone, png(), "image/jpeg").status_code == 415  # declared type lies
    assert put(client, phone, png(), "image/png").status_code == 201


def test_decompression_bomb_is_refused(world, device, client):
    phone = device("worker1")
    buffer = io.BytesIO()
    Image.new("1", (20000, 20000)).save(buffer, "PNG")  # 400 megapixels in a few kB
    data = buffer.getvalue()
    assert len(data) < 200_000
    assert put(client, phone, data, "image/png").status_code == 422


def test_served_only_in_scope_and_without_metadata(world, device, client):
    owner, colleague, outsider = device("worker1"), device("staff1"), device("worker2")
    data = jpeg()
    put(client, owner, data)
    photo = sha(data)
    # Nobody may fetch a photo no record names, not even its uploader.
    assert client.get(f"/api/v1/attachments/{photo}", headers=owner.headers).status_code == 404
    owner.record("visits", "create", data={"household_id": world.H1.id, "visited_at": "2026-11-20T09:14:00+08:00",
                                           "photos": [photo]})
    owner.push()
    served = client.get(f"/api/v1/attachments/{photo}", headers=colleague.headers)
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    image = Image.open(io.BytesIO(served.get_data()))
    assert image.size == (64, 48)
    assert not image.getexif(), "EXIF (and its GPS) must not leave the server"
    assert b"PhoneMaker" not in served.get_data()
    assert client.get(f"/api/v1/attachments/{photo}", headers=outsider.headers).status_code == 404


def test_a_record_may_name_a_photo_before_it_arrives(world, device, client):
    phone = device("worker1")
    data = jpeg((1, 2, 3))
    phone.record("visits", "create", data={"household_id": world.H1.id, "visited_at": "2026-11-20T09:14:00+08:00",
                                           "photos": [sha(data)]})
    assert next(iter(phone.push().values()))["status"] == "applied"
    assert client.get(f"/api/v1/attachments/{sha(data)}", headers=phone.headers).status_code == 404
    put(client, phone, data)
    assert client.get(f"/api/v1/attachments/{sha(data)}", headers=phone.headers).status_code == 200


def test_bad_names_and_sizes(world, device, client):
    phone = device("worker1")
    assert client.head("/api/v1/attachments/XYZ", headers=phone.headers).status_code == 400
    big = b"\xff\xd8\xff" + b"0" * (9 * 1024 * 1024)
    assert put(client, phone, big).status_code == 413
