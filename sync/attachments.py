"""The content-addressed photo store.

Bytes are accepted only when they hash to their name, are a JPEG, PNG or WebP
by their magic bytes, fit the size limit, and declare dimensions that are not
a decompression bomb. Stored once, never overwritten. Served only to users in
whose scope a record names the photo; metadata (EXIF, GPS, XMP, text chunks)
is stripped before the bytes leave the server, whatever the uploader sent."""

import hashlib
import struct

from sqlalchemy import select

from backend.auth import policy
from sync.models import Attachment, AttachmentRef

MAX_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 40_000_000  # 40 megapixels: a phone photo is 12-50; resized ones far fewer
MAX_SIDE = 12_000
TYPES = {"image/jpeg", "image/png", "image/webp"}


class BadImage(Exception):
    def __init__(self, status: int, detail: str):
        super().__init__(detail)
        self.status, self.detail = status, detail


def sniff(data: bytes) -> str | None:
    if data[:3] == b"\xff\xd8\xff":
        return "image/jpeg"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "image/png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def dimensions(data: bytes, kind: str) -> tuple[int, int]:
    """Width and height from the headers, without decoding pixels."""
    try:
        if kind == "image/png":
            if data[12:16] != b"IHDR":
                raise BadImage(415, "The PNG has no header.")
            return struct.unpack(">II", data[16:24])
        if kind == "image/webp":
            chunk = data[12:16]
            if chunk == b"VP8X":
                width = 1 + int.from_bytes(data[24:27], "little")
                height = 1 + int.from_bytes(data[27:30], "little")
                return width, height
            if chunk == b"VP8 ":
                width, height = struct.unpack("<HH", data[26:30])
                return width & 0x3FFF, height & 0x3FFF
            if chunk == b"VP8L":
                bits = int.from_bytes(data[21:25], "little")
                return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
            raise BadImage(415, "The WebP has an unknown layout.")
        return _jpeg_dimensions(data)
    except (struct.error, IndexError):
        raise BadImage(415, "The image is truncated.") from None


def _jpeg_dimensions(data: bytes) -> tuple[int, int]:
    index = 2
    while index + 4 <= len(data):
        if data[index] != 0xFF:
            raise BadImage(415, "The JPEG is corrupt.")
        marker = data[index + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            index += 2
            continue
        length = struct.unpack(">H", data[index + 2:index + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[index + 5:index + 9])
            return width, height
        index += 2 + length
    raise BadImage(415, "The JPEG has no frame header.")


def check(sha256: str, data: bytes, declared_type: str | None) -> tuple[str, int, int]:
    if len(data) > MAX_BYTES:
        raise BadImage(413, f"A photo may be at most {MAX_BYTES} bytes.")
    if hashlib.sha256(data).hexdigest() != sha256:
        raise BadImage(422, "The bytes do not hash to the name (SHA-256).")
    kind = sniff(data)
    if kind is None:
        raise BadImage(415, "Only JPEG, PNG and WebP photos are accepted.")
    if declared_type and declared_type.split(";")[0].strip().lower() not in (kind, "application/octet-stream"):
        raise BadImage(415, f"The bytes are {kind}, not {declared_type}.")
    width, height = dimensions(data, kind)
    if not width or not height or width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_PIXELS:
        raise BadImage(422, "The image's dimensions are implausible (a decompression bomb?).")
    return kind, width, height


def strip_metadata(data: bytes, kind: str) -> bytes:
    """The image without metadata segments: JPEG APPn (but JFIF APP0) and
    COM; PNG ancillary text/EXIF chunks; WebP EXIF/XMP chunks."""
    if kind == "image/jpeg":
        return _strip_jpeg(data)
    if kind == "image/png":
        return _strip_png(data)
    return _strip_webp(data)


def _strip_jpeg(data: bytes) -> bytes:
    out = bytearray(data[:2])
    index = 2
    while index + 4 <= len(data):
        marker = data[index + 1]
        if marker == 0xDA:  # start of scan: the rest is image data
            out += data[index:]
            return bytes(out)
        length = struct.unpack(">H", data[index + 2:index + 4])[0]
        segment = data[index:index + 2 + length]
        if not (0xE1 <= marker <= 0xEF or marker == 0xFE):
            out += segment
        index += 2 + length
    out += data[index:]
    return bytes(out)


def _strip_png(data: bytes) -> bytes:
    out = bytearray(data[:8])
    index = 8
    while index + 8 <= len(data):
        length = struct.unpack(">I", data[index:index + 4])[0]
        kind = data[index + 4:index + 8]
        chunk = data[index:index + 12 + length]
        if kind not in (b"eXIf", b"tEXt", b"zTXt", b"iTXt", b"tIME"):
            out += chunk
        index += 12 + length
    return bytes(out)


def _strip_webp(data: bytes) -> bytes:
    body = bytearray()
    index = 12
    while index + 8 <= len(data):
        kind = data[index:index + 4]
        length = struct.unpack("<I", data[index + 4:index + 8])[0]
        chunk = data[index:index + 8 + length + (length & 1)]
        if kind == b"VP8X":
            chunk = bytearray(chunk)
            chunk[8] &= ~0x0C & 0xFF  # clear the EXIF and XMP flags
            body += chunk
        elif kind not in (b"EXIF", b"XMP "):
            body += chunk
        index += 8 + length + (length & 1)
    return b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WEBP" + bytes(body)


def may_read(session, user, sha256: str) -> bool:
    """Does some record the user may read name this photo?"""
    from sync.collections import REGISTRY

    refs = session.execute(select(AttachmentRef.collection, AttachmentRef.record_id)
                           .where(AttachmentRef.sha256 == sha256)).all()
    for name, record_id in refs:
        collection = REGISTRY.get(name)
        record = session.get(collection.model, record_id) if collection else None
        if record is not None and policy.can(user, policy.READ, record):
            return True
    return False


def landed(session, photos) -> set[str]:
    """Which of these photos have been uploaded (the rest are on their way)."""
    names = list(set(photos))
    if not names:
        return set()
    return set(session.scalars(select(Attachment.sha256).where(Attachment.sha256.in_(names))))


def store(session, user, sha256: str, data: bytes, declared_type: str | None) -> bool:
    """Store the photo; False when it was there already (never overwritten)."""
    if session.get(Attachment, sha256) is not None:
        return False
    kind, width, height = check(sha256, data, declared_type)
    session.add(Attachment(sha256=sha256, content_type=kind, size=len(data), width=width, height=height,
                           data=data, uploaded_by_id=user.id))
    return True
