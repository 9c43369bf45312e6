"""/api/v1/sharing/…: the sharing community's posts, exchanges, reports and catalogue.
Devices write through the sync push (collections `posts`, `post_responses`); this API serves
other clients, and the same rules apply. Residents never receive the moderation fields."""

from flask import Blueprint, g, request
from sqlalchemy import func, select

from backend.apiframe import json_body
from backend.auth import policy
from backend.auth.bearer import readable, token_required
from backend.errors import ApiError
from backend.extensions import db
from backend.pagination import page_args, page_meta
from backend.sharing import exchanges, moderation, posts
from backend.sharing import policy as share_policy
from backend.sharing.models import KINDS, POST_STATUSES, RESPONSE_STATUSES, Post, PostReport, PostResponse
from backend.sharing.schemas import category_out, post_out, post_staff_out, report_out, response_out

bp = Blueprint("sharing_api", __name__, url_prefix="/api/v1/sharing")


def _post(post_id) -> Post:
    return readable(Post, post_id, "post")


def _response(response_id) -> PostResponse:
    return readable(PostResponse, response_id, "exchange")


def dump_post(record: Post) -> dict:
    """A post as this reader may see it: the moderation fields for its community's moderators only."""
    if policy.can(g.user, policy.MANAGE, record):
        open_reports = db.session.scalar(select(func.count()).select_from(PostReport).where(
            PostReport.post_id == record.id, PostReport.status == "open"))
        return post_staff_out.dump({**{c: getattr(record, c) for c in post_staff_out.fields if hasattr(record, c)},
                                    "open_reports": open_reports})
    return post_out.dump(record)


def _dump_response(record: PostResponse) -> dict:
    return {**response_out.dump(record), "actions": exchanges.actions_for(g.user, record)}


def _choice(name, allowed):
    value = request.args.get(name)
    if value and value not in allowed:
        raise ApiError(400, "Bad Request", f"Unknown {name}.", errors={name: ["One of: " + ", ".join(allowed) + "."]})
    return value


@bp.get("/categories")
@token_required
def list_categories():
    """The sharing catalogue of a community you can see (default: your own).
    ---
    get:
      tags: [sharing]
      security: [{bearer: []}]
      parameters: [{in: query, name: community_id, schema: {type: string}}]
      responses:
        200:
          content:
            application/json:
              schema: {type: object, properties: {items: {type: array, items: ShareCategoryOut}}}
    """
    community_id = request.args.get("community_id")
    if not community_id:
        home = share_policy.home_community(g.user)
        community_id = home.id if home is not None else ""
    found = [c for c in moderation.categories(db.session, community_id) if policy.can(g.user, policy.READ, c)]
    return {"items": [category_out.dump(c) for c in found]}


@bp.get("/posts")
@token_required
def list_posts():
    """Posts you may see, newest first.
    ---
    get:
      tags: [sharing]
      security: [{bearer: []}]
      parameters:
        - {in: query, name: kind, schema: {type: string, enum: [lend, give, skill, help]}}
        - {in: query, name: status, schema: {type: string, enum: [open, full, closed, withdrawn, hidden]}}
        - {in: query, name: community_id, schema: {type: string}}
        - page
        - per_page
      responses:
        200:
          content:
            application/json:
              schema: {type: object, properties: {items: {type: array, items: PostOut}, total: {type: integer}}}
        400: {description: A filter is not valid}
    """
    page, per_page = page_args()
    query = posts.visible_posts(db.session, g.user)
    kind, status = _choice("kind", KINDS), _choice("status", POST_STATUSES)
    if kind:
        query = query.where(Post.kind == kind)
    if status:
        query = query.where(Post.status == status)
    if request.args.get("community_id"):
        query = query.where(Post.community_id == request.args["community_id"])
    result = db.paginate(query.order_by(Post.created_at.desc(), Post.id), page=page, per_page=per_page,
                         error_out=False)
    return {"items": [dump_post(p) for p in result.items], **page_meta(result)}


