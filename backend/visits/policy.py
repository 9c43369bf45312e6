"""Visits and visit tasks are field records: read by the staff and workers of
their grid, like the registry (backend/registry/policy.py), changed by nobody."""

from backend.registry.policy import can_field_record
from backend.visits.models import Visit, VisitTask

RULES = {
    Visit: can_field_record,
    VisitTask: can_field_record,
}
