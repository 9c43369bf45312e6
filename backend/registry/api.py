"""/api/v1/registry: households, residents and care tags within the caller's scope."""

from flask import Blueprint, g, request

from backend.apiframe import client_address, load
from backend.auth import policy
from backend.auth.bearer import token_required
from backend.errors import ApiError
from backend.extensions import db
from backend.org.models import Node
from backend.pagination import page_args, page_meta
from backend.registry import consent as consents
from backend.registry import policy as registry_policy
from backend.registry import services
from backend.registry.models import Consent, Household, Resident
from backend.registry.schemas import (
    care_tags_out,
    consent_out,
    consent_withdraw,
    household_create,
    household_move,
    household_out,
    household_update,
    resident_move,
    resident_out,
    resident_write,
    retire_in,
    reveal_in,
)

bp = Blueprint("registry_api", __name__, url_prefix="/api/v1/registry")


def _for_reader(data: dict, household: Household) -> dict:
    """Staff notes leave the answer for those who may not read them (residents,
    officers above the community): the key is absent, as if it did not exist."""
    if not registry_policy.sees_staff_notes(g.user, household):
        data.pop("notes", None)
    return data


def dump_household(household: Household) -> dict:
    tags = services.visible_tags(g.user, household.care_tags, household)
    return household_out.dump(_for_reader({
        "id": household.id, "grid_id": household.grid_id, "building_id": household.building_id,
        "community_id": household.community_id, "address": household.address, "head_name": household.head_name,
        "member_count": household.member_count, "care_tags": [t.code for t in tags],
        "phone_masked": services.masked(household, "phone") or None, "notes": household.notes,
        "retired": household.retired_at is not None, "retire_reason": household.retire_reason,
        "updated_at": household.updated_at,
    }, household))


def dump_resident(resident: Resident) -> dict:
    tags = services.visible_tags(g.user, resident.care_tags, resident.household)
    return resident_out.dump(_for_reader({
        "id": resident.id, "household_id": resident.household_id, "name": resident.name,
        "gender": resident.gender, "birth_date": services.shown_birth_date(g.user, resident),
        "birth_year": resident.birth_date.year if resident.birth_date else None, "relation": resident.relation,
        "care_tags": [t.code for t in tags], "id_number_masked": services.masked(resident, "id_number") or None,
        "phone_masked": services.masked(resident, "phone") or None, "notes": resident.notes,
        "retired": resident.retired_at is not None, "retire_reason": resident.retire_reason,
        "updated_at": resident.updated_at,
    }, resident.household))


def readable(model, record_id):
    record = db.session.get(model, record_id)
    if record is None or not policy.can(g.user, policy.READ, record):
        raise ApiError(404, "Not Found", f"No such {model.__tablename__[:-1]} in your scope.")
    return record


@bp.get("/care-tags")
@token_required
def care_tags():
    """Care tags you may see.
    ---
    get:
      tags: [registry]
      security: [{bearer: []}]
      responses:
        200:
          content:
            application/json:
              schema: {type: object, properties: {items: {type: array, items: CareTagOut}}}
    """
    return {"items": care_tags_out.dump(services.visible_tags(g.user, services.all_tags()))}


@bp.get("/households")
@token_required
def list_households():
    """Households in your scope.
    ---
    get:
      tags: [registry]
      security: [{bearer: []}]
      parameters:
        - {in: query, name: q, schema: {type: string}, description: "address, head or member name contains"}
        - {in: query, name: grid_id, schema: {type: string}}
        - {in: query, name: under, schema: {type: string}, description: node id}
        - {in: query, name: tag, schema: {type: string}, description: care tag code}
        - {in: query, name: include_retired, schema: {type: boolean}}
        - page
        - per_page
      responses:
        200:
          content:
            application/json:
              schema:
                type: object
                properties:
                  items: {type: array, items: HouseholdOut}
                  page: {type: integer}
                  per_page: {type: integer}
                  total: {type: integer}
                  pages: {type: integer}
    """
    page, per_page = page_args()
    under = None
    if request.args.get("under"):
        under = db.session.get(Node, request.args["under"])
        if under is None or not policy.can(g.user, policy.READ, under):
            raise ApiError(404, "Not Found", "No such node in your scope.", errors={"under": ["Not in your scope."]})
    result = services.search_households(
        g.user, q=request.args.get("q", "")[:100], grid_id=request.args.get("grid_id") or None, under=under,
        tag=request.args.get("tag") or None, include_retired=request.args.get("include_retired") in ("1", "true"),
        page=page, per_page=per_page)
    return {"items": [dump_household(h) for h in result.items], **page_meta(result)}