@bp.post("/posts")
@token_required
def create_post():
    """Post an offer or an ask for your household; staff and grid workers post for a resident with no phone
    (resident_id, on_behalf=true, consent=true). A banned word is refused naming the field.
    ---
    post:
      tags: [sharing]
      security: [{bearer: []}]
      requestBody: {content: {application/json: {schema: PostCreate}}}
      responses:
        201: {content: {application/json: {schema: PostOut}}}
        403: {description: You may not post}
        409: {description: The id is taken}
        422: {description: Validation failed; errors names the fields}
    """
    record = posts.create_post(db.session, g.user, json_body())
    db.session.commit()
    return dump_post(record), 201


@bp.get("/posts/<post_id>")
@token_required
def get_post(post_id):
    """One post.
    ---
    get:
      tags: [sharing]
      security: [{bearer: []}]
      parameters: [{in: path, name: post_id, required: true, schema: {type: string}}]
      responses:
        200: {content: {application/json: {schema: PostOut}}}
        404: {description: Not in your scope}
    """
    return dump_post(_post(post_id))


@bp.patch("/posts/<post_id>")
@token_required
def update_post(post_id):
    """Edit a post (its author; staff for a post made on a resident's behalf).
    ---
    patch:
      tags: [sharing]
      security: [{bearer: []}]
      parameters: [{in: path, name: post_id, required: true, schema: {type: string}}]
      requestBody: {content: {application/json: {schema: PostUpdate}}}
      responses:
        200: {content: {application/json: {schema: PostOut}}}
        403: {description: Not your post}
        404: {description: Not in your scope}
        422: {description: Validation failed; errors names the fields}
    """
    record = posts.update_post(db.session, g.user, _post(post_id), json_body())
    db.session.commit()
    return dump_post(record)


@bp.post("/posts/<post_id>/withdraw")
@token_required
def withdraw_post(post_id):
    """Take your post down: it leaves every device.
    ---
    post:
      tags: [sharing]
      security: [{bearer: []}]
      parameters: [{in: path, name: post_id, required: true, schema: {type: string}}]
      responses:
        200: {content: {application/json: {schema: PostOut}}}
        403: {description: Not your post}
        404: {description: Not in your scope}
        409: {description: An exchange is under way}
    """
    record = posts.withdraw_post(db.session, g.user, _post(post_id))
    db.session.commit()
    return dump_post(record)


@bp.post("/posts/<post_id>/report")
@token_required
def report_post(post_id):
    """Report a post to the community's staff, with a reason (only staff read it).
    ---
    post:
      tags: [sharing]
      security: [{bearer: []}]
      parameters: [{in: path, name: post_id, required: true, schema: {type: string}}]
      requestBody: {content: {application/json: {schema: ReportCreate}}}
      responses:
        201: {content: {application/json: {schema: ReportOut}}}
        404: {description: Not in your scope}
        409: {description: You reported it already}
        422: {description: Validation failed; errors names the fields}
    """
    entry = moderation.report(db.session, g.user, _post(post_id), json_body())
    db.session.commit()
    return report_out.dump(entry), 201


@bp.post("/posts/<post_id>/hide")
@token_required
def hide_post(post_id):
    """Hide a post with a reason (the community's staff; audited): it leaves every device.
    ---
    post:
      tags: [sharing]
      security: [{bearer: []}]
      parameters: [{in: path, name: post_id, required: true, schema: {type: string}}]
      requestBody: {content: {application/json: {schema: HideIn}}}
      responses:
        200: {content: {application/json: {schema: PostStaffOut}}}
        403: {description: You do not moderate this community}
        404: {description: Not in your scope}
        409: {description: Hidden or withdrawn already}
        422: {description: Validation failed; errors names the fields}
    """
    record = moderation.hide(db.session, g.user, _post(post_id), json_body())
    db.session.commit()
    return dump_post(record)


