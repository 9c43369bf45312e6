"""The rewards catalogue and redemptions: reserve (points to escrow, one item of stock held), then
fulfil (staff hand the reward over: escrow to spent) or cancel (points and stock back).

Stock is never oversold: a reservation decrements `stock_available` with a conditional update
(`… WHERE stock_available >= 1`) inside the write transaction, before the points move; a
redemption's status moves with `… WHERE status = 'reserved'`, so two concurrent cancels (or a cancel
and a fulfil) cannot both pass. The loser is refused (409) with the reason."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from backend.auth.policy import CHANGE, READ, can
from backend.common import new_id, utcnow
from backend.errors import Conflict, Gone, Invalid, NotAllowedNow, Refused
from backend.points import ledger, policy
from backend.points.models import Redemption, Reward

REWARDS = Reward.__table__
REDEMPTIONS = Redemption.__table__
MAX_POINTS = 1_000_000
MAX_STOCK = 100_000


class OutOfStock(Conflict):
    title = "Rejected"


def _whole(value, low, high) -> bool:
    return type(value) is int and low <= value <= high


# field -> (is it valid, its message, the value kept)
_REWARD_FIELDS = {
    "title": (lambda v: isinstance(v, str) and bool(v.strip()) and len(v) <= 120,
              lambda: _l("A title of 1 to 120 characters."), lambda v: v.strip()),
    "description": (lambda v: isinstance(v, str) and len(v) <= 2000, lambda: _l("At most 2000 characters."),
                    lambda v: v),
    "points": (lambda v: _whole(v, 1, MAX_POINTS),
               lambda: _l("A whole number of points from 1 to %(limit)s.", limit=MAX_POINTS), lambda v: v),
    "stock": (lambda v: _whole(v, 0, MAX_STOCK), lambda: _l("A whole number from 0 to %(limit)s.", limit=MAX_STOCK),
              lambda v: v),
    "active": (lambda v: type(v) is bool, lambda: _l("True or false."), lambda v: v),
}
_REQUIRED = ("title", "points", "stock")


def _check_reward(data: dict, partial: bool) -> dict:
    errors, clean = {}, {}
    for name in set(data) - set(_REWARD_FIELDS) - {"community_id"}:
        errors[name] = [_l("Unknown field.")]
    for name, (valid, message, kept) in _REWARD_FIELDS.items():
        if name not in data and (partial or name not in _REQUIRED):
            continue
        value = data.get(name)
        if valid(value):
            clean[name] = kept(value)
        else:
            errors[name] = [message()]
    if errors:
        raise Invalid(errors)
    return clean


def create_reward(session, actor, community_id, data: dict, now=None) -> Reward:
    if not isinstance(community_id, str) or not policy.manages(actor, community_id):
        raise Invalid({"community_id": [_l("Choose a community you manage.")]})
    clean = _check_reward(data, partial=False)
    now = now or utcnow()
    reward = Reward(id=new_id(), community_id=community_id, title=clean["title"],
                    description=clean.get("description", ""), points=clean["points"], stock_total=clean["stock"],
                    stock_available=clean["stock"], active=clean.get("active", True), created_at=now, updated_at=now)
    session.add(reward)
    session.flush()
    return reward


def update_reward(session, actor, reward: Reward, data: dict, now=None) -> Reward:
    """Title, description, points, active; `stock` sets how many are still to give (the total
    follows), under the row's lock so a concurrent reservation is never lost."""
    if not can(actor, CHANGE, reward):
        raise Refused()
    clean = _check_reward(data, partial=True)
    if "stock" in clean:
        stock = clean.pop("stock")
        row = session.execute(update(REWARDS).where(REWARDS.c.id == reward.id).values(
            stock_total=REWARDS.c.stock_total - REWARDS.c.stock_available + stock,
            stock_available=stock).returning(REWARDS.c.stock_total)).first()
        if row is None:
            raise Gone()
        session.refresh(reward, ["stock_total", "stock_available"])
    for name, value in clean.items():
        setattr(reward, name, value)
    reward.updated_at = now or utcnow()
    session.flush()
    return reward


def catalogue(session, user, community_id: str | None = None, include_inactive=False) -> list[Reward]:
    query = select(Reward).order_by(Reward.points, Reward.title)
    if community_id is not None:
        query = query.where(Reward.community_id == community_id)
    if not include_inactive:
        query = query.where(Reward.active.is_(True))
    return [r for r in session.scalars(query) if can(user, READ, r)]


