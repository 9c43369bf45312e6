"""Answers and exchanges: a neighbour answers a post; the author accepts (the item or a place
is promised), declines; the exchange is handed over and returned (lend) or done, then each
side confirms and rates the other, never waiting for the other side. The sweep flags
overdue loans, reminds before the due date, and closes exchanges CLOSE_DAYS after they
were done. Flushes; the caller commits.

A single item is never promised twice, whatever the race (two phones accepting offline at
once): `accept` takes the post's place with one conditional UPDATE inside the write
transaction (`taken < capacity`), which PostgreSQL re-checks under the row lock and SQLite
runs under its write lock; a lend or give exchange also holds the post's id in the unique
`promise_key`. The loser is refused with a Conflict naming no one."""

from datetime import UTC, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from sqlalchemy import func, select, update

from backend.auth import policy
from backend.common import new_id, utcnow
from backend.errors import Conflict, Invalid, NotAllowedNow, Refused
from backend.registry.models import Resident
from backend.sharing import machine, moderation, posts
from backend.sharing import policy as share_policy
from backend.sharing.machine import AUTHOR, CLOSE_DAYS, REMIND_HOURS
from backend.sharing.models import Post, PostResponse
from backend.sharing.schemas import response_action, response_create
from backend.sharing.signals import help_confirmed

TRANSITIONS = machine.transitions()
ACTIONS = tuple(TRANSITIONS)
# The data each action accepts (the sync push and the API check names against this).
ACTION_FIELDS = {"accept": ("message",), "decline": ("message",), "withdraw": ("message",),
                 "cancel": ("message",), "hand_over": ("due_at", "message"), "return": ("message",),
                 "done": ("message",), "confirm": (), "rate": ("score", "comment")}
STATUS_NAMES = {"pending": _l("waiting for an answer"), "accepted": _l("accepted"), "lent": _l("lent out"),
                "done": _l("done"), "confirmed": _l("confirmed by both"), "closed": _l("closed"),
                "declined": _l("declined"), "withdrawn": _l("withdrawn"), "cancelled": _l("cancelled")}
ACTION_NAMES = {"accept": _l("Accept"), "decline": _l("Decline"), "withdraw": _l("Withdraw"),
                "cancel": _l("Cancel"), "hand_over": _l("Hand over"), "return": _l("Returned"),
                "done": _l("Done"), "confirm": _l("Confirm"), "rate": _l("Rate")}
# Kinds whose confirmed exchange earns the helper points (points subscribe to help_confirmed).
HELP_KINDS = ("help", "skill")


def _load(schema, data):
    try:
        return schema.load(data or {})
    except ValidationError as exc:
        raise Invalid(exc.messages) from None


def _answerer(session, actor, clean, post):
    """(on_behalf, resident, name) of who answers: a neighbour themselves, or staff for a resident."""
    if actor.role in share_policy.ON_BEHALF_ROLES:
        if not clean.get("resident_id"):
            raise Invalid({"resident_id": [_l("Name the resident the answer is for.")]})
        resident = session.get(Resident, clean["resident_id"])
        if resident is None or resident.retired_at is not None or not policy.can(actor, policy.READ, resident):
            raise Invalid({"resident_id": [_l("No such resident in your area.")]})
        if not clean["on_behalf"]:
            raise Invalid({"on_behalf": [_l("Staff answer on behalf of a resident: set on_behalf.")]})
        if not clean["consent"]:
            raise Invalid({"consent": [_l("Note that the resident agreed to this answer.")]})
        return True, resident, resident.name
    if clean["on_behalf"] or clean.get("resident_id"):
        raise Invalid({"on_behalf": [_l("Residents answer for themselves.")]})
    if post.author_id == actor.id:
        raise Invalid({"post_id": [_l("This is your own post.")]})
    return False, None, actor.display_name


def respond(session, actor, data: dict, now=None) -> PostResponse:
    """A neighbour answers a post they can see ("I can help", "I'd like to borrow it"); staff and
    grid workers answer for a resident with no phone (resident_id, on_behalf, consent)."""
    now = now or utcnow()
    if not policy.active(actor):
        raise Refused()
    clean = _load(response_create, data)
    record_id = str(clean["id"]) if clean.get("id") else new_id()
    if session.get(PostResponse, record_id) is not None:
        raise Conflict(_("An answer with this id exists already."), {"id": [_("Already used.")]})
    post = session.get(Post, clean["post_id"])
    if post is None or not policy.can(actor, policy.READ, post) or post.retired_at is not None:
        raise Invalid({"post_id": [_l("No such post.")]})
    if post.status != "open":
        raise NotAllowedNow(_("This post takes no more answers: %(status)s.",
                              status=posts.STATUS_NAMES.get(post.status, post.status)))
    message = clean["message"].strip()
    if not message:
        raise Invalid({"message": [_l("Write a message to the neighbour.")]})
    moderation.check_words(session, {"message": message})
    on_behalf, resident, name = _answerer(session, actor, clean, post)
    if not on_behalf:
        mine = select(PostResponse.id).where(PostResponse.post_id == post.id, PostResponse.responder_id == actor.id,
                                             PostResponse.on_behalf.is_(False),
                                             PostResponse.status.in_(("pending", "accepted", "lent")))
        if session.scalar(mine) is not None:
            raise Conflict(_("You have answered this post already."), {"post_id": [_l("Answered already.")]})
    response = PostResponse(id=record_id, post_id=post.id, community_id=post.community_id, grid_id=post.grid_id,
                            household_id=post.household_id, responder_id=actor.id, responder_name=(name or "")[:50],
                            on_behalf=on_behalf, resident_id=resident.id if resident is not None else None,
                            consent=on_behalf, author_id=post.author_id, message=message, status="pending",
                            created_at=now, updated_at=now)
    session.add(response)
    session.flush()
    if on_behalf:
        posts.note_consent(actor, {"consent_given_by": clean.get("consent_given_by")}, resident.household, resident,
                           f"share_response:{response.id}", now)
    return response


