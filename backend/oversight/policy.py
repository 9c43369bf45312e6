"""Who sees which audit entries and alerts: a manager (administrator, district
or street officer, community staff) sees the entries of the accounts they may
see in the accounts list, their own included — the accounts of their area
below their rank — and the alerts raised on those accounts; an administrator
sees every entry, those of the system (no actor) too. No one else sees any.
The query twin is `entry_filter` / `alert_filter`, built on the accounts
list's own filter, so the page and `can` never disagree."""

from sqlalchemy import false, select, true

from backend.accounts.scope import user_filter
from backend.audit.models import AuditEntry, RevealAlert
from backend.auth import policy
from backend.auth.models import User


def is_overseer(user) -> bool:
    return policy.active(user) and user.role in policy.ROLES_CREATED_BY


def _can_see_account_log(user, verb, account) -> bool:
    if verb != policy.READ or not is_overseer(user):
        return False
    if user.role == "admin":
        return True
    return account is not None and policy.can(user, policy.READ, account)


def can_audit_entry(user, verb, entry: AuditEntry) -> bool:
    return _can_see_account_log(user, verb, entry.actor)


def can_reveal_alert(user, verb, alert: RevealAlert) -> bool:
    return _can_see_account_log(user, verb, alert.user)


def _accounts(user):
    return select(User.id).where(user_filter(user))


def entry_filter(user):
    """Condition on AuditEntry: exactly the entries `can(user, READ, entry)` allows."""
    if not is_overseer(user):
        return false()
    if user.role == "admin":
        return true()
    return AuditEntry.actor_id.in_(_accounts(user))


def alert_filter(user):
    """Condition on RevealAlert: exactly the alerts `can(user, READ, alert)` allows."""
    if not is_overseer(user):
        return false()
    if user.role == "admin":
        return true()
    return RevealAlert.user_id.in_(_accounts(user))


RULES = {AuditEntry: can_audit_entry, RevealAlert: can_reveal_alert}
