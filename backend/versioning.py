"""Row versions for records that devices replicate.

Every replicated row carries the version of the change that last wrote it
(unique within its community, which is its sync space) and, for records edited
field by field, which version and time last changed each field. The stamping
itself is done by the change feed (sync/changefeed.py) in the same
transaction as the write, whatever path the write took."""

from sqlalchemy import JSON, BigInteger
from sqlalchemy.orm import Mapped, mapped_column


class Versioned:
    version: Mapped[int] = mapped_column(BigInteger, default=0, nullable=False)


class FieldVersioned(Versioned):
    # {field: [version, "2026-11-20T01:14:00Z"]}: the version and the (client)
    # time of the last change of each field, for field-level merges.
    field_meta = mapped_column(JSON, default=dict, nullable=False)


# Bulk writers (the demo seed, imports) insert rows with version 0 through
# Core, past the change feed's ORM hook; they call stamp_bulk_writes before
# committing. The change feed registers the stamper here, so the backend
# does not import the sync engine.
_bulk_stampers: list = []


def on_bulk_write(stamper) -> None:
    if stamper not in _bulk_stampers:
        _bulk_stampers.append(stamper)


def stamp_bulk_writes(session) -> None:
    for stamper in _bulk_stampers:
        stamper(session)
