"""The office side of the sharing community (共享社区): browse and filter the posts of one's
communities, a post's page (its exchanges and reports; hide with a reason, show again; answer
for a resident with no phone), posting for such a resident, the reports queue, the exchanges
overview with overdue loans, the categories catalogue and the deployment's banned words.

Views are thin: scope is backend.sharing.policy, every rule is in backend.sharing's services;
these parse forms, call them, commit and render. A refused form re-renders with its messages."""

from datetime import date, datetime, time

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import func, select

from backend.audit.alerts import zone
from backend.auth import policy
from backend.errors import Conflict, Invalid, NotAllowedNow
from backend.extensions import db
from backend.fieldwork.visits import reports as places
from backend.registry.models import Resident
from backend.sharing import exchanges, moderation, posts
from backend.sharing import policy as share_policy
from backend.sharing.models import (
    KINDS,
    POST_STATUSES,
    RESPONSE_STATUSES,
    BannedWord,
    Post,
    PostReport,
    PostResponse,
    ShareCategory,
)
from frontend.render import done, form_page, int_arg, page

bp = Blueprint("sharing_pages", __name__, url_prefix="/sharing")

PER_PAGE = 25
RESIDENT_CHOICES = 20
REACH_LABELS = {"community": _l("This community"), "street": _l("The whole street")}
SIDE_LABELS = {"author": _l("the author"), "responder": _l("the neighbour who answered")}


def _user():
    return current_user._get_current_object()


@bp.before_request
@login_required
def office_only():
    user = _user()
    if not share_policy.can_use_office(user):
        abort(403 if user.is_staff else 404)


def overdue_badge(user):
    """The count of overdue loans next to 共享 in the staff navigation (named by the area's declaration)."""
    if not getattr(user, "is_authenticated", False) or not share_policy.can_use_office(user):
        return None
    return exchanges.overdue_count(db.session, user)


@bp.context_processor
def _helpers():
    return {"kind_label": lambda v: str(posts.KIND_NAMES.get(v, v)),
            "post_status_label": lambda v: str(posts.STATUS_NAMES.get(v, v)),
            "exchange_status_label": lambda v: str(exchanges.STATUS_NAMES.get(v, v)),
            "reach_label": lambda v: str(REACH_LABELS.get(v, v)),
            "action_label": lambda v: str(exchanges.ACTION_NAMES.get(v, v))}


def _post_or_404(post_id) -> Post:
    post = db.session.get(Post, post_id)
    if post is None or not policy.can(_user(), policy.READ, post):
        abort(404)
    return post


def _response_or_404(response_id) -> PostResponse:
    response = db.session.get(PostResponse, response_id)
    if response is None or not policy.can(_user(), policy.READ, response):
        abort(404)
    return response


def _choice(name, allowed) -> str:
    value = request.args.get(name, "")
    return value if value in allowed else ""


# --- posts ---------------------------------------------------------------------------------

@bp.get("/")
def index():
    user = _user()
    communities = places.communities_of(user)
    filters = {"kind": _choice("kind", KINDS), "status": _choice("status", POST_STATUSES),
               "community": _choice("community", {c.id for c in communities}),
               "reported": request.args.get("reported") == "1"}
    query = posts.visible_posts(db.session, user)
    if filters["kind"]:
        query = query.where(Post.kind == filters["kind"])
    if filters["status"]:
        query = query.where(Post.status == filters["status"])
    if filters["community"]:
        query = query.where(Post.community_id == filters["community"])
    if filters["reported"]:
        query = query.where(Post.id.in_(select(PostReport.post_id).where(PostReport.status == "open")))
    pagination = db.paginate(query.order_by(Post.created_at.desc(), Post.id), page=int_arg("page"),
                             per_page=PER_PAGE, error_out=False)
    open_reports = len(moderation.reports_queue(db.session, user))
    return page("sharing/index.html", "sharing/_rows.html", pagination=pagination, filters=filters,
                communities=communities, kinds=KINDS, statuses=POST_STATUSES, open_reports=open_reports,
                overdue=exchanges.overdue_count(db.session, user),
                may_post=user.role in share_policy.ON_BEHALF_ROLES,
                may_keep_words=share_policy.can_keep_words(user))


