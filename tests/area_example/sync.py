"""The notices' collection (in a real area: sync/areas/<area>.py): append-only, served to the grid's devices."""

from sync.apply import AppendApplier
from sync.collections import APPEND_ONLY, Collection
from sync.wire import STRING, TIME
from tests.area_example import services
from tests.area_example.models import Notice

NOTICES = Collection(
    name="notices", model=Notice, kind=APPEND_ONLY,
    wire={"id": "id", "grid_id": "grid_id", "author_id": "author_id", "title": "title", "body": "body",
          "posted_at": "posted_at"},
    tracked_attrs=("grid_id", "community_id"),
    partition_kinds=("all", "grid"), household_attr=None,
    description="Notices of a grid's board. Append-only.",
)


class NoticeApplier(AppendApplier):
    collection = NOTICES
    create_fields = frozenset({"grid_id", "title", "body"})
    validate = staticmethod(services.validate_new)
    cache_key = "grids"


COLLECTIONS = (NOTICES,)
APPLIERS = {"notices": NoticeApplier()}
RECORDS = {"notices": {"id": STRING, "grid_id": STRING, "author_id": STRING, "title": STRING, "body": STRING,
                       "posted_at": TIME}}
