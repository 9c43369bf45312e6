"""Whose credentials an account may set: no account creates, or resets the
password of, an account that could do more than itself.

Setting a password (creating an account, resetting one) lets the one who set it
act as that account until it is changed, so it is allowed only "at or below
one's own rights":

- the new or reset account's role ranks strictly below the actor's
  (`ROLE_RANK`; an administrator may set any), and
- its rights over residents' data are a subset of the actor's: reading the
  registry (`READ`), keeping it and seeing sensitive fields in clear
  (`CHANGE`, `REVEAL`: the registry keepers, who also see a requester's phone),
  and retiring households and residents (`RETIRE`).

So a read-only street or district officer may not create or reset a community
staff member, a grid worker or a station operator (they may reveal); community
staff may create grid workers and station operators. The scope rule stays the
policy core's: a reset also needs `can(actor, MANAGE, account)`, and a new
account's places must lie in the actor's area."""

from backend.auth import policy
from backend.auth.policy import CHANGE, MANAGE, READ, RETIRE, REVEAL, ROLE_RANK, ROLES_CREATED_BY
from backend.registry.policy import REGISTRY_KEEPERS, REGISTRY_READERS, REGISTRY_RETIRERS


def rights_of(role: str) -> frozenset:
    """What an account of this role may do to residents' data anywhere in its area."""
    rights = set()
    if role in REGISTRY_READERS:
        rights.add(READ)
    if role in REGISTRY_KEEPERS:
        rights |= {CHANGE, REVEAL}
    if role in REGISTRY_RETIRERS:
        rights.add(RETIRE)
    return frozenset(rights)


def within_rights(actor_role: str, role: str) -> bool:
    """Is an account of `role` at or below the rights of one of `actor_role`?"""
    if actor_role == "admin":
        return True
    if actor_role not in ROLE_RANK or role not in ROLE_RANK:
        return False
    return ROLE_RANK[role] > ROLE_RANK[actor_role] and rights_of(role) <= rights_of(actor_role)


def creatable_roles(actor) -> set[str]:
    """The roles of the accounts this actor may create."""
    if actor is None or not policy.active(actor):
        return set()
    return {role for role in ROLES_CREATED_BY.get(actor.role, set()) if within_rights(actor.role, role)}


def may_reset(actor, user) -> bool:
    """May `actor` reset `user`'s password (to a temporary one)?"""
    return (actor.id != user.id and policy.can(actor, MANAGE, user)
            and within_rights(actor.role, user.role))
