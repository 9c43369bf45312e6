"""Who may read and act in the sharing community. Asked through the one `policy.can`
(backend/auth/policy.py), which loads RULES. docs/PRIVACY.md, "Sharing", says it field by field.

Reading posts: a resident (or a volunteer with a household) the live posts of their own
community, and the live posts of the other communities of their street posted with
reach "street"; grid workers the live posts of their grids (as their devices replicate
them; a worker's grid is where they post for residents with no phone); community staff,
street and district officers and station operators every post (hidden ones too) of the
communities in their area; admin all.
Reading exchanges: a resident only those they are a side of (the responder, or the post's
author); grid workers those of their grids; the area readers those of their communities.
Moderation (reports, hiding, the catalogue, banned words): the managers of the community."""

from sqlalchemy import false, or_, select, true

from backend.auth.policy import CHANGE, MANAGE, READ, RETIRE, active, area_paths, path_condition, within
from backend.org.models import Node
from backend.sharing import machine
from backend.sharing.machine import AUTHOR, EITHER, RESPONDER
from backend.sharing.models import Post, PostReport, PostResponse, ShareCategory

AREA_READERS = {"community_staff", "street_officer", "district_officer", "station_operator"}
# Who hides posts, handles reports and keeps the catalogue of a community.
MODERATORS = {"admin", "community_staff", "street_officer", "district_officer"}
# Who keeps the deployment's banned words (they apply to every community): the offices above communities.
WORD_KEEPERS = {"admin", "district_officer", "street_officer"}
ON_BEHALF_ROLES = machine.ON_BEHALF_ROLES
# The staff pages of sharing.
OFFICE_ROLES = ("admin", "district_officer", "street_officer", "community_staff", "station_operator")


def _is_neighbour(user) -> bool:
    """A resident, or a volunteer who belongs to a household: they take part as neighbours."""
    return user.role == "resident" or (user.role == "volunteer" and user.household_id is not None)


def home_community(user) -> Node | None:
    household = user.household if user.household_id else None
    return household.community if household is not None and household.retired_at is None else None


def _worker_communities(user) -> set[str]:
    return {n.parent_id for n in user.scope_nodes if n.kind == "grid" and n.retired_at is None}


def _worker_grids(user) -> set[str]:
    return {n.id for n in user.scope_nodes if n.kind == "grid" and n.retired_at is None}


def _in_area(user, node) -> bool:
    return node is not None and within(node.path, area_paths(user))


def sees_community(user, community_id: str | None, community: Node | None = None) -> bool:
    """Does the user see everything of this community (staff, officers, admin, its grid workers)?"""
    if not active(user) or community_id is None:
        return False
    if user.role == "admin":
        return True
    if user.role == "grid_worker":
        return community_id in _worker_communities(user)
    if user.role in AREA_READERS:
        from backend.extensions import db

        return _in_area(user, community or db.session.get(Node, community_id))
    return False


def can_read_post(user, post: Post) -> bool:
    if post is None or not active(user):
        return False
    if _is_neighbour(user):
        if post.retired_at is not None:
            return False
        if post.author_id == user.id:
            return True
        home = home_community(user)
        if home is None:
            return False
        if post.community_id == home.id:
            return True
        return post.reach == "street" and post.community is not None and post.community.parent_id == home.parent_id
    if user.role == "grid_worker":
        return post.retired_at is None and post.grid_id is not None and post.grid_id in _worker_grids(user)
    return sees_community(user, post.community_id, post.community)


def can_read_response(user, response: PostResponse) -> bool:
    if response is None or not active(user):
        return False
    if _is_neighbour(user):
        return user.id in (response.responder_id, response.author_id)
    if user.role == "grid_worker":
        return response.grid_id is not None and response.grid_id in _worker_grids(user)
    return sees_community(user, response.community_id)


def can_moderate(user, community_id: str | None) -> bool:
    return active(user) and user.role in MODERATORS and sees_community(user, community_id)


def is_post_author_side(user, post: Post) -> bool:
    """The post's author; for a post made on a resident's behalf, staff of its community too."""
    if not active(user) or post is None:
        return False
    if post.author_id == user.id:
        return True
    return post.on_behalf and user.role in ON_BEHALF_ROLES and sees_community(user, post.community_id)


def is_responder_side(user, response: PostResponse) -> bool:
    if not active(user) or response is None:
        return False
    if response.responder_id == user.id:
        return True
    return response.on_behalf and user.role in ON_BEHALF_ROLES and sees_community(user, response.community_id)


