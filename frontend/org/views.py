"""Management pages for the tree: starting points and search, one node's page,
and the forms to create, edit, move, retire and restore nodes. Rules and access
live in backend.org.services and backend.auth.policy; these views only parse the
form, call the service and render."""

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from backend.auth import policy
from backend.errors import Invalid
from backend.extensions import db, htmx
from backend.org import policy as org_policy
from backend.org import services
from backend.org.models import KINDS, PARENT_KINDS, Node
from backend.registry import policy as registry_policy
from frontend.labels import kind_label
from frontend.render import form_page, int_arg, page

bp = Blueprint("org_pages", __name__, url_prefix="/org")

PER_PAGE = 25
CHILDREN_PER_PAGE = 50
MOVE_CHOICES = 50  # candidate parents listed per kind; a search field narrows them
FORM_FIELDS = ("name", "code", "address", "notes", "community_kind")


def _partial() -> bool:
    """An htmx request that swaps part of the page (same test as render.page)."""
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def _readable(node_id: str) -> Node:
    """The node, or 404 when it does not exist or lies outside the user's area."""
    node = db.session.get(Node, node_id)
    if node is None or not policy.can(current_user, policy.READ, node):
        abort(404)
    return node


def _changeable(node_id: str) -> Node:
    node = _readable(node_id)
    if not policy.can(current_user, policy.CHANGE, node):
        abort(403)
    return node


def _form_data() -> dict:
    return {field: request.form.get(field, "") for field in FORM_FIELDS}


def creatable_kinds(parent: Node | None) -> list[str]:
    """Kinds the user may create under `parent` (None: the top of the tree)."""
    if parent is not None and parent.retired_at is not None:
        return []
    parent_kind = parent.kind if parent is not None else None
    kinds = []
    for kind in KINDS:
        if parent_kind not in PARENT_KINDS[kind] or not org_policy.can_create_node(current_user, kind, parent):
            continue
        # A rural station belongs to a village or a street, never an urban community.
        if kind == "station" and parent is not None and parent.kind == "community" \
                and parent.community_kind != "village":
            continue
        kinds.append(kind)
    return kinds


def may_see_invite(node: Node) -> bool:
    """Community staff show the invitation code to residents; whoever may
    change the community sees it too (the same test as the service)."""
    if node.kind != "community" or node.retired_at is not None:
        return False
    return policy.can(current_user, policy.CHANGE, node) or services._staff_of(current_user, node)