@bp.get("/exchanges")
@token_required
def list_exchanges():
    """Answers and exchanges you may see (a resident: those they are a side of), newest first.
    ---
    get:
      tags: [sharing]
      security: [{bearer: []}]
      parameters:
        - {in: query, name: post_id, schema: {type: string}}
        - {in: query, name: status, schema: {type: string, enum: [pending, accepted, lent, done, confirmed, closed,
           declined, withdrawn, cancelled]}}
        - {in: query, name: overdue, schema: {type: boolean}}
        - page
        - per_page
      responses:
        200:
          content:
            application/json:
              schema: {type: object, properties: {items: {type: array, items: ResponseOut}, total: {type: integer}}}
        400: {description: A filter is not valid}
    """
    page, per_page = page_args()
    query = exchanges.visible_responses(db.session, g.user)
    status = _choice("status", RESPONSE_STATUSES)
    if status:
        query = query.where(PostResponse.status == status)
    if request.args.get("post_id"):
        query = query.where(PostResponse.post_id == request.args["post_id"])
    overdue = _choice("overdue", ("true", "false"))
    if overdue:
        query = query.where(PostResponse.overdue.is_(overdue == "true"))
    result = db.paginate(query.order_by(PostResponse.created_at.desc(), PostResponse.id), page=page,
                         per_page=per_page, error_out=False)
    return {"items": [_dump_response(r) for r in result.items], **page_meta(result)}


@bp.post("/exchanges")
@token_required
def respond():
    """Answer a post with a message ("I can help", "I'd like to borrow it"); staff and grid workers answer for
    a resident with no phone (resident_id, on_behalf=true, consent=true).
    ---
    post:
      tags: [sharing]
      security: [{bearer: []}]
      requestBody: {content: {application/json: {schema: ResponseCreate}}}
      responses:
        201: {content: {application/json: {schema: ResponseOut}}}
        409: {description: "The post takes no more answers, or you answered already"}
        422: {description: Validation failed; errors names the fields}
    """
    record = exchanges.respond(db.session, g.user, json_body())
    db.session.commit()
    return _dump_response(record), 201


@bp.get("/exchanges/<response_id>")
@token_required
def get_exchange(response_id):
    """One answer or exchange, with the actions you may take.
    ---
    get:
      tags: [sharing]
      security: [{bearer: []}]
      parameters: [{in: path, name: response_id, required: true, schema: {type: string}}]
      responses:
        200: {content: {application/json: {schema: ResponseOut}}}
        404: {description: Not in your scope}
    """
    return _dump_response(_response(response_id))


@bp.post("/exchanges/<response_id>/actions/<action>")
@token_required
def act(response_id, action):
    """Move an exchange: accept, decline, withdraw, cancel, hand_over (due_at), return, done, confirm,
    rate (score 1-5, comment). An accept that finds the item promised already is 409, naming no one.
    ---
    post:
      tags: [sharing]
      security: [{bearer: []}]
      parameters:
        - {in: path, name: response_id, required: true, schema: {type: string}}
        - {in: path, name: action, required: true, schema: {type: string, enum: [accept, decline, withdraw,
           cancel, hand_over, return, done, confirm, rate]}}
      requestBody: {content: {application/json: {schema: ResponseAction}}}
      responses:
        200: {content: {application/json: {schema: ResponseOut}}}
        403: {description: Not your side of the exchange}
        404: {description: "Not in your scope, or no such action"}
        409: {description: "Not allowed in this state, or promised already"}
        422: {description: Validation failed; errors names the fields}
    """
    if action not in exchanges.ACTIONS:
        raise ApiError(404, "Not Found", "No such action.",
                       errors={"action": ["One of: " + ", ".join(exchanges.ACTIONS) + "."]})
    record = _response(response_id)
    data = json_body() if request.content_length or request.mimetype else {}
    exchanges.transition(db.session, g.user, record, action, data)
    db.session.commit()
    return _dump_response(record)
