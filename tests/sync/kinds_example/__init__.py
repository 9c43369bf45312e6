"""A test-only synced area, "shares" (a community's shared records in
miniature), that serves the partition kinds residents get beside their
household (docs/SYNC.md, "Partition kinds"): a community's public records,
its street-shared ones, and those naming a user. Added to a test app through
LINLI_AREAS, as tests/area_example shows."""

from backend.areas import Area

AREA = Area(
    name="shares",
    models=("tests.sync.kinds_example.models",),
    sync="tests.sync.kinds_example.sync",
)