def actions_for(user, response: PostResponse) -> list[str]:
    """The actions the user may take on this exchange now."""
    out = []
    for action, (states, _to, kinds) in TRANSITIONS.items():
        if response.status in states and response.post.kind in kinds \
                and share_policy.can_act(user, response, action) and _state_allows(user, response, action):
            out.append(action)
    return out


def _state_allows(user, response, action) -> bool:
    if action in ("confirm", "rate"):
        side = share_policy.side_of(user, response)
        if action == "confirm":
            return not getattr(response, f"confirmed_by_{side}")
        return getattr(response, f"{side}_score") is None
    return True


def transition(session, actor, response: PostResponse, action: str, data: dict | None = None,
               now=None) -> PostResponse:
    """Take `action` on an exchange, checked against the state machine and the actor's side."""
    now = now or utcnow()
    if action not in TRANSITIONS:
        raise Invalid({"action": [_l("Unknown action.")]})
    data = data or {}
    if not isinstance(data, dict):
        raise Invalid({"_schema": [_l("Send an object.")]})
    clean = _load(response_action, data)
    unknown = {k for k, v in data.items() if v not in (None, "")} - set(ACTION_FIELDS[action])
    if unknown:
        raise Invalid({name: [_l("Not used by this action.")] for name in sorted(unknown)})
    if not share_policy.can_act(actor, response, action):
        raise Refused()
    states, _to, kinds = TRANSITIONS[action]
    if response.post.kind not in kinds:
        raise NotAllowedNow(_("Posts of this kind do not take this action."))
    if response.status not in states:
        raise NotAllowedNow(_("Not allowed while the exchange is %(status)s.",
                               status=STATUS_NAMES.get(response.status, response.status)))
    side = share_policy.side_of(actor, response)
    getattr(_Steps, action)(session, response, clean, side, now)
    response.updated_at = now
    session.flush()
    return response


class _Steps:
    """Each action's own step, after the machine and the policy allowed it."""

    @staticmethod
    def accept(session, response, clean, side, now):
        post = response.post
        # The response first: of two accepts of one answer, one moves it.
        moved = session.execute(update(PostResponse).where(PostResponse.id == response.id,
                                                           PostResponse.status == "pending")
                                .values(status="accepted", accepted_at=now, updated_at=now)
                                .execution_options(synchronize_session=False)).rowcount
        if moved != 1:
            raise NotAllowedNow(_("This answer was answered already."))
        taken = session.execute(update(Post).where(Post.id == post.id, Post.taken < Post.capacity,
                                                   Post.retired_at.is_(None))
                                .values(taken=Post.taken + 1)
                                .execution_options(synchronize_session=False)).rowcount
        if taken != 1:
            raise Conflict(_("Already promised to another neighbour: every place of this post is taken."),
                           {"status": [_l("Already promised.")]})
        session.refresh(post, ["taken"])
        session.refresh(response, ["status", "accepted_at"])
        if post.exclusive:
            response.promise_key = post.id
        if post.taken >= post.capacity and post.status == "open":
            post.status = "full"
            post.updated_at = now

    @staticmethod
    def decline(session, response, clean, side, now):
        response.status, response.closed_at = "declined", now

    @staticmethod
    def withdraw(session, response, clean, side, now):
        response.status, response.closed_at = "withdrawn", now

    @staticmethod
    def cancel(session, response, clean, side, now):
        response.status, response.closed_at = "cancelled", now
        _release(session, response, now)

    @staticmethod
    def hand_over(session, response, clean, side, now):
        due = clean.get("due_at")
        if due is None:
            raise Invalid({"due_at": [_l("Say when the item comes back.")]})
        if due.tzinfo is not None:
            due = due.astimezone(UTC).replace(tzinfo=None)
        if due <= now:
            raise Invalid({"due_at": [_l("The due date must lie in the future.")]})
        response.status, response.due_at = "lent", due

    @staticmethod
    def return_(session, response, clean, side, now):
        response.status, response.returned_at, response.done_at, response.overdue = "done", now, now, False
        _release(session, response, now)  # the item is home: it may be lent again

    @staticmethod
    def done(session, response, clean, side, now):
        response.status, response.done_at = "done", now
        if response.post.kind == "give":
            response.post.status, response.post.updated_at = "closed", now

    @staticmethod
    def confirm(session, response, clean, side, now):
        flag = f"confirmed_by_{side}"
        if getattr(response, flag):
            raise NotAllowedNow(_("You have confirmed this exchange already."))
        setattr(response, flag, True)
        if response.confirmed_by_author and response.confirmed_by_responder:
            response.status = "confirmed"  # done -> confirmed: the one transition that signals
            _signal(session, response, now)

    @staticmethod
    def rate(session, response, clean, side, now):
        if clean.get("score") is None:
            raise Invalid({"score": [_l("Give a score from 1 to 5.")]})
        if getattr(response, f"{side}_score") is not None:
            raise NotAllowedNow(_("You have rated this exchange already."))
        comment = (clean.get("comment") or "").strip()
        moderation.check_words(session, {"comment": comment})
        setattr(response, f"{side}_score", clean["score"])
        setattr(response, f"{side}_comment", comment)


