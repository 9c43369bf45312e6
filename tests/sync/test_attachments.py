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
    stored = db.session.get(Attachment, sha(data)).data
    assert stored == strip_metadata(data, "image/jpeg") and b"PhoneMaker" not in stored  # stripped at upload


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
    # Nobody may fetch a photo no record names, but its uploader.
    assert client.get(f"/api/v1/attachments/{photo}", headers=colleague.headers).status_code == 404
    assert client.get(f"/api/v1/attachments/{photo}", headers=owner.headers).status_code == 200
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
    with pytest.raises(BadImage):  # never overwritten, and no upload noted for bytes that are not the photo
        store(db.session, world.worker2, sha(data), b"other bytes", "image/png")
    assert store(db.session, world.worker2, sha(data), data, "image/png") is False
    db.session.commit()
    assert landed(db.session, [sha(data), sha(data), "f" * 64]) == {sha(data)}
    stored = db.session.get(Attachment, sha(data))
    assert (stored.uploaded_by_id, stored.size, stored.width, stored.height) == (world.worker1.id, len(data), 10, 10)


# --- provenance: a hash is not a key --------------------------------------------------------------

VISITED = "2026-11-20T09:14:00+08:00"


def _visit(phone, household, photos):
    mutation = phone.record("visits", "create", data={"household_id": household.id, "visited_at": VISITED,
                                                      "photos": photos})
    return phone.push()[mutation["id"]]


def _request(phone, photos, **data):
    mutation = phone.record("requests", "create", data={"category": "environment", "description": "垃圾没清运",
                                                        "photos": photos} | data)
    return phone.push()[mutation["id"]]


def _named_by_worker1(client, device, color=(10, 20, 30)):
    """worker1's photo of a visit to H1, which only H1's grid and community may read."""
    owner = device("worker1")
    data = jpeg(color)
    assert put(client, owner, data).status_code == 201
    return owner, data, sha(data)


def _unseen(client, phone, photo):
    """The photo is, to this phone, exactly what a photo that does not exist is."""
    never = sha(b"never uploaded")
    for method in (client.head, client.get):
        there = method(f"/api/v1/attachments/{photo}", headers=phone.headers)
        nothing = method(f"/api/v1/attachments/{never}", headers=phone.headers)
        assert there.status_code == nothing.status_code == 404
        assert there.get_data() == nothing.get_data() and there.mimetype == nothing.mimetype


def test_a_record_may_not_name_a_photo_seen_elsewhere_over_push(world, device, client):
    owner, _data, photo = _named_by_worker1(client, device)
    assert _visit(owner, world.H1, [photo])["status"] == "applied"
    other_grid, other_community, resident = device("worker2"), device("staff2"), device("resident1")
    attempts = ((other_grid, lambda p: _visit(other_grid, world.H2, p)),
                (other_community, lambda p: _visit(other_community, world.H5, p)),
                (resident, lambda p: _request(resident, p)))
    for phone, attempt in attempts:
        result = attempt([photo])
        assert result["status"] == "rejected", (phone.username, result)
        assert set(result["error"]["errors"]) == {"photos.0"} and result["error"]["status"] == 422
        _unseen(client, phone, photo)
        assert attempt([])["status"] == "applied"  # the same record without the photo is fine
    # A colleague who may read the visit may name its photo in a record of their own.
    colleague = device("staff1")
    assert _visit(colleague, world.H1, [photo])["status"] == "applied"


