"""The content-addressed photo store.

Bytes are accepted only when they hash to their name, are a JPEG, PNG or WebP
by their magic bytes, fit the size limit, and declare dimensions that are not
a decompression bomb. Metadata (EXIF, GPS, XMP, comments, text chunks) is
stripped at upload: the original never reaches the database. The name stays
the SHA-256 of the bytes as uploaded (what the client computed and its records
name); the field app strips on the device, so for its photos the stored bytes
are the uploaded ones. Stored once, never overwritten.

Provenance decides access (docs/PRIVACY.md, "Photos"): each upload is recorded
per user; a record may name a photo only if its author uploaded it or may
already read a record naming it (`vet`); a photo is served to its uploaders and
to readers of a record naming it, and to nobody else, who cannot tell it from
a photo that does not exist."""

import hashlib
import struct

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, or_, select

from backend.auth import policy
from backend.common import utcnow
from backend.errors import Invalid
from sync.models import Attachment, AttachmentRef, AttachmentUpload

# session.info key: {sha256: user id} of photos named in this transaction
# before they were uploaded; the references written for them carry that user
# (sync/changefeed.py, sync/push.py).
PENDING = "linli.photos_pending"

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
    for marker, start, end in _jpeg_segments(data):
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[start + 5:start + 9])
            return width, height
        if marker == 0xDA or end is None:
            break
    raise BadImage(415, "The JPEG has no frame header.")


STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})  # markers with no length


def _jpeg_segments(data: bytes):
    """(marker, start, end) of each segment after SOI: `start` is the 0xFF of
    its marker, `end` the index after it (a scan's entropy-coded data
    included); EOI ends the walk with end None. Any number of 0xFF fill bytes
    may precede a marker (ITU T.81 B.1.1.2): they are skipped, not read as a
    marker, so no segment slips past."""
    index, size = 2, len(data)
    while index < size:
        if data[index] != 0xFF:
            raise BadImage(415, "The JPEG is corrupt.")
        while index < size and data[index] == 0xFF:
            index += 1
        if index >= size:
            return
        marker, start = data[index], index - 1
        index += 1
        if marker == 0xD9:
            yield marker, start, None
            return
        if marker in STANDALONE:
            yield marker, start, index
            continue
        if index + 2 > size:
            raise BadImage(415, "The image is truncated.")
        length = struct.unpack(">H", data[index:index + 2])[0]
        if length < 2 or index + length > size:
            raise BadImage(415, "The image is truncated.")
        index += length
        if marker == 0xDA:
            index = _end_of_scan(data, index)
        yield marker, start, index


