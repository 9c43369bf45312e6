"""/api/v1/activities/…: the menu, sign-ups (with the waitlist) and check-ins. Devices write through
the sync push (collections `activities`, `signups`, `checkins`); this API serves other clients, and
the same rules apply. Residents see published activities of their community and their own
household's sign-ups only; eligibility is decided here, birth dates never leave the server."""

from datetime import datetime

from flask import Blueprint, g, request
from sqlalchemy import select

from backend.activities import attendance, checkins, menu, signups
from backend.activities import policy as act_policy
from backend.activities.models import ACTIVITY_STATUSES, Activity, Signup
from backend.activities.schemas import activity_out, checkin_out, signup_out
from backend.apiframe import json_body
from backend.auth.bearer import readable, token_required
from backend.errors import ApiError
from backend.extensions import db
from backend.pagination import page_args, page_meta

bp = Blueprint("activities_api", __name__, url_prefix="/api/v1/activities")


def _activity(activity_id) -> Activity:
    return readable(Activity, activity_id, "activity")


def _signup(signup_id) -> Signup:
    return readable(Signup, signup_id, "sign-up")


def _dump_signup(record: Signup) -> dict:
    return {**signup_out.dump(record), "actions": signups.actions_for(g.user, record)}


@bp.get("")
@token_required
def list_activities():
    """Activities you may see, by start (a month with ?month=YYYY-MM).
    ---
    get:
      tags: [activities]
      security: [{bearer: []}]
      parameters:
        - {in: query, name: community_id, schema: {type: string}}
        - {in: query, name: month, schema: {type: string, pattern: '^[0-9]{4}-[0-9]{2}$'}}
        - {in: query, name: status, schema: {type: string, enum: [draft, published, cancelled, done]}}
        - page
        - per_page
      responses:
        200:
          content:
            application/json:
              schema: {type: object, properties: {items: {type: array, items: ActivityOut}, total: {type: integer}}}
        400: {description: A filter is not valid}
    """
    page, per_page = page_args()
    query = select(Activity).where(act_policy.activity_filter(g.user))
    status = request.args.get("status")
    if status:
        if status not in ACTIVITY_STATUSES:
            raise ApiError(400, "Bad Request", "Unknown status.",
                           errors={"status": ["One of: " + ", ".join(ACTIVITY_STATUSES) + "."]})
        query = query.where(Activity.status == status)
    if request.args.get("community_id"):
        query = query.where(Activity.community_id == request.args["community_id"])
    month = request.args.get("month")
    if month:
        try:
            start = datetime.strptime(month, "%Y-%m")
        except ValueError:
            raise ApiError(400, "Bad Request", "The month is YYYY-MM.", errors={"month": ["YYYY-MM."]}) from None
        end = datetime(start.year + (start.month == 12), start.month % 12 + 1, 1)
        query = query.where(Activity.starts_at >= start, Activity.starts_at < end)
    result = db.paginate(query.order_by(Activity.starts_at, Activity.id), page=page, per_page=per_page,
                         error_out=False)
    return {"items": [activity_out.dump(a) for a in result.items], **page_meta(result)}


@bp.post("")
@token_required
def create_activity():
    """A draft activity of a community you manage.
    ---
    post:
      tags: [activities]
      security: [{bearer: []}]
      requestBody: {content: {application/json: {schema: ActivityCreate}}}
      responses:
        201: {content: {application/json: {schema: ActivityOut}}}
        403: {description: You may not manage this community}
        409: {description: The id is taken}
        422: {description: Validation failed; errors names the fields}
    """
    record = menu.create_activity(db.session, g.user, json_body())
    db.session.commit()
    return activity_out.dump(record), 201


@bp.get("/<activity_id>")
@token_required
def get_activity(activity_id):
    """One activity.
    ---
    get:
      tags: [activities]
      security: [{bearer: []}]
      parameters: [{in: path, name: activity_id, required: true, schema: {type: string}}]
      responses:
        200: {content: {application/json: {schema: ActivityOut}}}
        404: {description: Not in your scope}
    """
    return activity_out.dump(_activity(activity_id))


@bp.patch("/<activity_id>")
@token_required
def update_activity(activity_id):
    """Edit a draft or published activity (staff).
    ---
    patch:
      tags: [activities]
      security: [{bearer: []}]
      parameters: [{in: path, name: activity_id, required: true, schema: {type: string}}]
      requestBody: {content: {application/json: {schema: ActivityUpdate}}}
      responses:
        200: {content: {application/json: {schema: ActivityOut}}}
        403: {description: You may not manage it}
        404: {description: Not in your scope}
        409: {description: Not allowed in this state}
        422: {description: Validation failed; errors names the fields}
    """
    record = _activity(activity_id)
    menu.update_activity(db.session, g.user, record, json_body())
    db.session.commit()
    return activity_out.dump(record)


@bp.post("/<activity_id>/publish")
@token_required
def publish(activity_id):
    """Publish a draft: residents see it and sign up.
    ---
    post:
      tags: [activities]
      security: [{bearer: []}]
      parameters: [{in: path, name: activity_id, required: true, schema: {type: string}}]
      responses:
        200: {content: {application/json: {schema: ActivityOut}}}
        403: {description: You may not manage it}
        404: {description: Not in your scope}
        409: {description: Not a draft}
    """
    record = _activity(activity_id)
    menu.publish(db.session, g.user, record)
    db.session.commit()
    return activity_out.dump(record)