def test_a_record_may_not_name_a_photo_seen_elsewhere_over_the_api(world, device, client):
    owner, _data, photo = _named_by_worker1(client, device, (40, 50, 60))
    assert _visit(owner, world.H1, [photo])["status"] == "applied"
    other_grid, other_community, resident = device("worker2"), device("staff2"), device("resident1")
    attempts = (
        (other_grid, "/api/v1/visits", {"household_id": world.H2.id, "visited_at": VISITED}),
        (other_grid, "/api/v1/patrol-reports", {"grid_id": world.G2.id, "category": "street_stall",
                                                "description": "占道经营", "reported_at": VISITED}),
        (other_community, "/api/v1/visits", {"household_id": world.H5.id, "visited_at": VISITED}),
        (resident, "/api/v1/requests", {"category": "environment", "description": "垃圾没清运"}),
    )
    for phone, url, body in attempts:
        response = client.post(url, json=body | {"photos": [photo]}, headers=phone.headers)
        assert response.status_code == 422 and response.mimetype == "application/problem+json", \
            (url, response.get_json())
        assert set(response.get_json()["errors"]) == {"photos.0"}
        _unseen(client, phone, photo)
        assert client.post(url, json=body, headers=phone.headers).status_code == 201, url


def test_resolving_a_request_may_not_attach_someone_elses_photo(world, device, client):
    _owner, _data, photo = _named_by_worker1(client, device, (70, 80, 90))
    resident, staff = device("resident1"), device("staff1")
    request = client.post("/api/v1/requests", json={"category": "environment", "description": "垃圾没清运"},
                          headers=resident.headers).get_json()
    for action in ("accept",):
        assert client.post(f"/api/v1/requests/{request['id']}/actions/{action}", json={},
                           headers=staff.headers).status_code == 200
    # staff1 may not read a photo no record names yet, so may not attach it.
    response = client.post(f"/api/v1/requests/{request['id']}/actions/resolve",
                           json={"message": "已处理", "photos": [photo]}, headers=staff.headers)
    assert response.status_code == 422 and set(response.get_json()["errors"]) == {"photos.0"}


def test_uploading_the_same_bytes_gives_provenance_but_no_records(world, device, client):
    owner, data, photo = _named_by_worker1(client, device, (1, 99, 1))
    assert _visit(owner, world.H1, [photo])["status"] == "applied"
    other = device("worker2")
    _unseen(client, other, photo)
    assert put(client, other, data).status_code == 200  # they have the bytes: noted, not stored again
    assert client.head(f"/api/v1/attachments/{photo}", headers=other.headers).status_code == 200
    assert _visit(other, world.H2, [photo])["status"] == "applied"
    other.pull()
    assert all(r.get("household_id") != world.H1.id for (name, _id), r in other.records.items() if name == "visits")


def test_naming_a_photo_ahead_of_its_owner_opens_nothing(world, device, client):
    data = jpeg((5, 5, 250))
    photo = sha(data)
    squatter, owner, staff = device("worker2"), device("worker1"), device("staff1")
    assert _visit(squatter, world.H2, [photo])["status"] == "applied"  # not uploaded yet: allowed, pending
    assert put(client, owner, data).status_code == 201
    assert _visit(owner, world.H1, [photo])["status"] == "applied"
    _unseen(client, squatter, photo)
    assert client.get(f"/api/v1/attachments/{photo}", headers=staff.headers).status_code == 200


# --- stripping ---------------------------------------------------------------------------------------

def _exif_segment() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: (39.0, 54.0, 0.0), 3: "E", 4: (116.0, 23.0, 0.0)}
    payload = b"Exif\x00\x00" + exif.tobytes()
    return b"\xff\xe1" + (len(payload) + 2).to_bytes(2, "big") + payload


def test_fill_bytes_before_a_marker_do_not_smuggle_exif():
    clean = jpeg(exif_gps=False)
    clean = strip_metadata(clean, "image/jpeg")
    # Any number of 0xFF fill bytes may precede a marker: here before an APP1 and before the frame header.
    crafted = clean[:2] + b"\xff\xff\xff" + _exif_segment() + b"\xff\xff" + clean[2:]
    assert Image.open(io.BytesIO(crafted)).size == (64, 48)
    stripped = strip_metadata(crafted, "image/jpeg")
    assert b"PhoneMaker" not in stripped and b"Exif" not in stripped
    image = Image.open(io.BytesIO(stripped))
    assert image.size == (64, 48) and not image.getexif()
    image.load()
    assert dimensions(crafted, "image/jpeg") == (64, 48)


