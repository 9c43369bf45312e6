"""The shares' collection: read-only on devices; served to the community's
office ("all"), its residents ("public": all but private records), the
street's other communities' residents ("street": street-shared records) and
the users it names ("user": owner and helper)."""

from sync.apply import ReadOnlyApplier
from sync.collections import READ_ONLY, Collection
from sync.wire import NULLABLE, STRING
from tests.sync.kinds_example.models import Share

SHARES = Collection(
    name="shares", model=Share, kind=READ_ONLY,
    wire={"id": "id", "community_id": "community_id", "owner_id": "owner_id", "helper_id": "helper_id",
          "reach": "reach", "title": "title"},
    tracked_attrs=("community_id", "owner_id", "helper_id", "reach", "title", "retired_at"),
    partition_kinds=("all", "public", "street", "user"),
    # reach decides the public and street partitions: its change leaves a tombstone like a move
    partition_attrs=("community_id", "reach"), household_attr=None,
    public_only=lambda table: table.c.reach != "private",
    street_only=lambda table: table.c.reach == "street",
    user_attrs=("owner_id", "helper_id"),
    description="Shared records of a community. Read-only on devices.",
)

COLLECTIONS = (SHARES,)
APPLIERS = {"shares": ReadOnlyApplier(SHARES, lambda: "Shares are written by the server.")}
RECORDS = {"shares": {"id": STRING, "community_id": STRING, "owner_id": STRING, "helper_id": NULLABLE,
                      "reach": STRING, "title": STRING}}
