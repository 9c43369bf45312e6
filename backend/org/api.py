"""/api/v1/org: the tree, read and changed within the caller's scope."""

from flask import Blueprint, g, request

from backend.apiframe import load
from backend.auth import policy
from backend.auth.bearer import token_required
from backend.errors import ApiError
from backend.extensions import db
from backend.org import services
from backend.org.models import KINDS, Node
from backend.org.schemas import node_create, node_move, node_out, node_update, nodes_out
from backend.pagination import page_args, page_meta

bp = Blueprint("org_api", __name__, url_prefix="/api/v1/org")


def readable_node(node_id: str) -> Node:
    node = db.session.get(Node, node_id)
    if node is None or not policy.can(g.user, policy.READ, node):
        raise ApiError(404, "Not Found", "No such node in your scope.")
    return node


@bp.get("/nodes")
@token_required
def list_nodes():
    """Nodes in your scope.
    ---
    get:
      tags: [org]
      security: [{bearer: []}]
      parameters:
        - {in: query, name: kind, schema: {type: string, enum: [district, street, community, grid, building, station]}}
        - {in: query, name: under, schema: {type: string}, description: only nodes below this one}
        - {in: query, name: q, schema: {type: string}, description: name or code contains}
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
                  items: {type: array, items: NodeOut}
                  page: {type: integer}
                  per_page: {type: integer}
                  total: {type: integer}
                  pages: {type: integer}
    """
    page, per_page = page_args()
    kind = request.args.get("kind") or None
    if kind and kind not in KINDS:
        raise ApiError(400, "Bad Request", "Unknown kind.", errors={"kind": [f"One of {', '.join(KINDS)}."]})
    under = readable_node(request.args["under"]) if request.args.get("under") else None
    result = services.search(g.user, q=request.args.get("q", "")[:100], kind=kind, under=under,
                             include_retired=request.args.get("include_retired") in ("1", "true"),
                             page=page, per_page=per_page)
    return {"items": nodes_out.dump(result.items), **page_meta(result)}


@bp.get("/nodes/<node_id>")
@token_required
def get_node(node_id):
    """One node.
    ---
    get:
      tags: [org]
      security: [{bearer: []}]
      parameters: [{in: path, name: node_id, required: true, schema: {type: string}}]
      responses:
        200: {content: {application/json: {schema: NodeOut}}}
        404: {description: Not in your scope}
    """
    return node_out.dump(readable_node(node_id))


@bp.post("/nodes")
@token_required
def create_node():
    """Create a node under a parent in your scope.
    ---
    post:
      tags: [org]
      security: [{bearer: []}]
      requestBody: {content: {application/json: {schema: NodeCreate}}}
      responses:
        201: {content: {application/json: {schema: NodeOut}}}
        403: {description: Your role may not create this kind here}
        422: {description: Validation failed}
    """
    data = load(node_create)
    if data["parent_id"]:
        readable_node(data["parent_id"])
    node = services.create_node(g.user, **data)
    db.session.commit()
    return node_out.dump(node), 201


@bp.patch("/nodes/<node_id>")
@token_required
def update_node(node_id):
    """Edit a node.
    ---
    patch:
      tags: [org]
      security: [{bearer: []}]
      parameters: [{in: path, name: node_id, required: true, schema: {type: string}}]
      requestBody: {content: {application/json: {schema: NodeUpdate}}}
      responses:
        200: {content: {application/json: {schema: NodeOut}}}
        403: {description: Read-only for you}
        404: {description: Not in your scope}
        422: {description: Validation failed}
    """
    node = readable_node(node_id)
    data = load(node_update)
    node = services.update_node(g.user, node, **data)
    db.session.commit()
    return node_out.dump(node)


@bp.post("/nodes/<node_id>/move")
@token_required
def move_node(node_id):
    """Move a node with its subtree.
    ---
    post:
      tags: [org]
      security: [{bearer: []}]
      parameters: [{in: path, name: node_id, required: true, schema: {type: string}}]
      requestBody: {content: {application/json: {schema: NodeMove}}}
      responses:
        200: {content: {application/json: {schema: NodeOut}}}
        403: {description: Not allowed}
        404: {description: Not in your scope}
        422: {description: Validation failed}
    """
    node = readable_node(node_id)
    data = load(node_move)
    node = services.move_node(g.user, node, data["parent_id"])
    db.session.commit()
    return node_out.dump(node)


@bp.post("/nodes/<node_id>/retire")
@token_required
def retire_node(node_id):
    """Retire a node that has nothing live under it.
    ---
    post:
      tags: [org]
      security: [{bearer: []}]
      parameters: [{in: path, name: node_id, required: true, schema: {type: string}}]
      responses:
        200: {content: {application/json: {schema: NodeOut}}}
        403: {description: Not allowed}
        404: {description: Not in your scope}
        422: {description: Something live is still under it}
    """
    node = readable_node(node_id)
    node = services.retire_node(g.user, node)
    db.session.commit()
    return node_out.dump(node)
