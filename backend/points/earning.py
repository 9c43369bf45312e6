"""How points are earned: the API other areas call (`award`), staff's volunteer hours, and the
receiver of sharing's `help_confirmed` signal (connected at import).

Points come from the community's pool. A daily cap (help, check-ins) is decided with the
resident's account row locked: an award past the cap is reduced to what is left of it, and one
with nothing left records an empty transaction (memo "capped"), so the reference is still taken
and a retry returns it. An award the pool cannot pay is refused (409, "The community's pool is
empty"); the help receiver then records nothing and logs it (staff fund the pool, see grants)."""

import logging
from datetime import UTC, datetime, time, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from backend import clock
from backend.common import new_id, utcnow
from backend.errors import DomainError, Invalid, Refused
from backend.extensions import db
from backend.points import ledger, policy
from backend.points.models import EARNING_RULES, PointsEntry, VolunteerHours
from backend.points.rules import rules_of
from backend.sharing.signals import help_confirmed

log = logging.getLogger(__name__)
MAX_HOURS = 24


def _day_bounds(now: datetime) -> tuple[datetime, datetime]:
    """The Shanghai day holding `now`, in naive UTC."""
    local = now.replace(tzinfo=UTC).astimezone(clock.SHANGHAI)
    start = datetime.combine(local.date(), time(), tzinfo=clock.SHANGHAI).astimezone(UTC).replace(tzinfo=None)
    return start, start + timedelta(days=1)


def earned_today(session, account_id: str, rule: str, now: datetime) -> int:
    start, end = _day_bounds(now)
    return session.scalar(select(func.coalesce(func.sum(PointsEntry.amount), 0)).where(
        PointsEntry.account_id == account_id, PointsEntry.kind == rule, PointsEntry.amount > 0,
        PointsEntry.created_at >= start, PointsEntry.created_at < end)) or 0


def award(session, *, community_id: str, user_id: str, rule: str, reference: str, quantity=1, now=None,
          actor_id: str | None = None, memo: str = ""):
    """Pay `quantity` × the community's rate for `rule` from its pool to the user; idempotent on
    `reference` (the transaction recorded for it is returned)."""
    if rule not in EARNING_RULES:
        raise ValueError(rule)
    found = ledger.existing(session, reference)
    if found is not None:
        return found
    now = now or utcnow()
    rules = rules_of(session, community_id)
    points = round(float(quantity) * rules.rate(rule))
    # The community's space first (every ledger writer takes the spaces of all the accounts it
    # touches before them): no other award to this resident's account, whose entries the cap
    # counts, can slip in until this transaction ends.
    ledger.lock_spaces(session, [community_id])
    resident, pool = ledger.accounts(session, community_id, ("resident", user_id), ("pool", None))
    cap = rules.daily_cap(rule)
    if cap is not None:
        points = max(0, min(points, cap - earned_today(session, resident.id, rule, now)))
        if points == 0:
            memo = "capped"
    return ledger.post(session, community_id=community_id, kind=rule, reference=reference, memo=memo,
                       actor_id=actor_id, now=now, postings=[(pool, -points), (resident, points)],
                       refusal=_("The community's pool is empty: staff must fund it first."),
                       checked=True, locked=True)


@help_confirmed.connect
def on_help_confirmed(response, session=None, now=None, **_extra):
    """A help or skill exchange confirmed by both sides: its helper earns the help points."""
    session = session or db.session
    helper_id = getattr(response, "helper_id", None)
    if helper_id is None:
        return None
    try:
        with session.begin_nested():
            return award(session, community_id=response.community_id, user_id=helper_id, rule="help",
                         reference=f"exchange:{response.id}", now=now)
    except DomainError as exc:  # an empty pool must not undo the exchange's confirmation
        log.warning("help points for exchange %s not awarded: %s", response.id, exc.detail)
        return None


def record_hours(session, actor, *, user_id: str, hours, activity: str, worked_on, now=None) -> VolunteerHours:
    """Staff (or a grid worker of the community) record a resident's volunteer hours; the resident
    earns hours × the community's rate."""
    from backend.auth.models import User

    errors = {}
    person = session.get(User, user_id) if isinstance(user_id, str) else None
    community_id = policy.home_community(person) if person is not None else None
    if person is None or person.role not in policy.MEMBERS or community_id is None:
        errors["user_id"] = [_l("Choose a resident of your community.")]
    if isinstance(hours, bool) or not isinstance(hours, int | float) or not 0 < hours <= MAX_HOURS:
        errors["hours"] = [_l("Hours: more than 0, at most 24.")]
    if not isinstance(activity, str) or not activity.strip() or len(activity) > 200:
        errors["activity"] = [_l("Say what the volunteering was (at most 200 characters).")]
    if errors:
        raise Invalid(errors)
    if not policy.records_hours(actor, community_id):
        raise Refused()
    now = now or utcnow()
    record = VolunteerHours(id=new_id(), community_id=community_id, user_id=person.id, hours=float(hours),
                            activity=activity.strip(), worked_on=worked_on or clock.today(),
                            recorded_by_id=actor.id, created_at=now)
    session.add(record)
    session.flush([record])
    transaction = award(session, community_id=community_id, user_id=person.id, rule="hours",
                        reference=f"hours:{record.id}", quantity=hours, now=now, actor_id=actor.id,
                        memo=record.activity)
    record.transaction_id = transaction.id
    session.flush()
    return record
