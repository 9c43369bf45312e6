"""Photos: content-addressed, checked by their bytes, never overwritten,
stripped of metadata, served only within scope."""

import hashlib
import io

import pytest
from PIL import Image, PngImagePlugin

from backend.extensions import db
from sync.attachments import BadImage, check, dimensions, landed, sniff, store, strip_metadata
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


def webp(lossless=False, exif=None, size=(30, 20)) -> bytes:
    buffer = io.BytesIO()
    extra = {"exif": exif} if exif else {}
    Image.new("RGB", size, (5, 6, 7)).save(buffer, "WEBP", lossless=lossless, **extra)
    return buffer.getvalue()


def test_the_kind_and_size_are_read_from_the_headers():
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    for data, kind in ((jpeg(size=(64, 48)), "image/jpeg"), (webp(size=(64, 48)), "image/webp"),
                       (webp(lossless=True, size=(64, 48)), "image/webp"),
                       (webp(exif=exif.tobytes(), size=(64, 48)), "image/webp")):
        assert sniff(data) == kind
        assert dimensions(data, kind) == (64, 48), data[12:16]
    assert sniff(png()) == "image/png" and dimensions(png(), "image/png") == (10, 10)
    assert sniff(b"GIF89a....") is None and sniff(b"") is None


def test_truncated_or_odd_headers_are_415():
    for data, kind in ((png()[:20], "image/png"), (b"\x89PNG\r\n\x1a\n" + b"\0" * 8 + b"XXXX", "image/png"),
                       (b"RIFF\0\0\0\0WEBPVP9 " + b"\0" * 20, "image/webp"),
                       (b"\xff\xd8\xff\xe0\0\x10JFIF\0", "image/jpeg"), (b"\xff\xd8\x00\x00\x00\x00", "image/jpeg")):
        with pytest.raises(BadImage) as caught:
            dimensions(data, kind)
        assert caught.value.status == 415


def test_a_declared_type_may_be_generic_or_carry_parameters():
    data = png()
    assert check(sha(data), data, "application/octet-stream") == ("image/png", 10, 10)
    assert check(sha(data), data, "IMAGE/PNG; charset=binary") == ("image/png", 10, 10)
    assert check(sha(data), data, None) == ("image/png", 10, 10)


def test_metadata_is_stripped_from_png_and_webp():
    buffer = io.BytesIO()
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "secret place")
    Image.new("RGB", (10, 10), (0, 0, 255)).save(buffer, "PNG", pnginfo=info)
    stripped = strip_metadata(buffer.getvalue(), "image/png")
    assert b"secret place" in buffer.getvalue() and b"secret place" not in stripped
    assert Image.open(io.BytesIO(stripped)).getpixel((0, 0)) == (0, 0, 255)
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    data = webp(exif=exif.tobytes())
    stripped = strip_metadata(data, "image/webp")
    assert b"PhoneMaker" in data and b"PhoneMaker" not in stripped
    assert stripped[12:16] == b"VP8X" and not stripped[20] & 0x08  # the EXIF flag is cleared too
    image = Image.open(io.BytesIO(stripped))
    assert image.size == (30, 20) and not image.getexif()
    assert int.from_bytes(stripped[4:8], "little") == len(stripped) - 8


def test_stored_once_and_landed(world):
    data = png()
    assert landed(db.session, []) == set()
    assert landed(db.session, [sha(data)]) == set()
    assert store(db.session, world.worker1, sha(data), data, "image/png") is True
    assert store(db.session, world.worker2, sha(data), b"other bytes", "image/png") is False  # never overwritten
    db.session.commit()
    assert landed(db.session, [sha(data), sha(data), "f" * 64]) == {sha(data)}
    stored = db.session.get(Attachment, sha(data))
    assert (stored.uploaded_by_id, stored.size, stored.width, stored.height) == (world.worker1.id, len(data), 10, 10)