class ListPage:
    """Enough of a pagination object for a list already in memory."""

    def __init__(self, items: list, page: int, per_page: int):
        self.total = len(items)
        self.pages = max(1, -(-self.total // per_page))
        self.page = min(page, self.pages)
        start = (self.page - 1) * per_page
        self.items = items[start:start + per_page]
        self.has_prev, self.has_next = self.page > 1, self.page < self.pages
        self.prev_num, self.next_num = self.page - 1, self.page + 1


def _children_context(node: Node) -> dict:
    show_retired = request.args.get("retired") == "1"
    kids = services.children(current_user, node, include_retired=show_retired)
    return {"node": node, "show_retired": show_retired,
            "children": ListPage(kids, int_arg("page"), CHILDREN_PER_PAGE)}


def _head_context(node: Node) -> dict:
    """What the node's heading (_facts.html) needs."""
    may_change = policy.can(current_user, policy.CHANGE, node)
    return {
        "node": node,
        "may_change": may_change and node.retired_at is None,
        "may_move": may_change and node.retired_at is None and node.kind != "district",
        "may_retire": policy.can(current_user, policy.RETIRE, node),
        "may_invite": may_see_invite(node),
        "reads_registry": current_user.role in registry_policy.REGISTRY_READERS,
        "counts": services.visible_occupants(current_user, node),
    }


def _node_context(node: Node, errors: dict | None = None) -> dict:
    crumbs = [(a, policy.can(current_user, policy.READ, a)) for a in services.ancestors(node)]
    return {**_head_context(node), **_children_context(node), "crumbs": crumbs,
            "create_kinds": creatable_kinds(node), "errors": errors or {}}


# --- starting points and search ---------------------------------------------

@bp.get("/")
@login_required
def tree():
    if current_user.role == "admin":
        starts = services.children(current_user, None)
    else:
        starts = [n for n in current_user.scope_nodes if n.retired_at is None]
    q = request.args.get("q", "").strip()[:100]
    kind = request.args.get("kind", "")
    kind = kind if kind in KINDS else ""
    include_retired = request.args.get("retired") == "1"
    results = None
    if q or kind:
        results = services.search(current_user, q=q, kind=kind or None, include_retired=include_retired,
                                  page=int_arg("page"), per_page=PER_PAGE)
    return page("org/tree.html", "org/_results.html", starts=starts, q=q, kind=kind,
                include_retired=include_retired, results=results, kinds=KINDS,
                create_kinds=creatable_kinds(None))


# --- one node -------------------------------------------------------------------

@bp.get("/<node_id>")
@login_required
def node(node_id):
    record = _readable(node_id)
    return page("org/node.html", "org/_children.html", **_node_context(record))


@bp.route("/<node_id>/edit", methods=["GET", "POST"])
@login_required
def edit(node_id):
    record = _changeable(node_id)
    if request.method == "GET":
        form = {field: getattr(record, field) or "" for field in FORM_FIELDS}
        return page("org/edit.html", "org/_edit_form.html", node=record, form=form, errors={})
    form = _form_data()
    if record.kind != "community":
        form.pop("community_kind")
    try:
        services.update_node(current_user, record, **form)
    except Invalid as exc:
        db.session.rollback()
        return form_page("org/edit.html", "org/_edit_form.html", exc.errors, node=record, form=form)
    db.session.commit()
    if _partial():
        return page("org/node.html", "org/_facts.html", **_node_context(record))
    flash(_("Saved."))
    return redirect(url_for(".node", node_id=record.id))


@bp.route("/new", methods=["GET", "POST"], defaults={"node_id": None})
@bp.route("/<node_id>/new", methods=["GET", "POST"])
@login_required
def create(node_id):
    parent = _readable(node_id) if node_id else None
    kinds = creatable_kinds(parent)
    if not kinds:
        abort(403)
    if request.method == "GET":
        kind = request.args.get("kind")
        form = {"kind": kind if kind in kinds else kinds[0], "community_kind": "urban"}
        return page("org/create.html", "org/_create_form.html", parent=parent, kinds=kinds, form=form, errors={})
    form = _form_data() | {"kind": request.form.get("kind", "")}
    if form["kind"] not in kinds:
        errors = {"kind": [_("You cannot add this kind of place here.")]}
        return form_page("org/create.html", "org/_create_form.html", errors, parent=parent, kinds=kinds, form=form)
    try:
        child = services.create_node(current_user, parent_id=parent.id if parent else None, **form)
    except Invalid as exc:
        db.session.rollback()
        return form_page("org/create.html", "org/_create_form.html", exc.errors, parent=parent, kinds=kinds,
                         form=form)
    db.session.commit()
    flash(_("%(kind)s “%(name)s” added.", kind=kind_label(child), name=child.name))
    return redirect(url_for(".node", node_id=child.id))


def move_candidates(record: Node, q: str = "") -> list[Node]:
    """Nodes the record may move under: of an allowed parent kind, in the user's
    area, live, not inside the record itself, and not its current parent."""
    found = []
    for kind in PARENT_KINDS[record.kind]:
        if kind is None:
            continue
        result = services.search(current_user, q=q, kind=kind, per_page=MOVE_CHOICES)
        for candidate in result.items:
            if candidate.id == record.parent_id or candidate.path.startswith(record.path):
                continue
            if record.kind == "station" and candidate.kind == "community" and candidate.community_kind != "village":
                continue
            if org_policy.can_create_node(current_user, record.kind, candidate):
                found.append(candidate)
    return found


@bp.route("/<node_id>/move", methods=["GET", "POST"])
@login_required
def move(node_id):
    record = _changeable(node_id)
    if record.kind == "district" or record.retired_at is not None:
        abort(403)
    if request.method == "GET":
        q = request.args.get("q", "").strip()[:100]
        return page("org/move.html", "org/_move_form.html", node=record, q=q,
                    candidates=move_candidates(record, q), selected=None, errors={})
    target = request.form.get("parent_id", "")
    try:
        services.move_node(current_user, record, target)
    except Invalid as exc:
        db.session.rollback()
        return form_page("org/move.html", "org/_move_form.html", exc.errors, node=record, q="",
                         candidates=move_candidates(record), selected=target)
    db.session.commit()
    flash(_("Moved."))
    return redirect(url_for(".node", node_id=record.id))


@bp.post("/<node_id>/retire")
@login_required
def retire(node_id):
    record = _readable(node_id)
    if not policy.can(current_user, policy.RETIRE, record):
        abort(403)
    try:
        services.retire_node(current_user, record)
    except Invalid as exc:
        db.session.rollback()
        return page("org/node.html", status=422, **_node_context(record, exc.errors))
    db.session.commit()
    flash(_("Retired. It no longer appears in lists; you can restore it."))
    return redirect(url_for(".node", node_id=record.id))


@bp.post("/<node_id>/restore")
@login_required
def restore(node_id):
    record = _readable(node_id)
    if not policy.can(current_user, policy.RETIRE, record):
        abort(403)
    try:
        services.restore_node(current_user, record)
    except Invalid as exc:
        db.session.rollback()
        return page("org/node.html", status=422, **_node_context(record, exc.errors))
    db.session.commit()
    flash(_("Restored."))
    return redirect(url_for(".node", node_id=record.id))


@bp.post("/<node_id>/invite-code")
@login_required
def regenerate_invite(node_id):
    record = _readable(node_id)
    if not may_see_invite(record):
        abort(403)
    services.regenerate_invite_code(current_user, record)
    db.session.commit()
    if _partial():
        return page("org/node.html", "org/_invite.html", node=record, may_invite=True)
    flash(_("New invitation code made. The old one no longer works."))
    return redirect(url_for(".node", node_id=record.id))
