"""Ratings: the one way to rate something. For a request, rating is the last step of
its state machine (resolved -> closed), so a rating of a request that is no longer
resolved (reopened meanwhile) is refused with the reason.

Ratings know nothing of what they rate: each area whose records can be rated registers
its target type here (`register_target`), with the step its own rules take when one of
its records is rated. So requests import ratings, never the other way round."""

from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from backend.auth import policy
from backend.common import is_uuid, new_id, utcnow
from backend.errors import Conflict, Invalid
from backend.ratings.models import TARGET_TYPES, Rating


@dataclass(frozen=True)
class RatingTarget:
    model: type
    # (session, actor, target, score, comment, rating_id, now): the target's own step, which may refuse
    on_rated: Callable


TARGETS: dict[str, RatingTarget] = {}


def register_target(target_type: str, model: type, on_rated: Callable) -> None:
    """Make records of `model` ratable as `target_type` (one of TARGET_TYPES)."""
    assert target_type in TARGET_TYPES, target_type
    TARGETS[target_type] = RatingTarget(model, on_rated)


def rate(session, actor, target_type: str, target_id: str, score, comment=None, rating_id: str | None = None,
         now=None) -> Rating:
    """Record `actor`'s rating of a target; flushes, the caller commits. Invalid (422)
    for a bad score or target, Refused (403) for someone who may not rate it,
    Conflict (409) for a second rating or a state that refuses it."""
    now = now or utcnow()
    if target_type not in TARGET_TYPES:
        raise Invalid({"target_type": [_l("Only requests can be rated.")]})
    kind = TARGETS[target_type]  # a KeyError here: the area forgot to register its target
    if type(score) is not int or not 1 <= score <= 5:
        raise Invalid({"score": [_l("A score from 1 to 5.")]})
    if comment is not None and not isinstance(comment, str):
        raise Invalid({"comment": [_l("Not a text.")]})
    comment = (comment or "").strip()
    if len(comment) > 1000:
        raise Invalid({"comment": [_l("At most 1000 characters.")]})
    rating_id = str(rating_id) if rating_id else new_id()
    if not is_uuid(rating_id):
        raise Invalid({"id": [_l("A UUID is required.")]})
    if session.get(Rating, rating_id) is not None:
        raise Conflict(_("A rating with this id exists already."), {"id": [_("Already used.")]})
    target = session.get(kind.model, target_id) if isinstance(target_id, str) else None
    if target is None or not policy.can(actor, policy.READ, target):
        raise Invalid({"target_id": [_l("No such request in your reach.")]})
    if session.scalar(select(Rating.id).where(Rating.target_type == target_type, Rating.target_id == target.id,
                                              Rating.rater_id == actor.id)) is not None:
        raise Conflict(_("You have rated this already."), {"target_id": [_("Rated already.")]})
    kind.on_rated(session, actor, target, score, comment, rating_id, now)
    rating = Rating(id=rating_id, target_type=target_type, target_id=target.id, community_id=target.community_id,
                    grid_id=target.grid_id, household_id=target.household_id, rater_id=actor.id, score=score,
                    comment=comment, created_at=now)
    session.add(rating)
    session.flush()
    return rating


def ratings_of(session, target_type: str, target_id: str) -> list[Rating]:
    return list(session.scalars(select(Rating).where(Rating.target_type == target_type,
                                                     Rating.target_id == target_id).order_by(Rating.created_at)))
