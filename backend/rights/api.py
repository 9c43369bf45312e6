"""/api/v1/rights: a signed-in resident's own household data (see it, download it) and their
correction requests. Anyone else is refused (403): staff answer a resident's request from the
registry pages (docs/PRIVACY.md)."""

from flask import Blueprint, Response, g, request

from backend.apiframe import client_address, json_body
from backend.auth.bearer import token_required
from backend.extensions import db
from backend.rights import services

bp = Blueprint("rights_api", __name__, url_prefix="/api/v1/rights")


@bp.get("/my-data")
@token_required
def my_data():
    """Everything Linli holds about your household that you may see: the household, its
    residents (ID numbers and phones masked), requests with their public steps, ratings, the dates
    of visits, consent records, your account. `format=csv` gives the same as CSV rows
    (section, record, field, value). Each download is audited.
    ---
    get:
      tags: [rights]
      security: [{bearer: []}]
      parameters:
        - {in: query, name: format, schema: {type: string, enum: [json, csv]}}
      responses:
        200:
          content:
            application/json:
              schema:
                type: object
                properties:
                  generated_at: {type: string, format: date-time}
                  account: {type: object}
                  household: {type: object}
                  residents: {type: array, items: {type: object}}
                  requests: {type: array, items: {type: object}}
                  ratings: {type: array, items: {type: object}}
                  visits: {type: array, items: {type: object}}
                  consents: {type: array, items: {type: object}}
            text/csv: {schema: {type: string}}
        403: {description: Not a resident linked to a household}
    """
    fmt = "csv" if request.args.get("format") == "csv" else "json"
    data = services.download(db.session, g.user, fmt, client_address())
    db.session.commit()  # the download is audited
    if fmt == "csv":
        return Response("\ufeff" + services.as_csv(data), mimetype="text/csv",
                        headers={"Content-Disposition": "attachment; filename=linli-my-data.csv"})
    return services.as_json(data)


@bp.get("/corrections")
@token_required
def list_corrections():
    """Your household's correction requests, newest first, with their status and the office's answer.
    ---
    get:
      tags: [rights]
      security: [{bearer: []}]
      responses:
        200:
          content:
            application/json:
              schema: {type: object, properties: {items: {type: array, items: {type: object}}}}
        403: {description: Not a resident linked to a household}
    """
    return {"items": services.as_json(services.corrections(db.session, g.user))}


@bp.post("/corrections")
@token_required
def ask_correction():
    """Ask for something Linli holds about your household to be corrected. It reaches the
    community's staff and the grid's worker as a request of the category "correction".
    ---
    post:
      tags: [rights]
      security: [{bearer: []}]
      requestBody: {content: {application/json: {schema: CorrectionIn}}}
      responses:
        201:
          content:
            application/json:
              schema: {type: object, properties: {request_id: {type: string}, status: {type: string}}}
        403: {description: Not a resident linked to a household}
        422: {description: Validation failed}
    """
    created = services.ask_correction(db.session, g.user, json_body())
    db.session.commit()
    return {"request_id": created.id, "status": created.status}, 201
