"""Staff's side of the ledger: funding a pool (grants), reversing a transaction, and reading the
ledger (balances, histories, a community's flows and top helpers)."""

from datetime import timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from backend.auth.models import User
from backend.common import utcnow
from backend.errors import Conflict, Gone, Invalid, Refused
from backend.points import ledger, policy
from backend.points.models import PointsAccount, PointsEntry, PointsTransaction

MAX_GRANT = 10_000_000
# What a reversal may undo: redemptions move only by cancel and fulfil.
REVERSIBLE = ("grant", "help", "hours", "checkin", "donation")


def grant(session, actor, community_id, amount, memo: str = "", now=None) -> PointsTransaction:
    """Fund a community's pool from its issuance account (the points' origin: sum zero holds)."""
    if not isinstance(community_id, str) or not policy.manages(actor, community_id):
        raise Invalid({"community_id": [_l("Choose a community you manage.")]})
    if type(amount) is not int or not 1 <= amount <= MAX_GRANT:
        raise Invalid({"amount": [_l("A whole number of points from 1 to %(limit)s.", limit=MAX_GRANT)]})
    if not isinstance(memo, str) or len(memo) > 200:
        raise Invalid({"memo": [_l("At most 200 characters.")]})
    issuance, pool = ledger.accounts(session, community_id, ("issuance", None), ("pool", None))
    return ledger.post(session, community_id=community_id, kind="grant", memo=memo, actor_id=actor.id, now=now,
                       postings=[(issuance, -amount), (pool, amount)])


def reverse(session, actor, transaction: PointsTransaction, reason, now=None) -> PointsTransaction:
    """A correction: a new transaction with every posting negated. Refused when it would overdraw
    (the points were spent meanwhile) or when it was reversed already."""
    if not policy.manages(actor, transaction.community_id):
        raise Refused()
    if not isinstance(reason, str) or not reason.strip() or len(reason) > 500:
        raise Invalid({"reason": [_l("Say why (at most 500 characters).")]})
    if transaction.kind not in REVERSIBLE or transaction.reverses_id is not None:
        raise Conflict(_("This transaction cannot be reversed."))
    if session.scalar(select(PointsTransaction.id).where(PointsTransaction.reverses_id == transaction.id)):
        raise Conflict(_("This transaction was reversed already."))
    postings = [(session.get(PointsAccount, e.account_id), -e.amount) for e in transaction.entries]
    if not postings:
        raise Conflict(_("This transaction moved no points."))
    return ledger.post(session, community_id=transaction.community_id, kind="reversal",
                       reference=f"reversal:{transaction.id}", memo=reason.strip(), actor_id=actor.id,
                       reverses_id=transaction.id, now=now, postings=postings,
                       refusal=_("The points were spent meanwhile: reversing would overdraw an account."))


def my_account(session, user) -> PointsAccount | None:
    community_id = policy.home_community(user)
    if community_id is None:
        return None
    return session.scalar(select(PointsAccount).where(
        PointsAccount.code == ledger.account_code("resident", community_id, user.id)))


def balance_of(session, user) -> int:
    account = my_account(session, user)
    return account.balance if account is not None else 0


def history(session, user, limit: int = 50, offset: int = 0) -> list[PointsEntry]:
    """A person's own entries, newest first."""
    return list(session.scalars(select(PointsEntry).where(PointsEntry.owner_id == user.id)
                                .order_by(PointsEntry.created_at.desc(), PointsEntry.seq.desc())
                                .offset(offset).limit(limit)))


def pool_balance(session, community_id: str) -> int:
    code = ledger.account_code("pool", community_id)
    return session.scalar(select(PointsAccount.balance).where(PointsAccount.code == code)) or 0


def flows(session, community_id: str, days: int = 30, now=None) -> dict:
    """Points moved in the community in the last `days`, by transaction kind (credits to residents
    and pools), plus the pool's balance."""
    since = (now or utcnow()) - timedelta(days=days)
    rows = session.execute(select(PointsTransaction.kind, func.coalesce(func.sum(PointsEntry.amount), 0),
                                  func.count(func.distinct(PointsTransaction.id)))
                           .join(PointsEntry, PointsEntry.transaction_id == PointsTransaction.id)
                           .where(PointsTransaction.community_id == community_id,
                                  PointsTransaction.created_at >= since, PointsEntry.amount > 0)
                           .group_by(PointsTransaction.kind)).all()
    return {"pool": pool_balance(session, community_id), "days": days,
            "by_kind": {kind: {"points": int(points), "transactions": count} for kind, points, count in rows}}


def top_helpers(session, community_id: str, days: int = 365, limit: int = 10, now=None) -> list[dict]:
    """Residents who earned the most (help, hours, check-ins) in the last `days`."""
    since = (now or utcnow()) - timedelta(days=days)
    earned = func.sum(PointsEntry.amount)
    rows = session.execute(select(PointsEntry.owner_id, User.display_name, earned)
                           .join(User, User.id == PointsEntry.owner_id)
                           .where(PointsEntry.community_id == community_id, PointsEntry.amount > 0,
                                  PointsEntry.kind.in_(("help", "hours", "checkin")),
                                  PointsEntry.created_at >= since)
                           .group_by(PointsEntry.owner_id, User.display_name)
                           .order_by(earned.desc(), User.display_name).limit(limit)).all()
    return [{"user_id": uid, "name": name, "points": int(points)} for uid, name, points in rows]


def transactions(session, community_id: str, limit: int = 50, offset: int = 0, kind: str | None = None):
    query = select(PointsTransaction).where(PointsTransaction.community_id == community_id)
    if kind:
        query = query.where(PointsTransaction.kind == kind)
    return list(session.scalars(query.order_by(PointsTransaction.created_at.desc(), PointsTransaction.id)
                                .offset(offset).limit(limit)))


def transaction(session, actor, transaction_id) -> PointsTransaction:
    found = session.get(PointsTransaction, transaction_id) if isinstance(transaction_id, str) else None
    if found is None or not policy.manages(actor, found.community_id):
        raise Gone()
    return found