setattr(_Steps, "return", _Steps.return_)


def _release(session, response, now) -> None:
    """Give the post its place back (a cancelled promise, a lent item come home)."""
    post = response.post
    session.execute(update(Post).where(Post.id == post.id, Post.taken > 0).values(taken=Post.taken - 1)
                    .execution_options(synchronize_session=False))
    session.refresh(post, ["taken"])
    response.promise_key = None
    if post.status == "full" and post.taken < post.capacity:
        post.status, post.updated_at = "open", now


def _signal(session, response, now) -> None:
    """help_confirmed, for a help or skill exchange whose helper has an account. Sent only on a
    state transition (done -> confirmed, or done -> closed by the sweep), so once per exchange."""
    if response.post.kind in HELP_KINDS and response.helper_id is not None:
        help_confirmed.send(response, session=session, now=now)


def earned_help(session) -> list[PostResponse]:
    """The help and skill exchanges whose helper has earned the help points: confirmed by both, or
    closed by the sweep after the helped side confirmed (the moments `_signal` fires)."""
    found = session.scalars(select(PostResponse).where(PostResponse.status.in_(("confirmed", "closed")),
                                                       PostResponse.done_at.is_not(None))
                            .order_by(PostResponse.done_at, PostResponse.id)).all()
    return [r for r in found if r.post.kind in HELP_KINDS and r.helper_id is not None
            and getattr(r, f"confirmed_by_{r.helped_side}")]


def resend_help_confirmed(session) -> int:
    """help_confirmed again for every exchange that earned its helper points, at the moment it
    was confirmed: for a points bank set up after the exchanges (the demo city seeds sharing
    first, when no pool is funded yet). The receiver is idempotent (one award per exchange)."""
    earned = earned_help(session)
    for response in earned:
        _signal(session, response, response.closed_at or response.updated_at)
    return len(earned)


def visible_responses(session, user):
    return select(PostResponse).where(share_policy.response_filter(user))


def sweep(session, now=None) -> dict:
    """Remind before a loan is due, flag overdue loans, close exchanges done CLOSE_DAYS ago.
    Idempotent: each flag is set once; a closed exchange is not closed again. The caller commits."""
    now = now or utcnow()
    counts = {"reminded": 0, "overdue": 0, "closed": 0}
    soon = now + timedelta(hours=REMIND_HOURS)
    for response in session.scalars(select(PostResponse).where(
            PostResponse.status == "lent", PostResponse.reminded_at.is_(None), PostResponse.due_at <= soon)
            .order_by(PostResponse.id)).all():
        response.reminded_at, response.updated_at = now, now
        counts["reminded"] += 1
    for response in session.scalars(select(PostResponse).where(
            PostResponse.status == "lent", PostResponse.overdue.is_(False), PostResponse.due_at < now)
            .order_by(PostResponse.id)).all():
        response.overdue, response.updated_at = True, now
        counts["overdue"] += 1
    stale = select(PostResponse).where(PostResponse.status.in_(("done", "confirmed")),
                                       PostResponse.done_at < now - timedelta(days=CLOSE_DAYS))
    for response in session.scalars(stale.order_by(PostResponse.id)).all():
        was = response.status
        response.status, response.closed_at, response.updated_at = "closed", now, now
        helped = response.helped_side
        if was == "done" and getattr(response, f"confirmed_by_{helped}"):
            _signal(session, response, now)  # the helped side said so; the helper never confirmed
        counts["closed"] += 1
    session.flush()
    return counts


def overdue_count(session, user) -> int:
    query = select(func.count()).select_from(PostResponse).where(
        share_policy.response_filter(user), PostResponse.status == "lent", PostResponse.overdue.is_(True))
    return session.scalar(query) or 0


def side_label(side: str) -> str:
    return _("the author") if side == AUTHOR else _("the neighbour who answered")

