"""Each community's earning rules and its pairings with rural communities (seed 001)."""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from backend.common import utcnow
from backend.errors import Invalid, Refused
from backend.org.models import Node
from backend.points import policy
from backend.points.models import EarningRule, Pairing

RULE_FIELDS = ("help_points", "help_daily_cap", "hours_rate", "checkin_points", "checkin_daily_cap")
LIMIT = 100_000  # no rule field goes past this


@dataclass(frozen=True)
class Rules:
    help_points: int = 10  # a confirmed help exchange
    help_daily_cap: int = 30  # points a person may earn by helping in one day
    hours_rate: int = 10  # points per volunteer hour
    checkin_points: int = 5  # an activity's check-in (the next issue)
    checkin_daily_cap: int = 20

    def rate(self, rule: str) -> int:
        return {"help": self.help_points, "hours": self.hours_rate, "checkin": self.checkin_points}[rule]

    def daily_cap(self, rule: str) -> int | None:
        """None: no cap (hours are recorded by staff)."""
        return {"help": self.help_daily_cap, "checkin": self.checkin_daily_cap}.get(rule)


DEFAULTS = Rules()


def rules_of(session, community_id: str) -> Rules:
    row = session.get(EarningRule, community_id)
    if row is None:
        return DEFAULTS
    return Rules(**{name: getattr(row, name) for name in RULE_FIELDS})


def set_rules(session, actor, community_id: str, values: dict) -> Rules:
    if not policy.manages(actor, community_id):
        raise Refused()
    errors = {}
    clean = {}
    for name in RULE_FIELDS:
        value = values.get(name, getattr(rules_of(session, community_id), name))
        if type(value) is not int or not 0 <= value <= LIMIT:
            errors[name] = [_l("A whole number from 0 to %(limit)s.", limit=LIMIT)]
        clean[name] = value
    if errors:
        raise Invalid(errors)
    row = session.get(EarningRule, community_id)
    if row is None:
        row = EarningRule(community_id=community_id, **clean)
        session.add(row)
    for name, value in clean.items():
        setattr(row, name, value)
    row.updated_at = utcnow()
    session.flush()
    return rules_of(session, community_id)


def partners(session, community_id: str) -> list[Node]:
    """The communities paired with this one (both ways)."""
    pairs = session.execute(select(Pairing.community_id, Pairing.partner_id).where(
        (Pairing.community_id == community_id) | (Pairing.partner_id == community_id))).all()
    ids = {b if a == community_id else a for a, b in pairs}
    return list(session.scalars(select(Node).where(Node.id.in_(ids)).order_by(Node.name))) if ids else []


def is_paired(session, community_id: str, other_id: str) -> bool:
    return any(node.id == other_id for node in partners(session, community_id))


def pair(session, actor, community_id: str, partner_id: str) -> Pairing:
    if not policy.manages(actor, community_id):
        raise Refused()
    partner = session.get(Node, partner_id) if isinstance(partner_id, str) else None
    if partner is None or partner.kind != "community" or partner.retired_at is not None or partner_id == community_id:
        raise Invalid({"partner_id": [_l("Choose another community.")]})
    if is_paired(session, community_id, partner_id):
        raise Invalid({"partner_id": [_l("These communities are paired already.")]})
    pairing = Pairing(community_id=community_id, partner_id=partner_id, created_at=utcnow())
    session.add(pairing)
    session.flush()
    return pairing
