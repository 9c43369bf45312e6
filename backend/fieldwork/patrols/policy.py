"""Patrol reports are field records: read by the staff and workers of their
grid, like the registry (backend/registry/policy.py), changed by nobody."""

from backend.fieldwork.patrols.models import PatrolReport
from backend.registry.policy import can_field_record

RULES = {PatrolReport: can_field_record}