@bp.post("/<activity_id>/cancel")
@token_required
def cancel(activity_id):
    """Cancel an activity: everyone signed up is told (a notice on their sign-up).
    ---
    post:
      tags: [activities]
      security: [{bearer: []}]
      parameters: [{in: path, name: activity_id, required: true, schema: {type: string}}]
      requestBody: {content: {application/json: {schema: CancelIn}}}
      responses:
        200: {content: {application/json: {schema: ActivityOut}}}
        403: {description: You may not manage it}
        404: {description: Not in your scope}
        409: {description: Not allowed in this state}
        422: {description: Validation failed; errors names the fields}
    """
    record = _activity(activity_id)
    menu.cancel(db.session, g.user, record, json_body())
    db.session.commit()
    return activity_out.dump(record)


@bp.post("/<activity_id>/close")
@token_required
def close(activity_id):
    """Close attendance (staff): the absent become no_show, volunteers' hours are posted (once).
    ---
    post:
      tags: [activities]
      security: [{bearer: []}]
      parameters: [{in: path, name: activity_id, required: true, schema: {type: string}}]
      responses:
        200: {content: {application/json: {schema: ActivityOut}}}
        403: {description: You may not manage it}
        404: {description: Not in your scope}
        409: {description: "Not begun, or not published"}
    """
    record = _activity(activity_id)
    attendance.close_by_staff(db.session, g.user, record)
    db.session.commit()
    return activity_out.dump(record)


@bp.get("/<activity_id>/signups")
@token_required
def list_signups(activity_id):
    """The sign-ups of an activity you may read: staff and the door see the list and the waitlist
    (names only); a resident their own household's.
    ---
    get:
      tags: [activities]
      security: [{bearer: []}]
      parameters: [{in: path, name: activity_id, required: true, schema: {type: string}}]
      responses:
        200:
          content:
            application/json:
              schema: {type: object, properties: {items: {type: array, items: SignupOut}}}
        404: {description: Not in your scope}
    """
    record = _activity(activity_id)
    found = db.session.scalars(select(Signup).where(Signup.activity_id == record.id, act_policy.signup_filter(g.user))
                               .order_by(Signup.created_at, Signup.id))
    return {"items": [_dump_signup(s) for s in found]}


@bp.post("/signups")
@token_required
def create_signup():
    """Sign up (yourself, or resident_id of your household; role volunteer with a volunteer_role).
    Full: you are put on the waitlist (status waitlisted), or refused (409) when it keeps none.
    ---
    post:
      tags: [activities]
      security: [{bearer: []}]
      requestBody: {content: {application/json: {schema: SignupCreate}}}
      responses:
        201: {content: {application/json: {schema: SignupOut}}}
        403: {description: You may not sign up}
        409: {description: "Full with no waitlist, window closed, or signed up already"}
        422: {description: Validation failed; errors names the fields}
    """
    record = signups.sign_up(db.session, g.user, json_body())
    db.session.commit()
    return _dump_signup(record), 201


@bp.get("/signups/<signup_id>")
@token_required
def get_signup(signup_id):
    """One sign-up.
    ---
    get:
      tags: [activities]
      security: [{bearer: []}]
      parameters: [{in: path, name: signup_id, required: true, schema: {type: string}}]
      responses:
        200: {content: {application/json: {schema: SignupOut}}}
        404: {description: Not in your scope}
    """
    return _dump_signup(_signup(signup_id))


@bp.post("/signups/<signup_id>/actions/<action>")
@token_required
def act(signup_id, action):
    """Move a sign-up: cancel, confirm (an offer), decline (an offer), rate (score 1-5, comment),
    check_in (the door: at, offline).
    ---
    post:
      tags: [activities]
      security: [{bearer: []}]
      parameters:
        - {in: path, name: signup_id, required: true, schema: {type: string}}
        - {in: path, name: action, required: true, schema: {type: string, enum: [cancel, confirm, decline, rate,
           check_in]}}
      requestBody: {content: {application/json: {schema: SignupAction}}}
      responses:
        200: {content: {application/json: {schema: SignupOut}}}
        403: {description: Not yours}
        404: {description: "Not in your scope, or no such action"}
        409: {description: Not allowed in this state}
        422: {description: Validation failed; errors names the fields}
    """
    if action not in signups.ACTIONS:
        raise ApiError(404, "Not Found", "No such action.",
                       errors={"action": ["One of: " + ", ".join(signups.ACTIONS) + "."]})
    record = _signup(signup_id)
    data = json_body() if request.content_length or request.mimetype else {}
    signups.transition(db.session, g.user, record, action, data)
    db.session.commit()
    return _dump_signup(record)


@bp.post("/checkins")
@token_required
def create_checkin():
    """Check someone in (signup_id, or code, or a walk-in's resident_id or name) or a volunteer out, with
    the phone's time `at`. Idempotent: the same person's check-in again answers the existing one with
    duplicate true (200) and adds nothing.
    ---
    post:
      tags: [activities]
      security: [{bearer: []}]
      requestBody: {content: {application/json: {schema: CheckinCreate}}}
      responses:
        200: {content: {application/json: {schema: CheckinOut}}}
        201: {content: {application/json: {schema: CheckinOut}}}
        403: {description: Not the door of this activity}
        409: {description: Not allowed in this state}
        422: {description: Validation failed; errors names the fields}
    """
    record, duplicate = checkins.record(db.session, g.user, json_body())
    db.session.commit()
    return {**checkin_out.dump(record), "duplicate": duplicate}, 200 if duplicate else 201
