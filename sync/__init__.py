"""The replication engine: SYNC_PROTOCOL.md's push, pull, status and attachments.

It registers like an area (backend/areas.py): its tables, its API, the
conflicts page and the field app's shell, the purge command. Each domain
area's collections are in sync/areas/."""

from flask_babel import lazy_gettext as _l

from backend.areas import OFFICE, STAFF, Area, NavEntry

AREA = Area(
    name="sync",
    models=("sync.models",),
    api=("sync.api:bp",),
    pages=("frontend.conflicts.views:bp", "frontend.pwa.views:bp"),
    cli=("sync.cli:purge_command", "sync.cli:retention_command", "sync.cli:strip_photos_command"),
    schemas=("sync.schemas",),
    extra_schemas=("sync.schemas:record_schemas",),
    nav=(NavEntry(_l("Conflicts"), "conflict_pages.index", OFFICE, order=50),
         NavEntry(_l("Field app"), "pwa.shell", STAFF, order=90, boost=False)),
)