def side_of(user, response: PostResponse) -> str | None:
    """"author" or "responder" (the author's side first: a staff member answering a post they
    posted for someone else acts for the post)."""
    if is_post_author_side(user, response.post):
        return AUTHOR
    if is_responder_side(user, response):
        return RESPONDER
    return None


def can_act(user, response: PostResponse, action: str) -> bool:
    """May the user's side and place take this action (whatever the state)?"""
    who = machine.ACTORS.get(action)
    if who is None or not can_read_response(user, response):
        return False
    if who == AUTHOR:
        return is_post_author_side(user, response.post)
    if who == RESPONDER:
        return is_responder_side(user, response)
    if who == EITHER:
        return side_of(user, response) is not None
    return False


def can_post(user, household=None) -> bool:
    """A neighbour posts for their own household; staff and grid workers for a household they may change."""
    if not active(user):
        return False
    if _is_neighbour(user):
        return household is None or household.id == user.household_id
    if user.role not in ON_BEHALF_ROLES or household is None:
        return False
    from backend.auth.policy import can

    return can(user, CHANGE, household)


def can_post_rule(user, verb, post: Post) -> bool:
    if verb == READ:
        return can_read_post(user, post)
    if verb == CHANGE:
        return can_read_post(user, post) and post.retired_at is None and is_post_author_side(user, post)
    if verb == RETIRE:
        return can_read_post(user, post) and (is_post_author_side(user, post)
                                              or can_moderate(user, post.community_id))
    if verb == MANAGE:
        return can_moderate(user, post.community_id)
    return False


def can_response_rule(user, verb, response: PostResponse) -> bool:
    return verb == READ and can_read_response(user, response)


def can_category(user, verb, category: ShareCategory) -> bool:
    if verb == READ:
        if _is_neighbour(user):
            home = home_community(user)
            return home is not None and category.retired_at is None and category.community_id == home.id
        return sees_community(user, category.community_id)
    return verb in (CHANGE, RETIRE, MANAGE) and can_moderate(user, category.community_id)


def can_report(user, verb, report: PostReport) -> bool:
    """Reports are staff-only: the moderators of the post's community read and settle them."""
    return verb in (READ, MANAGE) and can_moderate(user, report.community_id)


# --- list queries, to the same rules -------------------------------------------------

def _communities_in_area(user):
    return select(Node.id).where(Node.kind == "community", path_condition(Node.path, area_paths(user)))


def post_filter(user):
    """Condition on Post for the posts the user may read: the same rule as `can_read_post`."""
    if user is None or not active(user):
        return false()
    if user.role == "admin":
        return true()
    if _is_neighbour(user):
        home = home_community(user)
        mine = Post.author_id == user.id
        if home is None:
            return mine & Post.retired_at.is_(None)
        street = select(Node.id).where(Node.kind == "community", Node.parent_id == home.parent_id)
        return Post.retired_at.is_(None) & or_(mine, Post.community_id == home.id,
                                               (Post.reach == "street") & Post.community_id.in_(street))
    if user.role == "grid_worker":
        return Post.retired_at.is_(None) & Post.grid_id.in_(_worker_grids(user) or {""})
    if user.role in AREA_READERS:
        return Post.community_id.in_(_communities_in_area(user))
    return false()


def response_filter(user):
    """Condition on PostResponse for the exchanges the user may read."""
    if user is None or not active(user):
        return false()
    if user.role == "admin":
        return true()
    if _is_neighbour(user):
        return (PostResponse.responder_id == user.id) | (PostResponse.author_id == user.id)
    if user.role == "grid_worker":
        return PostResponse.grid_id.in_(_worker_grids(user) or {""})
    if user.role in AREA_READERS:
        return PostResponse.community_id.in_(_communities_in_area(user))
    return false()


def moderated_communities(user):
    """A query of the ids of the communities the user moderates."""
    if not active(user) or user.role not in MODERATORS:
        return select(Node.id).where(false())
    return _communities_in_area(user)


def can_use_office(user) -> bool:
    return active(user) and user.role in OFFICE_ROLES


def can_keep_words(user) -> bool:
    return active(user) and user.role in WORD_KEEPERS


RULES = {
    Post: can_post_rule,
    PostResponse: can_response_rule,
    ShareCategory: can_category,
    PostReport: can_report,
}