def test_jpeg_metadata_after_the_first_scan_and_the_end_is_dropped():
    clean = strip_metadata(jpeg(exif_gps=False), "image/jpeg")
    assert clean.endswith(b"\xff\xd9")
    comment = b"\xff\xfe\x00\x0eGPS 39N 116E"
    crafted = clean[:-2] + _exif_segment() + comment + b"\xff\xd9" + b"trailing GPS 39N"
    stripped = strip_metadata(crafted, "image/jpeg")
    assert b"PhoneMaker" not in stripped and b"GPS" not in stripped
    Image.open(io.BytesIO(stripped)).load()


def test_jfif_is_kept_without_its_thumbnail_and_other_app0_goes():
    clean = strip_metadata(jpeg(exif_gps=False), "image/jpeg")
    assert clean[2:4] == b"\xff\xe0" and clean[6:11] == b"JFIF\x00"
    assert clean[4:6] == b"\x00\x10" and clean[18:20] == b"\x00\x00"
    jfxx = b"\xff\xe0\x00\x0eJFXX\x00secret!"
    stripped = strip_metadata(clean[:2] + jfxx + clean[2:], "image/jpeg")
    assert b"JFXX" not in stripped and b"secret" not in stripped


def test_a_corrupt_jpeg_is_refused_not_half_stripped():
    clean = strip_metadata(jpeg(exif_gps=False), "image/jpeg")
    with pytest.raises(BadImage):
        strip_metadata(clean[:2] + b"\x00" + _exif_segment() + clean[2:], "image/jpeg")
    with pytest.raises(BadImage):
        strip_metadata(clean[:2] + b"\xff\xe1\xff\xf0Exif", "image/jpeg")


def test_png_text_exif_and_trailing_bytes_are_stripped():
    buffer = io.BytesIO()
    info = PngImagePlugin.PngInfo()
    info.add_text("GPS", "39N 116E")
    info.add_itxt("Place", "幸福小区")
    Image.new("RGB", (10, 10), (0, 0, 255)).save(buffer, "PNG", pnginfo=info, exif=Image.Exif())
    crafted = buffer.getvalue() + b"after the end: 39N"
    stripped = strip_metadata(crafted, "image/png")
    assert b"39N" not in stripped and "幸福".encode() not in stripped
    assert stripped.endswith(b"IEND\xaeB`\x82")
    assert Image.open(io.BytesIO(stripped)).getpixel((0, 0)) == (0, 0, 255)


def test_an_upload_with_gps_is_stored_without_it(world, device, client):
    phone = device("worker1")
    clean = strip_metadata(jpeg(exif_gps=False), "image/jpeg")
    crafted = clean[:2] + b"\xff" + _exif_segment() + clean[2:]
    assert put(client, phone, crafted).status_code == 201
    stored = db.session.get(Attachment, sha(crafted))
    assert b"PhoneMaker" not in stored.data and stored.size == len(stored.data)
    assert stored.data == clean


def test_one_refused_photo_rejects_only_its_own_mutation_in_a_batch(world, device, client):
    owner, _data, photo = _named_by_worker1(client, device, (3, 3, 3))
    assert _visit(owner, world.H1, [photo])["status"] == "applied"
    other = device("worker2")
    mine = jpeg((4, 4, 4))
    assert put(client, other, mine).status_code == 201
    batch = [other.record("visits", "create", data={"household_id": world.H2.id, "visited_at": VISITED,
                                                    "photos": photos})
             for photos in ([sha(mine)], [sha(mine), photo], [])]
    results = other.push()
    assert [results[m["id"]]["status"] for m in batch] == ["applied", "rejected", "applied"]
    assert set(results[batch[1]["id"]]["error"]["errors"]) == {"photos.1"}
    assert client.get(f"/api/v1/attachments/{sha(mine)}", headers=device("staff1").headers).status_code == 200
