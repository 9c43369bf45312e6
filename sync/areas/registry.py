"""The household registry's collections: households and residents (editable, merged field by
field), their appliers and wire records."""

from flask_babel import gettext as _

from backend.auth import policy
from backend.errors import Invalid
from backend.registry import services as registry
from backend.registry.models import Household, Resident, household_care_tags, resident_care_tags
from backend.sensitive.masks import birth_year
from sync.apply import EditableApplier, Rejected
from sync.collections import EDITABLE, LAST_WRITE_WINS, SERVER_WINS, Collection
from sync.wire import NULLABLE, STAFF_NOTES, STRING, TAGS

HOUSEHOLDS = Collection(
    name="households", model=Household, kind=EDITABLE,
    wire={"id": "id", "grid_id": "grid_id", "building_id": "building_id", "community_id": "community_id",
          "address": "address", "head_name": "head_name", "member_count": "member_count", "notes": "notes",
          "care_tags": None},
    tracked_attrs=("grid_id", "building_id", "community_id", "address", "head_name", "member_count", "notes",
                   "care_tags", "retired_at"),
    merge_fields=("address", "head_name", "notes", "care_tags"),
    rule=LAST_WRITE_WINS, partition_kinds=("all", "grid", "household"), household_attr=None,
    tags_table=household_care_tags, staff_fields=("notes",),
    description="Households. Editable, merged field by field; a field changed on both sides: the later "
                "client_time wins (staff edits count with the server's time).",
)

RESIDENTS = Collection(
    name="residents", model=Resident, kind=EDITABLE,
    wire={"id": "id", "household_id": "household_id", "grid_id": "grid_id", "name": "name", "gender": "gender",
          "birth_date": "birth_date", "relation": "relation", "notes": "notes", "care_tags": None},
    tracked_attrs=("household_id", "grid_id", "community_id", "name", "gender", "birth_date", "relation", "notes",
                   "care_tags", "retired_at"),
    merge_fields=("name", "gender", "birth_date", "relation", "notes", "care_tags"),
    rule=SERVER_WINS, partition_kinds=("all", "grid", "household"),
    partition_attrs=("community_id", "grid_id", "household_id"), tags_table=resident_care_tags,
    coarse={"birth_date": ("birth_year", birth_year)},
    staff_fields=("notes",),
    description="Residents. Editable, merged field by field; a field changed on both sides: the server's "
                "value stands (the office's registry is authoritative) and the device's is kept in a conflict.",
)


class HouseholdApplier(EditableApplier):
    collection = HOUSEHOLDS
    model = Household
    create_fields = frozenset({"grid_id", "building_id", "address", "head_name", "notes", "care_tags", "consent"})
    update_fields = frozenset({"address", "head_name", "notes", "care_tags", "consent"})
    carried_fields = frozenset({"consent"})
    actions = {"move": ("grid_id", "building_id")}

    def on_create(self, session, user, mutation, appends, context):
        if session.get(Household, mutation.record_id) is not None:
            raise Rejected(409, "Conflict", _("A household with this id exists already."))
        household = registry.create_household(user, {**mutation.data, "id": mutation.record_id})
        return {"status": "applied", "version": household.version}

    def update(self, user, record, data):
        registry.update_household(user, record, data)

    def retire(self, user, record, reason):
        registry.retire_household(user, record, reason)

    def on_action(self, session, user, mutation, appends, context):
        if mutation.action != "move":
            raise Rejected(422, "Unknown action", _("Households accept the action 'move'."))
        record = self.load(session, user, mutation.record_id)
        registry.move_household(user, record, mutation.data.get("grid_id"), mutation.data.get("building_id"))
        session.flush()
        return {"status": "applied", "version": record.version}


class ResidentApplier(EditableApplier):
    collection = RESIDENTS
    model = Resident
    create_fields = frozenset({"household_id", "name", "gender", "birth_date", "relation", "notes", "care_tags",
                               "consent"})
    update_fields = frozenset({"name", "gender", "birth_date", "relation", "notes", "care_tags", "consent"})
    carried_fields = frozenset({"consent"})

    def on_create(self, session, user, mutation, appends, context):
        if session.get(Resident, mutation.record_id) is not None:
            raise Rejected(409, "Conflict", _("A resident with this id exists already."))
        household = session.get(Household, mutation.data.get("household_id") or "")
        if household is None or not policy.can(user, policy.READ, household):
            raise Invalid({"household_id": [_("No such household in your area.")]})
        data = {k: v for k, v in mutation.data.items() if k != "household_id"}
        resident = registry.create_resident(user, household, {**data, "id": mutation.record_id})
        return {"status": "applied", "version": resident.version}

    def update(self, user, record, data):
        registry.update_resident(user, record, data)

    def retire(self, user, record, reason):
        registry.retire_resident(user, record, reason)


APPLIERS = {"households": HouseholdApplier(), "residents": ResidentApplier()}
COLLECTIONS = (HOUSEHOLDS, RESIDENTS)
RECORDS = {
    "households": {"id": STRING, "grid_id": STRING, "building_id": NULLABLE, "community_id": STRING,
                   "address": STRING, "head_name": STRING, "member_count": {"type": "integer"},
                   "notes": STAFF_NOTES, "care_tags": TAGS},
    "residents": {"id": STRING, "household_id": STRING, "grid_id": STRING, "name": STRING,
                  "gender": {"type": "string", "enum": ["M", "F"], "nullable": True},
                  "birth_date": {"type": "string", "format": "date", "nullable": True},
                  "birth_year": {"type": "integer", "nullable": True}, "relation": NULLABLE,
                  "notes": STAFF_NOTES, "care_tags": TAGS},
}
