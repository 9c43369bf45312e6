"""Visits and visit tasks are field records: read by the staff and workers of
their grid, like the registry (backend/registry/policy.py), changed by nobody."""

from backend.fieldwork.visits.models import Visit, VisitTask
from backend.registry.policy import can_field_record

RULES = {
    Visit: can_field_record,
    VisitTask: can_field_record,
}