def _post_context(post: Post, errors=None, form=None, hide_errors=None) -> dict:
    user = _user()
    responses = list(db.session.scalars(select(PostResponse).where(PostResponse.post_id == post.id)
                                        .order_by(PostResponse.created_at, PostResponse.id)))
    may_moderate = policy.can(user, policy.MANAGE, post)
    post_reports = list(db.session.scalars(select(PostReport).where(PostReport.post_id == post.id)
                                           .order_by(PostReport.created_at))) if may_moderate else []
    return {"post": post, "responses": responses, "reports": post_reports, "may_moderate": may_moderate,
            "actions": {r.id: exchanges.actions_for(user, r) for r in responses},
            "may_answer": user.role in share_policy.ON_BEHALF_ROLES and post.status == "open"
            and post.retired_at is None,
            "residents": _residents(post.community_id, request.args.get("q", "")),
            "errors": errors or {}, "form": form or {}, "hide_errors": hide_errors or {}}


def _residents(community_id, q: str) -> list[Resident]:
    """Residents of the community the user may read, by name (for posting or answering on their behalf)."""
    query = select(Resident).where(Resident.community_id == community_id, Resident.retired_at.is_(None))
    if q.strip():
        query = query.where(Resident.name.contains(q.strip(), autoescape=True))
    found = db.session.scalars(query.order_by(Resident.name, Resident.id).limit(RESIDENT_CHOICES * 5))
    return [r for r in found if policy.can(_user(), policy.READ, r)][:RESIDENT_CHOICES]


@bp.get("/posts/<post_id>")
def show(post_id):
    return page("sharing/post.html", None, **_post_context(_post_or_404(post_id)))


@bp.post("/posts/<post_id>/hide")
def hide(post_id):
    post = _post_or_404(post_id)
    form = {"reason": request.form.get("reason", "")}
    try:
        moderation.hide(db.session, _user(), post, form)
    except (Invalid, NotAllowedNow) as exc:
        db.session.rollback()
        errors = (exc.errors if isinstance(exc, Invalid) else None) or {"reason": [exc.detail]}
        return page("sharing/post.html", None, status=422,
                    **_post_context(_post_or_404(post_id), form=form, hide_errors=errors))
    db.session.commit()
    flash(_("The post is hidden; it leaves every device."))
    return done(url_for("sharing_pages.show", post_id=post.id))


@bp.post("/posts/<post_id>/unhide")
def unhide(post_id):
    post = _post_or_404(post_id)
    try:
        moderation.unhide(db.session, _user(), post)
    except NotAllowedNow as exc:
        db.session.rollback()
        flash(exc.detail)
        return done(url_for("sharing_pages.show", post_id=post.id))
    db.session.commit()
    flash(_("The post is shown again."))
    return done(url_for("sharing_pages.show", post_id=post.id))


@bp.post("/posts/<post_id>/answer")
def answer(post_id):
    """Answer a post for a resident with no phone, their consent noted."""
    post = _post_or_404(post_id)
    form = {name: request.form.get(name, "") for name in ("resident_id", "message", "consent_given_by")}
    data = {"post_id": post.id, "message": form["message"], "resident_id": form["resident_id"] or None,
            "on_behalf": True, "consent": request.form.get("consent") == "1",
            "consent_given_by": form["consent_given_by"] or None}
    try:
        exchanges.respond(db.session, _user(), data)
    except (Invalid, Conflict) as exc:
        db.session.rollback()
        errors = (exc.errors if isinstance(exc, Invalid) else None) or {"message": [exc.detail]}
        return page("sharing/post.html", None, status=422,
                    **_post_context(_post_or_404(post_id), errors=errors, form=form))
    db.session.commit()
    flash(_("The answer is recorded for the resident."))
    return done(url_for("sharing_pages.show", post_id=post.id))


