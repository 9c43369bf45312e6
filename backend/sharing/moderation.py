"""Moderation of the sharing community: the deployment's banned words, residents' reports,
staff hiding a post with a reason (audited) and showing it again, and the categories
catalogue each community's staff keep. Flushes; the caller commits."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from sqlalchemy import func, select

from backend.audit import services as audit
from backend.auth import policy
from backend.common import new_id, utcnow
from backend.errors import Conflict, Invalid, NotAllowedNow, Refused
from backend.org.models import Node
from backend.sharing import policy as share_policy
from backend.sharing.models import BannedWord, Post, PostReport, PostResponse, ShareCategory
from backend.sharing.schemas import banned_word_in, category_in, hide_in, report_create


def _load(schema, data):
    try:
        return schema.load(data or {})
    except ValidationError as exc:
        raise Invalid(exc.messages) from None


# --- banned words ----------------------------------------------------------------------

def banned_words(session) -> list[BannedWord]:
    return list(session.scalars(select(BannedWord).order_by(BannedWord.word)))


def check_words(session, texts: dict) -> None:
    """Refuse (Invalid, naming each field) text containing one of the deployment's banned words
    (letter case aside)."""
    words = [w.lower() for w in session.scalars(select(BannedWord.word))]
    if not words:
        return
    errors = {}
    for name, text in texts.items():
        lowered = (text or "").lower()
        found = next((word for word in words if word and word in lowered), None)
        if found is not None:
            errors[name] = [_l("Contains a word not allowed here: %(word)s", word=found)]
    if errors:
        raise Invalid(errors)


def add_word(session, actor, data: dict, now=None) -> BannedWord:
    if not share_policy.can_keep_words(actor):
        raise Refused()
    word = _load(banned_word_in, data)["word"].strip().lower()
    if not word:
        raise Invalid({"word": [_l("Give a word.")]})
    if session.scalar(select(BannedWord.id).where(func.lower(BannedWord.word) == word)) is not None:
        raise Conflict(_("This word is on the list already."), {"word": [_l("Already on the list.")]})
    entry = BannedWord(id=new_id(), word=word, created_by_id=actor.id, created_at=now or utcnow())
    session.add(entry)
    audit.record(actor, "share_word.add", "share_word", entry.id, {"word": word})
    session.flush()
    return entry


def remove_word(session, actor, entry: BannedWord) -> None:
    if not share_policy.can_keep_words(actor):
        raise Refused()
    audit.record(actor, "share_word.remove", "share_word", entry.id, {"word": entry.word})
    session.delete(entry)
    session.flush()


# --- reports -----------------------------------------------------------------------------

def report(session, actor, post: Post, data: dict, now=None) -> PostReport:
    """A neighbour reports a post they can see, with a reason; once per open report."""
    if post is None or not policy.can(actor, policy.READ, post):
        raise Refused()
    reason = _load(report_create, data)["reason"].strip()
    if not reason:
        raise Invalid({"reason": [_l("Say what is wrong with the post.")]})
    open_one = select(PostReport.id).where(PostReport.post_id == post.id, PostReport.reporter_id == actor.id,
                                           PostReport.status == "open")
    if session.scalar(open_one) is not None:
        raise Conflict(_("You have reported this post already."))
    entry = PostReport(post_id=post.id, community_id=post.community_id, reporter_id=actor.id, reason=reason,
                       status="open", created_at=now or utcnow())
    session.add(entry)
    session.flush()
    return entry


def reports_queue(session, user, status: str = "open"):
    """The reports of the communities the user moderates, oldest first."""
    query = (select(PostReport).where(PostReport.community_id.in_(share_policy.moderated_communities(user)))
             .order_by(PostReport.created_at, PostReport.id))
    if status:
        query = query.where(PostReport.status == status)
    return list(session.scalars(query))


def dismiss_report(session, actor, entry: PostReport, note: str = "", now=None) -> PostReport:
    if not policy.can(actor, policy.MANAGE, entry):
        raise Refused()
    if entry.status != "open":
        raise NotAllowedNow(_("This report is settled already."))
    entry.status, entry.note = "dismissed", (note or "").strip()[:500]
    entry.resolved_at, entry.resolved_by_id = now or utcnow(), actor.id
    audit.record(actor, "share_report.dismiss", "share_post", entry.post_id, {"report_id": entry.id})
    session.flush()
    return entry


# --- hiding ------------------------------------------------------------------------------

def hide(session, actor, post: Post, data: dict, now=None) -> Post:
    """Staff hide a post with a reason: it is retired (it leaves every device), its open
    answers are cancelled and its open reports are settled. Audited."""
    now = now or utcnow()
    if not policy.can(actor, policy.MANAGE, post):
        raise Refused()
    reason = _load(hide_in, data)["reason"].strip()
    if not reason:
        raise Invalid({"reason": [_l("Say why the post is hidden.")]})
    if post.status == "hidden":
        raise NotAllowedNow(_("This post is hidden already."))
    if post.status == "withdrawn":
        raise NotAllowedNow(_("This post was withdrawn by its author."))
    post.status, post.hidden_reason, post.hidden_by_id, post.hidden_at = "hidden", reason, actor.id, now
    post.retired_at, post.updated_at = now, now
    for response in session.scalars(select(PostResponse).where(PostResponse.post_id == post.id,
                                                               PostResponse.status == "pending")):
        response.status, response.closed_at, response.updated_at = "cancelled", now, now
    for entry in session.scalars(select(PostReport).where(PostReport.post_id == post.id,
                                                         PostReport.status == "open")):
        entry.status, entry.resolved_at, entry.resolved_by_id = "actioned", now, actor.id
    audit.record(actor, "share_post.hide", "share_post", post.id, {"reason": reason})
    session.flush()
    return post


def unhide(session, actor, post: Post, now=None) -> Post:
    """Show a hidden post again (a mistaken hiding); audited."""
    now = now or utcnow()
    if not policy.can(actor, policy.MANAGE, post):
        raise Refused()
    if post.status != "hidden":
        raise NotAllowedNow(_("This post is not hidden."))
    post.status = "full" if post.taken >= post.capacity else "open"
    post.hidden_reason, post.hidden_by_id, post.hidden_at, post.retired_at = None, None, None, None
    post.updated_at = now
    audit.record(actor, "share_post.unhide", "share_post", post.id, {})
    session.flush()
    return post


# --- the categories catalogue ----------------------------------------------------------

def categories(session, community_id: str, include_retired: bool = False) -> list[ShareCategory]:
    query = (select(ShareCategory).where(ShareCategory.community_id == community_id)
             .order_by(ShareCategory.sort_order, ShareCategory.name))
    if not include_retired:
        query = query.where(ShareCategory.retired_at.is_(None))
    return list(session.scalars(query))


def add_category(session, actor, data: dict, now=None) -> ShareCategory:
    clean = _load(category_in, data)
    community = session.get(Node, clean["community_id"])
    if community is None or community.kind != "community" or community.retired_at is not None \
            or not share_policy.can_moderate(actor, community.id):
        raise Invalid({"community_id": [_l("No such community in your area.")]})
    name = clean["name"].strip()
    if not name:
        raise Invalid({"name": [_l("Give the category a name.")]})
    check_words(session, {"name": name})
    taken = select(ShareCategory.id).where(ShareCategory.community_id == community.id, ShareCategory.name == name,
                                           ShareCategory.retired_at.is_(None))
    if session.scalar(taken) is not None:
        raise Conflict(_("This community has this category already."), {"name": [_l("Already in the list.")]})
    category = ShareCategory(community_id=community.id, name=name, sort_order=clean["sort_order"],
                             created_at=now or utcnow())
    session.add(category)
    session.flush()
    return category


def retire_category(session, actor, category: ShareCategory, now=None) -> ShareCategory:
    """Retire a category: it leaves devices; posts naming it keep the name they had."""
    if not policy.can(actor, policy.RETIRE, category):
        raise Refused()
    if category.retired_at is None:
        category.retired_at = now or utcnow()
        session.flush()
    return category
