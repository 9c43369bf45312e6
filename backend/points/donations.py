"""Donations: a resident gives points to another resident of the community, to the community's
pool, or to the pool of a paired rural community (seed 001). One transaction each; refused past the
donor's balance (inside the write transaction, like every debit)."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from backend.auth.models import User
from backend.common import new_id, utcnow
from backend.errors import Conflict, Invalid, Refused
from backend.org.models import Node
from backend.points import ledger, policy
from backend.points.models import DONATION_TARGETS, Donation
from backend.points.rules import is_paired

MAX_DONATION = 100_000


def donate(session, user, data: dict, donation_id: str | None = None, now=None) -> Donation:
    if user.role not in policy.MEMBERS:
        raise Refused()
    community_id = policy.home_community(user)
    if community_id is None:
        raise Refused()
    errors = {}
    to_kind, to_id, amount = data.get("to_kind"), data.get("to_id"), data.get("amount")
    message = data.get("message", "")
    unknown = set(data) - {"to_kind", "to_id", "amount", "message"}
    for name in unknown:
        errors[name] = [_l("Unknown field.")]
    if to_kind not in DONATION_TARGETS:
        errors["to_kind"] = [_l("One of: resident, community_pool, paired_community.")]
    if type(amount) is not int or not 1 <= amount <= MAX_DONATION:
        errors["amount"] = [_l("A whole number of points from 1 to %(limit)s.", limit=MAX_DONATION)]
    if not isinstance(message, str) or len(message) > 200:
        errors["message"] = [_l("At most 200 characters.")]
    target, to_user, to_id = _target(session, user, community_id, to_kind, to_id, errors)
    if errors:
        raise Invalid(errors)
    donation_id = donation_id or new_id()
    if session.get(Donation, donation_id) is not None:
        raise Conflict(_("A donation with this id exists already."))
    now = now or utcnow()
    donor = ledger.account(session, "resident", community_id, user.id)
    transaction = ledger.post(session, community_id=community_id, kind="donation",
                              reference=f"donation:{donation_id}", memo=message, actor_id=user.id, now=now,
                              postings=[(donor, -amount), (target, amount)])
    donation = Donation(id=donation_id, community_id=community_id, from_user_id=user.id, to_kind=to_kind,
                        to_id=to_id, to_user_id=to_user.id if to_user else None, amount=amount,
                        message=message, transaction_id=transaction.id, created_at=now)
    session.add(donation)
    session.flush()
    return donation


def _target(session, user, community_id, to_kind, to_id, errors) -> tuple:
    """The account a donation credits, the user it goes to (a resident) and the id it names."""
    if to_kind == "resident":
        to_user = session.get(User, to_id) if isinstance(to_id, str) else None
        if to_user is None or to_user.id == user.id or to_user.role not in policy.MEMBERS \
                or policy.home_community(to_user) != community_id or not to_user.is_active:
            errors["to_id"] = [_l("Choose another resident of your community.")]
            return None, None, to_id
        return ledger.account(session, "resident", community_id, to_user.id), to_user, to_id
    if to_kind == "community_pool":
        if to_id not in (None, community_id):
            errors["to_id"] = [_l("Your own community's pool only.")]
            return None, None, to_id
        return ledger.account(session, "pool", community_id), None, community_id
    if to_kind == "paired_community":
        node = session.get(Node, to_id) if isinstance(to_id, str) else None
        if node is None or not is_paired(session, community_id, node.id):
            errors["to_id"] = [_l("Choose a community paired with yours.")]
            return None, None, to_id
        return ledger.account(session, "pool", node.id), None, to_id
    return None, None, to_id