@bp.post("/exchanges/<response_id>/<action>")
def act(response_id, action):
    """Take an action on an exchange for the side one acts for (a post or answer made on behalf)."""
    response = _response_or_404(response_id)
    if action not in exchanges.ACTIONS:
        abort(404)
    data = {name: request.form.get(name) for name in exchanges.ACTION_FIELDS[action] if request.form.get(name)}
    if action == "hand_over" and data.get("due_at") and len(data["due_at"]) == 10:
        # A date on the form: due by the evening of that day, where the deployment is.
        try:
            day = date.fromisoformat(data["due_at"])
            data["due_at"] = datetime.combine(day, time(20), tzinfo=zone()).isoformat()
        except ValueError:
            pass  # the service names the field
    if "score" in data:
        try:
            data["score"] = int(data["score"])
        except ValueError:
            data["score"] = None
    try:
        exchanges.transition(db.session, _user(), response, action, data)
    except (Invalid, NotAllowedNow, Conflict) as exc:
        db.session.rollback()
        messages = exc.errors if isinstance(exc, Invalid) and exc.errors else {"_": [exc.detail]}
        flash(" ".join(str(m) for values in messages.values() for m in values))
        return done(url_for("sharing_pages.show", post_id=response.post_id))
    db.session.commit()
    flash(_("Done: %(action)s.", action=exchanges.ACTION_NAMES.get(action, action)))
    return done(url_for("sharing_pages.show", post_id=response.post_id))


@bp.route("/posts/new", methods=["GET", "POST"])
def new():
    """Post for a resident with no phone (staff and grid workers), their consent noted."""
    user = _user()
    if user.role not in share_policy.ON_BEHALF_ROLES:
        abort(403)
    communities = places.communities_of(user)
    community_ids = {c.id for c in communities}
    chosen = request.values.get("community") or (communities[0].id if communities else "")
    if chosen not in community_ids:
        abort(404)
    context = {"communities": communities, "community_id": chosen, "kinds": KINDS,
               "categories": moderation.categories(db.session, chosen),
               "residents": _residents(chosen, request.values.get("q", ""))}
    if request.method == "GET":
        return page("sharing/new.html", None, form={}, errors={}, **context)
    fields = ("resident_id", "kind", "category", "title", "body", "availability", "reach", "capacity",
              "consent_given_by")
    form = {name: request.form.get(name, "") for name in fields}
    data = {"resident_id": form["resident_id"] or None, "kind": form["kind"], "category": form["category"] or None,
            "title": form["title"], "body": form["body"], "availability": form["availability"],
            "reach": form["reach"] or "community", "on_behalf": True, "consent": request.form.get("consent") == "1",
            "consent_given_by": form["consent_given_by"] or None}
    try:
        data["capacity"] = int(form["capacity"] or 1)
    except ValueError:
        return form_page("sharing/new.html", None, {"capacity": [_("Give a number.")]}, form=form, **context)
    try:
        post = posts.create_post(db.session, user, data)
    except (Invalid, Conflict) as exc:
        db.session.rollback()
        errors = exc.errors if isinstance(exc, Invalid) else {"title": [exc.detail]}
        return form_page("sharing/new.html", None, errors, form=form, **context)
    db.session.commit()
    flash(_("Posted for the resident."))
    return done(url_for("sharing_pages.show", post_id=post.id))


# --- reports ---------------------------------------------------------------------------------

@bp.get("/reports")
def reports_queue():
    status = _choice("status", ("open", "dismissed", "actioned")) or "open"
    return page("sharing/reports.html", None, reports=moderation.reports_queue(db.session, _user(), status),
                chosen=status)


@bp.post("/reports/<report_id>/dismiss")
def dismiss(report_id):
    entry = db.session.get(PostReport, report_id)
    if entry is None or not policy.can(_user(), policy.READ, entry):
        abort(404)
    try:
        moderation.dismiss_report(db.session, _user(), entry, request.form.get("note", ""))
    except NotAllowedNow as exc:
        db.session.rollback()
        flash(exc.detail)
        return done(url_for("sharing_pages.reports_queue"))
    db.session.commit()
    flash(_("The report is dismissed."))
    return done(url_for("sharing_pages.reports_queue"))