def reserve(session, user, reward_id, redemption_id: str | None = None, now=None) -> Redemption:
    """A resident reserves one of a reward: an item of stock and its points are held."""
    now = now or utcnow()
    reward = session.get(Reward, reward_id) if isinstance(reward_id, str) else None
    if reward is None or not can(user, READ, reward):
        raise Invalid({"reward_id": [_l("No such reward in your community.")]})
    if user.role not in policy.MEMBERS:
        raise Refused()
    if not reward.active:
        raise Conflict(_("This reward is no longer offered."))
    redemption_id = redemption_id or new_id()
    if session.get(Redemption, redemption_id) is not None:
        raise Conflict(_("A redemption with this id exists already."))
    # The stock first, then the points; both conditional, inside this transaction (a savepoint:
    # a refusal leaves the stock as it was).
    ledger.lock_spaces(session, [reward.community_id])
    with session.begin_nested():
        taken = session.execute(update(REWARDS).where(REWARDS.c.id == reward.id, REWARDS.c.active.is_(True),
                                                      REWARDS.c.stock_available >= 1)
                                .values(stock_available=REWARDS.c.stock_available - 1)
                                .returning(REWARDS.c.stock_available)).first()
        if taken is None:
            raise OutOfStock(_("Out of stock: nothing of this reward is left to reserve."))
        resident, escrow = ledger.accounts(session, reward.community_id, ("resident", user.id), ("escrow", None))
        ledger.post(session, community_id=reward.community_id, kind="redeem",
                    reference=f"redemption:{redemption_id}:reserve", memo=reward.title, actor_id=user.id,
                    now=now, postings=[(resident, -reward.points), (escrow, reward.points)],
                    refusal=_("Not enough points: this reward needs %(points)s.", points=reward.points),
                    locked=True)
    session.refresh(reward, ["stock_available"])
    reward.updated_at = now  # the change feed stamps the new stock for devices
    redemption = Redemption(id=redemption_id, reward_id=reward.id, community_id=reward.community_id,
                            user_id=user.id, points=reward.points, status="reserved", created_at=now)
    session.add(redemption)
    session.flush()
    return redemption


def _close(session, redemption: Redemption, status: str) -> None:
    moved = session.execute(update(REDEMPTIONS).where(REDEMPTIONS.c.id == redemption.id,
                                                      REDEMPTIONS.c.status == "reserved")
                            .values(status=status)).rowcount
    session.refresh(redemption, ["status"])
    if moved != 1:
        raise NotAllowedNow(_("This redemption is no longer reserved: it was handed over or cancelled."))


def fulfil(session, actor, redemption: Redemption, now=None) -> Redemption:
    """Staff hand the reward over: the held points are spent."""
    if not policy.manages(actor, redemption.community_id):
        raise Refused()
    now = now or utcnow()
    ledger.lock_spaces(session, [redemption.community_id])
    _close(session, redemption, "fulfilled")
    escrow, spent = ledger.accounts(session, redemption.community_id, ("escrow", None), ("spent", None))
    ledger.post(session, community_id=redemption.community_id, kind="fulfil",
                reference=f"redemption:{redemption.id}:close", actor_id=actor.id, now=now,
                postings=[(escrow, -redemption.points), (spent, redemption.points)], locked=True)
    redemption.closed_at, redemption.closed_by_id = now, actor.id
    session.flush()
    return redemption


def cancel(session, actor, redemption: Redemption, reason: str = "", now=None) -> Redemption:
    """The resident who reserved it, or staff: the points and the item go back."""
    if not can(actor, CHANGE, redemption):
        raise Refused()
    if reason is not None and (not isinstance(reason, str) or len(reason) > 500):
        raise Invalid({"reason": [_l("At most 500 characters.")]})
    now = now or utcnow()
    ledger.lock_spaces(session, [redemption.community_id])
    _close(session, redemption, "cancelled")
    # Locks in the order every writer takes them: the redemption, the reward, then the accounts.
    session.execute(update(REWARDS).where(REWARDS.c.id == redemption.reward_id)
                    .values(stock_available=REWARDS.c.stock_available + 1))
    escrow, resident = ledger.accounts(session, redemption.community_id, ("escrow", None),
                                       ("resident", redemption.user_id))
    ledger.post(session, community_id=redemption.community_id, kind="cancel",
                reference=f"redemption:{redemption.id}:close", actor_id=actor.id, now=now,
                postings=[(escrow, -redemption.points), (resident, redemption.points)], locked=True)
    reward = session.get(Reward, redemption.reward_id)
    session.refresh(reward, ["stock_available"])
    reward.updated_at = now
    redemption.closed_at, redemption.closed_by_id, redemption.reason = now, actor.id, (reason or "").strip()
    session.flush()
    return redemption
