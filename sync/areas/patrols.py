"""Patrol reports' collection (append-only), its applier and wire record."""

from backend.fieldwork.patrols import services as patrols
from backend.fieldwork.patrols.models import PatrolReport
from sync.apply import AppendApplier
from sync.collections import APPEND_ONLY, Collection
from sync.wire import LOCATION, PHOTO_TIMES, PHOTOS, STRING

PATROL_REPORTS = Collection(
    name="patrol_reports", model=PatrolReport, kind=APPEND_ONLY,
    wire={"id": "id", "grid_id": "grid_id", "author_id": "author_id", "category": "category",
          "description": "description", "photos": "photos", "photo_times": "photo_times", "location": "location",
          "reported_at": "reported_at"},
    tracked_attrs=("grid_id", "community_id", "photos", "photo_times"),  # photos: see sync/retention.py
    household_attr=None,
    description="Patrol reports. Append-only.",
)
PATROL_REPORTS.partition_kinds = ("all", "grid")


class PatrolApplier(AppendApplier):
    collection = PATROL_REPORTS
    create_fields = frozenset({"grid_id", "category", "description", "photos", "photo_times", "location",
                               "reported_at"})
    validate = staticmethod(patrols.validate_new)
    cache_key = "grids"


APPLIERS = {"patrol_reports": PatrolApplier()}
COLLECTIONS = (PATROL_REPORTS,)
RECORDS = {
    "patrol_reports": {"id": STRING, "grid_id": STRING, "author_id": STRING,
                       "category": {"type": "string", "enum": ["illegal_construction", "street_stall",
                                                               "illegal_parking", "repair", "safety_hazard",
                                                               "dispute", "environment", "other"]},
                       "description": STRING, "photos": PHOTOS, "photo_times": PHOTO_TIMES, "location": LOCATION,
                       "reported_at": {"type": "string", "format": "date-time"}},
}