@bp.post("/households")
@token_required
def create_household():
    """Create a household in a grid of your scope.
    ---
    post:
      tags: [registry]
      security: [{bearer: []}]
      requestBody: {content: {application/json: {schema: HouseholdCreate}}}
      responses:
        201: {content: {application/json: {schema: HouseholdOut}}}
        403: {description: Not allowed}
        422: {description: Validation failed}
    """
    data = load(household_create)
    if data.get("id"):
        data["id"] = str(data["id"])
        if db.session.get(Household, data["id"]) is not None:
            raise ApiError(409, "Conflict", "A household with this id exists.", errors={"id": ["Already used."]})
    if g.user.role not in registry_policy.REGISTRY_KEEPERS:
        raise ApiError(403, "Forbidden", "Your role may not create households.")
    household = services.create_household(g.user, data)
    db.session.commit()
    return dump_household(household), 201


@bp.get("/households/<household_id>")
@token_required
def get_household(household_id):
    """One household with its residents.
    ---
    get:
      tags: [registry]
      security: [{bearer: []}]
      parameters: [{in: path, name: household_id, required: true, schema: {type: string}}]
      responses:
        200:
          content:
            application/json:
              schema:
                allOf:
                  - HouseholdOut
                  - {type: object, properties: {residents: {type: array, items: ResidentOut}}}
        404: {description: Not in your scope}
    """
    household = readable(Household, household_id)
    residents = [dump_resident(r) for r in household.residents if r.retired_at is None]
    return dump_household(household) | {"residents": residents}


@bp.patch("/households/<household_id>")
@token_required
def update_household(household_id):
    """Edit a household.
    ---
    patch:
      tags: [registry]
      security: [{bearer: []}]
      parameters: [{in: path, name: household_id, required: true, schema: {type: string}}]
      requestBody: {content: {application/json: {schema: HouseholdUpdate}}}
      responses:
        200: {content: {application/json: {schema: HouseholdOut}}}
        403: {description: Read-only for you}
        404: {description: Not in your scope}
        422: {description: Validation failed}
    """
    household = readable(Household, household_id)
    household = services.update_household(g.user, household, load(household_update))
    db.session.commit()
    return dump_household(household)


@bp.post("/households/<household_id>/move")
@token_required
def move_household(household_id):
    """Move a household to another grid (and building).
    ---
    post:
      tags: [registry]
      security: [{bearer: []}]
      parameters: [{in: path, name: household_id, required: true, schema: {type: string}}]
      requestBody: {content: {application/json: {schema: HouseholdMove}}}
      responses:
        200: {content: {application/json: {schema: HouseholdOut}}}
        403: {description: Not allowed}
        404: {description: Not in your scope}
        422: {description: Validation failed}
    """
    household = readable(Household, household_id)
    data = load(household_move)
    household = services.move_household(g.user, household, data["grid_id"], data["building_id"])
    db.session.commit()
    return dump_household(household)


@bp.post("/households/<household_id>/retire")
@token_required
def retire_household(household_id):
    """Retire a household (moved away, merged).
    ---
    post:
      tags: [registry]
      security: [{bearer: []}]
      parameters: [{in: path, name: household_id, required: true, schema: {type: string}}]
      requestBody: {content: {application/json: {schema: Retire}}}
      responses:
        200: {content: {application/json: {schema: HouseholdOut}}}
        403: {description: Not allowed}
        404: {description: Not in your scope}
    """
    household = readable(Household, household_id)
    household = services.retire_household(g.user, household, load(retire_in)["reason"])
    db.session.commit()
    return dump_household(household)


@bp.post("/households/<household_id>/residents")
@token_required
def create_resident(household_id):
    """Add a resident to a household.
    ---
    post:
      tags: [registry]
      security: [{bearer: []}]
      parameters: [{in: path, name: household_id, required: true, schema: {type: string}}]
      requestBody: {content: {application/json: {schema: ResidentWrite}}}
      responses:
        201: {content: {application/json: {schema: ResidentOut}}}
        403: {description: Not allowed}
        404: {description: Not in your scope}
        422: {description: Validation failed}
    """
    household = readable(Household, household_id)
    data = load(resident_write)
    if data.get("id"):
        data["id"] = str(data["id"])
        if db.session.get(Resident, data["id"]) is not None:
            raise ApiError(409, "Conflict", "A resident with this id exists.", errors={"id": ["Already used."]})
    resident = services.create_resident(g.user, household, data)
    db.session.commit()
    return dump_resident(resident), 201


@bp.get("/residents/<resident_id>")
@token_required
def get_resident(resident_id):
    """One resident.
    ---
    get:
      tags: [registry]
      security: [{bearer: []}]
      parameters: [{in: path, name: resident_id, required: true, schema: {type: string}}]
      responses:
        200: {content: {application/json: {schema: ResidentOut}}}
        404: {description: Not in your scope}
    """
    return dump_resident(readable(Resident, resident_id))


@bp.patch("/residents/<resident_id>")
@token_required
def update_resident(resident_id):
    """Edit a resident.
    ---
    patch:
      tags: [registry]
      security: [{bearer: []}]
      parameters: [{in: path, name: resident_id, required: true, schema: {type: string}}]
      requestBody: {content: {application/json: {schema: ResidentWrite}}}
      responses:
        200: {content: {application/json: {schema: ResidentOut}}}
        403: {description: Read-only for you}
        404: {description: Not in your scope}
        422: {description: Validation failed}
    """
    resident = readable(Resident, resident_id)
    data = load(resident_write, partial=True)
    data.pop("id", None)
    resident = services.update_resident(g.user, resident, data)
    db.session.commit()
    return dump_resident(resident)


