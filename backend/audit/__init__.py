"""The audit trail: who did what to which record, and every look at a sensitive field."""

from backend.areas import Area

AREA = Area(name="audit", models=("backend.audit.models",))
