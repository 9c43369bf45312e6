"""Each area's part of the replication engine: its collections, their appliers
and wire records, in one module per area (sync/areas/<area>.py), named by the
area's declaration (`Area.sync`). `install` fills the engine's registry from
the areas the application is built with."""

from importlib import import_module


def install(modules) -> None:
    """Make the registry, the appliers and the wire records exactly those of these sync modules."""
    from sync import apply, schemas
    from sync.collections import REGISTRY

    collections, appliers, records = [], {}, {}
    for name in modules:
        module = import_module(name)
        collections += module.COLLECTIONS
        appliers.update(module.APPLIERS)
        records.update(module.RECORDS)
    missing = {c.name for c in collections} ^ set(appliers) | {c.name for c in collections} ^ set(records)
    if missing:
        raise LookupError(f"A collection without its applier or wire record: {', '.join(sorted(missing))}")
    REGISTRY.replace(collections)
    apply.APPLIERS.clear()
    apply.APPLIERS.update(appliers)
    schemas.RECORDS.clear()
    schemas.RECORDS.update(records)
