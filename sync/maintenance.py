"""Keeping the change feed small: old tombstones are purged, and a cursor
older than what was purged can only start over (`reset: true`). The command
that runs it (and commits) is sync/cli.py."""

from datetime import timedelta

from sqlalchemy import delete, func, select, update

from backend.common import utcnow
from sync.models import SyncSpace, Tombstone


def purge_tombstones(session, older_than: timedelta) -> int:
    """Delete tombstones older than `older_than`; raise each space's horizon
    to the newest purged version, so cursors from before it reset."""
    cutoff = utcnow() - older_than
    horizons = session.execute(select(Tombstone.space_id, func.max(Tombstone.version))
                               .where(Tombstone.at < cutoff).group_by(Tombstone.space_id)).all()
    for space, version in horizons:
        session.execute(update(SyncSpace).where(SyncSpace.id == space, SyncSpace.purged_below < version + 1)
                        .values(purged_below=version + 1))
    result = session.execute(delete(Tombstone).where(Tombstone.at < cutoff))
    return result.rowcount or 0
