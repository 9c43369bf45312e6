"""Posts of the sharing community: made by a neighbour for their household, or by staff and
grid workers for a resident with no phone (their consent noted); edited by the author side;
withdrawn. Flushes; the caller commits. Answers and exchanges: backend/sharing/exchanges.py."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from sqlalchemy import select

from backend.auth import policy
from backend.common import new_id, utcnow
from backend.errors import Conflict, Invalid, NotAllowedNow, Refused
from backend.fieldwork.records import check_photos
from backend.registry import consent as consents
from backend.registry.models import Household, Resident
from backend.sharing import moderation
from backend.sharing import policy as share_policy
from backend.sharing.models import EXCLUSIVE_KINDS, Post, PostResponse, ShareCategory
from backend.sharing.schemas import post_create, post_update

KIND_NAMES = {"lend": _l("Lend"), "give": _l("Give away"), "skill": _l("Skill"), "help": _l("Ask for help")}
STATUS_NAMES = {"open": _l("open"), "full": _l("all promised"), "closed": _l("closed"),
                "withdrawn": _l("withdrawn"), "hidden": _l("hidden")}
# The fields an edit merges (the sync collection's merge_fields).
EDITABLE_FIELDS = ("title", "body", "category", "availability", "photos", "reach", "capacity")
TEXT_FIELDS = ("title", "body", "availability")


def _load(schema, data, partial=False):
    try:
        return schema.load(data or {}, partial=partial)
    except ValidationError as exc:
        raise Invalid(exc.messages) from None


def _category(session, community_id: str, category_id):
    if not category_id:
        return None
    category = session.get(ShareCategory, category_id)
    if category is None or category.retired_at is not None or category.community_id != community_id:
        raise Invalid({"category": [_l("No such category in this community.")]})
    return category.id


def _capacity(kind: str, capacity: int) -> int:
    if kind != "skill" and capacity != 1:
        raise Invalid({"capacity": [_l("Only a skill class takes several people.")]})
    return capacity


def _household_for(session, actor, clean):
    """(household, resident) the post is for: a neighbour's own; staff name a resident or household."""
    if actor.role in share_policy.ON_BEHALF_ROLES:
        resident = None
        if clean.get("resident_id"):
            resident = session.get(Resident, clean["resident_id"])
            if resident is None or resident.retired_at is not None or not policy.can(actor, policy.READ, resident):
                raise Invalid({"resident_id": [_l("No such resident in your area.")]})
            household = resident.household
        elif clean.get("household_id"):
            household = session.get(Household, clean["household_id"])
        else:
            raise Invalid({"resident_id": [_l("Name the resident the post is for.")]})
        if household is None or household.retired_at is not None or not share_policy.can_post(actor, household):
            raise Invalid({"household_id": [_l("No such household in your area.")]})
        if not clean["on_behalf"]:
            raise Invalid({"on_behalf": [_l("Staff post on behalf of a resident: set on_behalf.")]})
        if not clean["consent"]:
            raise Invalid({"consent": [_l("Note that the resident agreed to this being posted for them.")]})
        return household, resident
    if clean["on_behalf"] or clean.get("household_id") or clean.get("resident_id"):
        raise Invalid({"on_behalf": [_l("Residents post for themselves.")]})
    household = actor.household if actor.household_id else None
    if household is None or household.retired_at is not None or not share_policy.can_post(actor):
        raise Refused()
    return household, None