# --- exchanges --------------------------------------------------------------------------------

@bp.get("/exchanges")
def exchanges_overview():
    user = _user()
    status = _choice("status", RESPONSE_STATUSES)
    overdue_only = request.args.get("overdue") == "1"
    query = exchanges.visible_responses(db.session, user)
    if status:
        query = query.where(PostResponse.status == status)
    if overdue_only:
        query = query.where(PostResponse.overdue.is_(True), PostResponse.status == "lent")
    pagination = db.paginate(query.order_by(PostResponse.overdue.desc(), PostResponse.created_at.desc(),
                                            PostResponse.id), page=int_arg("page"), per_page=PER_PAGE,
                             error_out=False)
    counts = dict(db.session.execute(select(PostResponse.status, func.count()).where(
        share_policy.response_filter(user)).group_by(PostResponse.status)).all())
    return page("sharing/exchanges.html", None, pagination=pagination, chosen=status, overdue_only=overdue_only,
                statuses=RESPONSE_STATUSES, counts=counts, overdue=exchanges.overdue_count(db.session, user))


# --- the catalogue and the banned words -----------------------------------------------------------

def _community_arg():
    communities = [c for c in places.communities_of(_user()) if share_policy.can_moderate(_user(), c.id)]
    chosen = request.values.get("community") or (communities[0].id if communities else None)
    community = next((c for c in communities if c.id == chosen), None)
    if community is None:
        abort(404)
    return community, communities


@bp.route("/categories", methods=["GET", "POST"])
def categories():
    community, communities = _community_arg()
    context = {"community": community, "communities": communities}
    if request.method == "GET":
        return page("sharing/categories.html", None, categories=moderation.categories(db.session, community.id),
                    form={}, errors={}, **context)
    form = {name: request.form.get(name, "") for name in ("name", "sort_order")}
    try:
        order = int(form["sort_order"] or 0)
    except ValueError:
        order = -1
    try:
        moderation.add_category(db.session, _user(), {"community_id": community.id, "name": form["name"],
                                                      "sort_order": order})
    except (Invalid, Conflict) as exc:
        db.session.rollback()
        errors = exc.errors if isinstance(exc, Invalid) else {"name": [exc.detail]}
        return form_page("sharing/categories.html", None, errors or {"name": [exc.detail]},
                         categories=moderation.categories(db.session, community.id), form=form, **context)
    db.session.commit()
    flash(_("Category added."))
    return done(url_for("sharing_pages.categories", community=community.id))


@bp.post("/categories/<category_id>/retire")
def retire_category(category_id):
    category = db.session.get(ShareCategory, category_id)
    if category is None or not policy.can(_user(), policy.READ, category):
        abort(404)
    moderation.retire_category(db.session, _user(), category)
    db.session.commit()
    flash(_("Category retired."))
    return done(url_for("sharing_pages.categories", community=category.community_id))


@bp.route("/words", methods=["GET", "POST"])
def words():
    user = _user()
    if not share_policy.can_keep_words(user):
        abort(403)
    if request.method == "GET":
        return page("sharing/words.html", None, words=moderation.banned_words(db.session), form={}, errors={})
    form = {"word": request.form.get("word", "")}
    try:
        moderation.add_word(db.session, user, form)
    except (Invalid, Conflict) as exc:
        db.session.rollback()
        errors = exc.errors if isinstance(exc, Invalid) else {"word": [exc.detail]}
        return form_page("sharing/words.html", None, errors or {"word": [exc.detail]},
                         words=moderation.banned_words(db.session), form=form)
    db.session.commit()
    flash(_("Word added."))
    return done(url_for("sharing_pages.words"))


@bp.post("/words/<word_id>/remove")
def remove_word(word_id):
    entry = db.session.get(BannedWord, word_id)
    if entry is None or not share_policy.can_keep_words(_user()):
        abort(404)
    moderation.remove_word(db.session, _user(), entry)
    db.session.commit()
    flash(_("Word removed."))
    return done(url_for("sharing_pages.words"))