def _end_of_scan(data: bytes, index: int) -> int:
    """Where a scan's entropy-coded data ends: at the first 0xFF that is not
    a stuffed 0xFF00 or a restart marker (a fill byte or a marker)."""
    size = len(data)
    while True:
        index = data.find(b"\xff", index)
        if index < 0 or index + 1 >= size:
            return size
        following = data[index + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7:
            index += 2
            continue
        return index


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
    for marker, start, end in _jpeg_segments(data):
        if end is None:
            break  # EOI; whatever follows it is dropped
        segment = data[start:end]
        if marker == 0xDA or marker in STANDALONE:
            # The scan header and its image data, or a restart marker; fill bytes are dropped.
            out += b"\xff" + segment.lstrip(b"\xff")
            continue
        body = segment.lstrip(b"\xff")[1:]  # length and payload
        if marker == 0xE0 and body[2:7] == b"JFIF\x00" and len(body) >= 16:
            out += b"\xff\xe0\x00\x10" + body[2:14] + b"\x00\x00"  # JFIF without its thumbnail
        elif marker == 0xEE and body[2:7] == b"Adobe" and len(body) == 14:
            out += b"\xff\xee" + body  # the colour transform CMYK photos need, nothing personal
        elif not (0xE0 <= marker <= 0xEF or marker == 0xFE):
            out += b"\xff" + bytes((marker,)) + body
    out += b"\xff\xd9"
    return bytes(out)


def _strip_png(data: bytes) -> bytes:
    out = bytearray(data[:8])
    index = 8
    while index + 12 <= len(data):
        length = struct.unpack(">I", data[index:index + 4])[0]
        kind = data[index + 4:index + 8]
        if index + 12 + length > len(data):
            raise BadImage(415, "The image is truncated.")
        chunk = data[index:index + 12 + length]
        if kind not in (b"eXIf", b"tEXt", b"zTXt", b"iTXt", b"tIME"):
            out += chunk
        index += 12 + length
        if kind == b"IEND":
            break  # whatever follows the end is dropped
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


def restrip(session, after: str = "", batch: int = 50) -> tuple[int, str | None]:
    """Strip the metadata of up to `batch` stored photos named after `after`
    (those stored before stripping moved to the upload): (how many changed,
    the last name seen, None at the end). Flushes; the command commits."""
    rows = session.scalars(select(Attachment).where(Attachment.sha256 > after)
                           .order_by(Attachment.sha256).limit(batch)).all()
    changed = 0
    for attachment in rows:
        clean = served(attachment)
        if clean is not None and clean != attachment.data:
            attachment.data, attachment.size = clean, len(clean)
            changed += 1
    session.flush()
    return changed, rows[-1].sha256 if len(rows) == batch else None


def served(attachment: Attachment | None) -> bytes | None:
    """The bytes to serve: stripped again, for photos stored before stripping
    moved to the upload; None for one whose metadata cannot be told apart."""
    if attachment is None:
        return None
    try:
        return strip_metadata(attachment.data, attachment.content_type)
    except BadImage:
        return None


def _vouched():
    """A reference that opens its photo: named by an author who had it, or
    named ahead of the upload by a user who has since uploaded it."""
    upload = AttachmentUpload.__table__.c
    return or_(AttachmentRef.pending_by_id.is_(None),
               exists().where(and_(upload.sha256 == AttachmentRef.sha256,
                                   upload.user_id == AttachmentRef.pending_by_id)))


def may_read(session, user, sha256: str) -> bool:
    """Does some record the user may read name this photo?"""
    from sync.collections import REGISTRY

    refs = session.execute(select(AttachmentRef.collection, AttachmentRef.record_id)
                           .where(AttachmentRef.sha256 == sha256, _vouched())).all()
    for name, record_id in refs:
        collection = REGISTRY.get(name)
        record = session.get(collection.model, record_id) if collection else None
        if record is not None and policy.can(user, policy.READ, record):
            return True
    return False


def uploaded_by(session, user, photos) -> set[str]:
    """Which of these photos this user has uploaded."""
    names = list(set(photos))
    if not names or user is None:
        return set()
    return set(session.scalars(select(AttachmentUpload.sha256).where(AttachmentUpload.user_id == user.id,
                                                                     AttachmentUpload.sha256.in_(names))))


def visible(session, user, sha256: str) -> Attachment | None:
    """The photo, if it exists and this user uploaded it or may read a record
    naming it; None otherwise: the two cases are one to the user."""
    attachment = session.get(Attachment, sha256)
    if attachment is None:
        return None
    if uploaded_by(session, user, [sha256]) or may_read(session, user, sha256):
        return attachment
    return None


NOT_YOURS = _l("You may name only a photo you uploaded or one you can already see.")


def vet_many(session, user, named: dict, field: str = "photos") -> dict:
    """{key: Invalid} for each list of photos (by key) that names a photo its
    author may not name: one uploaded by someone else and named by no record
    the author may read. A photo not uploaded yet may be named (the protocol
    lets a record come first): it is noted as pending by this author, and the
    reference opens it only once this author uploads it."""
    lists = {key: photos for key, photos in named.items() if isinstance(photos, list) and photos}
    every = {p for photos in lists.values() for p in photos if isinstance(p, str)}
    if not every:
        return {}
    mine = uploaded_by(session, user, every)
    stored = landed(session, every - mine)
    pending = session.info.setdefault(PENDING, {})
    readable: dict[str, bool] = {}
    refused = {}
    for key, photos in lists.items():
        errors = {}
        for index, sha in enumerate(photos):
            if not isinstance(sha, str) or sha in mine:
                continue
            if sha not in stored:
                pending.setdefault(sha, user.id)
                continue
            if sha not in readable:
                readable[sha] = may_read(session, user, sha)
            if not readable[sha]:
                errors[f"{field}.{index}"] = [NOT_YOURS]
        if errors:
            refused[key] = Invalid(errors)
    return refused


def vet(session, user, photos, field: str = "photos") -> None:
    """Refuse (Invalid, naming `photos.N`) the photos this author may not name."""
    refused = vet_many(session, user, {None: list(photos or ())}, field)
    if refused:
        raise refused[None]


def landed(session, photos) -> set[str]:
    """Which of these photos have been uploaded (the rest are on their way)."""
    names = list(set(photos))
    if not names:
        return set()
    return set(session.scalars(select(Attachment.sha256).where(Attachment.sha256.in_(names))))


def store(session, user, sha256: str, data: bytes, declared_type: str | None, device_id: str | None = None) -> bool:
    """Store the photo without its metadata, and note the upload; False when
    it was there already (never overwritten; the upload is noted all the same,
    once the bytes are checked to be the photo)."""
    kind, width, height = check(sha256, data, declared_type)
    existing = session.get(Attachment, sha256)
    if existing is None:
        clean = strip_metadata(data, kind)
        session.add(Attachment(sha256=sha256, content_type=kind, size=len(clean), width=width, height=height,
                               data=clean, uploaded_by_id=user.id))
        session.flush()
    if session.get(AttachmentUpload, (sha256, user.id)) is None:
        session.add(AttachmentUpload(sha256=sha256, user_id=user.id, device_id=device_id, uploaded_at=utcnow()))
        session.flush()
    return existing is None