def create_post(session, actor, data: dict, now=None) -> Post:
    """A new post, open to answers. Flushes; the caller commits."""
    now = now or utcnow()
    if not policy.active(actor):
        raise Refused()
    clean = _load(post_create, data)
    record_id = str(clean["id"]) if clean.get("id") else new_id()
    if session.get(Post, record_id) is not None:
        raise Conflict(_("A post with this id exists already."), {"id": [_("Already used.")]})
    household, resident = _household_for(session, actor, clean)
    texts = {name: (clean.get(name) or "").strip() for name in TEXT_FIELDS}
    if not texts["title"]:
        raise Invalid({"title": [_l("Give the post a title.")]})
    moderation.check_words(session, texts)
    check_photos(session, actor, clean["photos"])
    on_behalf = actor.role in share_policy.ON_BEHALF_ROLES
    name = (resident.name if resident is not None else household.head_name) if on_behalf else actor.display_name
    post = Post(id=record_id, community_id=household.community_id, grid_id=household.grid_id,
                household_id=household.id, author_id=actor.id, author_name=(name or "")[:50], on_behalf=on_behalf,
                resident_id=resident.id if resident is not None else None, consent=on_behalf and clean["consent"],
                consent_given_by=((clean.get("consent_given_by") or name or "").strip()[:50] if on_behalf else ""),
                kind=clean["kind"], category=_category(session, household.community_id, clean.get("category")),
                title=texts["title"], body=texts["body"], photos=clean["photos"], availability=texts["availability"],
                reach=clean["reach"], capacity=_capacity(clean["kind"], clean["capacity"]), taken=0, status="open",
                created_at=now, updated_at=now)
    session.add(post)
    session.flush()
    if on_behalf:
        note_consent(actor, clean, household, resident, f"share_post:{post.id}", now)
    return post


def note_consent(actor, clean, household, resident, detail: str, now) -> None:
    """The resident's agreement to a post or answer made for them, as a consent record
    (backend/registry/consent.py, purpose "proxy_share"); a client that does not say: spoken."""
    try:
        given = consents.clean({"basis": clean.get("consent_basis") or "verbal",
                                "given_by": clean.get("consent_given_by") or "", "detail": detail})
    except Invalid as exc:
        raise Invalid({f"consent_{key.rsplit('.', 1)[-1]}": value for key, value in exc.errors.items()}) from None
    consents.record(actor, purpose="proxy_share", basis=given["basis"], resident=resident,
                    household=household if resident is None else None, given_by=given["given_by"],
                    detail=given["detail"], now=now)


def update_post(session, actor, post: Post, data: dict, now=None) -> Post:
    """Edit the fields of a post (its author's side; never its status). Flushes."""
    if not policy.can(actor, policy.CHANGE, post):
        raise Refused()
    clean = _load(post_update, data, partial=True)
    texts = {name: (clean[name] or "").strip() for name in TEXT_FIELDS if name in clean}
    if "title" in texts and not texts["title"]:
        raise Invalid({"title": [_l("Give the post a title.")]})
    moderation.check_words(session, texts)
    if "photos" in clean:
        check_photos(session, actor, clean["photos"])
    if "category" in clean:
        post.category = _category(session, post.community_id, clean["category"])
    if "capacity" in clean:
        capacity = _capacity(post.kind, clean["capacity"])
        if capacity < post.taken:
            raise Invalid({"capacity": [_l("More places are promised already: %(n)s.", n=post.taken)]})
        post.capacity = capacity
        if post.status in ("open", "full"):
            post.status = "full" if post.taken >= capacity else "open"
    for name, value in texts.items():
        setattr(post, name, value)
    for name in ("photos", "reach"):
        if name in clean:
            setattr(post, name, clean[name])
    post.updated_at = now or utcnow()
    session.flush()
    return post


def withdraw_post(session, actor, post: Post, now=None) -> Post:
    """The author takes a post down: it leaves every device; pending answers are declined.
    Refused while an item is out on loan or an exchange is under way."""
    now = now or utcnow()
    if not share_policy.is_post_author_side(actor, post):
        raise Refused()
    if post.status in ("withdrawn", "hidden"):
        raise NotAllowedNow(_("This post is no longer up."))
    if not policy.can(actor, policy.READ, post):
        raise Refused()
    busy = select(PostResponse.id).where(PostResponse.post_id == post.id,
                                         PostResponse.status.in_(("accepted", "lent")))
    if session.scalar(busy) is not None:
        raise NotAllowedNow(_("An exchange of this post is under way: finish or cancel it first."))
    for response in session.scalars(select(PostResponse).where(PostResponse.post_id == post.id,
                                                               PostResponse.status == "pending")):
        response.status, response.closed_at, response.updated_at = "declined", now, now
    post.status, post.retired_at, post.updated_at = "withdrawn", now, now
    session.flush()
    return post


def visible_posts(session, user):
    """A query of the posts the user may read (the same rule as policy.can)."""
    return select(Post).where(share_policy.post_filter(user))


def is_exclusive(post: Post) -> bool:
    return post.kind in EXCLUSIVE_KINDS