@bp.post("/residents/<resident_id>/move")
@token_required
def move_resident(resident_id):
    """Move a resident to another household.
    ---
    post:
      tags: [registry]
      security: [{bearer: []}]
      parameters: [{in: path, name: resident_id, required: true, schema: {type: string}}]
      requestBody: {content: {application/json: {schema: ResidentMove}}}
      responses:
        200: {content: {application/json: {schema: ResidentOut}}}
        403: {description: Not allowed}
        404: {description: Not in your scope}
        422: {description: Validation failed}
    """
    resident = readable(Resident, resident_id)
    resident = services.move_resident(g.user, resident, load(resident_move)["household_id"])
    db.session.commit()
    return dump_resident(resident)


@bp.post("/residents/<resident_id>/retire")
@token_required
def retire_resident(resident_id):
    """Retire a resident (moved away, deceased).
    ---
    post:
      tags: [registry]
      security: [{bearer: []}]
      parameters: [{in: path, name: resident_id, required: true, schema: {type: string}}]
      requestBody: {content: {application/json: {schema: Retire}}}
      responses:
        200: {content: {application/json: {schema: ResidentOut}}}
        403: {description: Not allowed}
        404: {description: Not in your scope}
    """
    resident = readable(Resident, resident_id)
    resident = services.retire_resident(g.user, resident, load(retire_in)["reason"])
    db.session.commit()
    return dump_resident(resident)


@bp.post("/residents/<resident_id>/reveal")
@token_required
def reveal(resident_id):
    """Reveal a sensitive field in clear; the look is audited.
    ---
    post:
      tags: [registry]
      security: [{bearer: []}]
      parameters: [{in: path, name: resident_id, required: true, schema: {type: string}}]
      requestBody: {content: {application/json: {schema: Reveal}}}
      responses:
        200:
          content:
            application/json:
              schema: {type: object, properties: {field: {type: string}, value: {type: string}}}
        403: {description: Your role may not see it}
        404: {description: Not in your scope}
    """
    resident = readable(Resident, resident_id)
    field = load(reveal_in)["field"]
    value = services.reveal(g.user, resident, field, client_address())
    db.session.commit()  # the look is audited
    return {"field": field, "value": value}


def _dump_consents(records, household) -> dict:
    return {"items": [consent_out.dump(consents.dump(c)) for c in consents.visible(g.user, records, household)]}


@bp.get("/households/<household_id>/consents")
@token_required
def household_consents(household_id):
    """Consent records of a household and its residents (withdrawn ones included), newest first.
    Records for sensitive care tags only to those who see those tags.
    ---
    get:
      tags: [registry]
      security: [{bearer: []}]
      parameters: [{in: path, name: household_id, required: true, schema: {type: string}}]
      responses:
        200:
          content:
            application/json:
              schema: {type: object, properties: {items: {type: array, items: ConsentOut}}}
        404: {description: Not in your scope}
    """
    household = readable(Household, household_id)
    return _dump_consents(consents.of_household(household), household)


@bp.get("/residents/<resident_id>/consents")
@token_required
def resident_consents(resident_id):
    """A resident's consent records (withdrawn ones included), newest first.
    ---
    get:
      tags: [registry]
      security: [{bearer: []}]
      parameters: [{in: path, name: resident_id, required: true, schema: {type: string}}]
      responses:
        200:
          content:
            application/json:
              schema: {type: object, properties: {items: {type: array, items: ConsentOut}}}
        404: {description: Not in your scope}
    """
    resident = readable(Resident, resident_id)
    return _dump_consents(consents.of(resident), resident.household)


@bp.post("/consents/<consent_id>/withdraw")
@token_required
def withdraw_consent(consent_id):
    """Record that a consent was withdrawn (the record stays). A sensitive care tag it allowed
    comes off.
    ---
    post:
      tags: [registry]
      security: [{bearer: []}]
      parameters: [{in: path, name: consent_id, required: true, schema: {type: string}}]
      requestBody: {content: {application/json: {schema: ConsentWithdraw}}}
      responses:
        200: {content: {application/json: {schema: ConsentOut}}}
        403: {description: Not allowed}
        404: {description: Not in your scope}
        409: {description: Withdrawn already}
        422: {description: Validation failed}
    """
    consent = db.session.get(Consent, consent_id)
    target = consents.subject(consent) if consent is not None else None
    household = target.household if isinstance(target, Resident) else target
    if target is None or not policy.can(g.user, policy.READ, target) or \
            consent not in consents.visible(g.user, [consent], household):
        raise ApiError(404, "Not Found", "No such consent record in your scope.")
    consent = consents.withdraw(g.user, consent, load(consent_withdraw)["reason"])
    db.session.commit()
    return consent_out.dump(consents.dump(consent))
