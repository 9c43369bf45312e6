"""The points bank on devices (docs/SYNC.md, "Points"): the owner's ledger entries (read-only),
the community's rewards (read-only), redemptions (stateful: create = reserve; actions cancel and
fulfil) and donations (created once). Redemptions and donations are decided by the server inside the
push's transaction (backend/points): past the balance or the stock the mutation is `rejected`, 409,
with the reason.

Entries and donations are a person's own: they are served through the `user` partition kind only
(issue 13's contract, docs/SYNC.md "Partition kinds"); residents receive their community's active
rewards through `public`."""

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from backend.auth import policy
from backend.common import is_uuid
from backend.org.models import Node
from backend.points import donations, ledger, rewards
from backend.points.models import Donation, PointsEntry, Redemption, Reward
from sync.apply import Applier, ReadOnlyApplier, Rejected, gone
from sync.changefeed import reserve
from sync.collections import APPEND_ONLY, READ_ONLY, STATEFUL, Collection
from sync.wire import NULLABLE, STRING, TIME


def _lock_spaces(session, spaces) -> None:
    for space in spaces:
        reserve(session, space, 0)


if _lock_spaces not in ledger.SPACE_LOCKS:
    ledger.SPACE_LOCKS[:] = [_lock_spaces]


@dataclass
class CommunityWide(Collection):
    """A community's records with no grid: a grid worker's partition receives all of them."""

    def partition_condition(self, kind, space, key):
        if kind == "grid":
            return self.table.c[self.space_attr] == space
        return super().partition_condition(kind, space, key)


POINTS_ENTRIES = Collection(
    name="points_entries", model=PointsEntry, kind=READ_ONLY,
    wire={name: name for name in ("id", "account_id", "amount", "kind", "reference", "created_at",
                                  "transaction_id", "memo", "owner_id", "seq", "hash")},
    tracked_attrs=("community_id", "owner_id"),
    partition_kinds=("user",), partition_attrs=("community_id",), household_attr=None,
    user_attrs=("owner_id",),
    description="The owner's points ledger: one posting each (signed amount), written by the server. "
                "Served to the owner only (partition kind 'user').",
)

REWARDS = CommunityWide(
    name="rewards", model=Reward, kind=READ_ONLY,
    wire={name: name for name in ("id", "community_id", "title", "description", "points", "stock_available",
                                  "active", "updated_at")},
    tracked_attrs=("community_id", "title", "description", "points", "stock_available", "active", "updated_at"),
    partition_kinds=("all", "grid", "public"), household_attr=None,
    # `active` decides the public partition: a reward taken off the catalogue leaves residents' devices
    partition_attrs=("community_id", "active"), public_only=lambda table: table.c.active.is_(True),
    description="A community's rewards catalogue with the stock still available. Read-only on devices; "
                "residents receive the active ones.",
)

REDEMPTIONS = Collection(
    name="redemptions", model=Redemption, kind=STATEFUL,
    wire={name: name for name in ("id", "reward_id", "community_id", "user_id", "points", "status", "reason",
                                  "created_at", "closed_at")},
    tracked_attrs=("community_id", "user_id", "status", "closed_at", "reason"),
    partition_kinds=("all", "user"), partition_attrs=("community_id",), household_attr=None,
    user_attrs=("user_id",),
    description="Redemptions of rewards. Stateful: a create reserves (points and one item held; rejected, 409, "
                "past the balance or the stock), then op 'action': cancel (the resident or staff, optional "
                "reason) or fulfil (staff).",
)

DONATIONS = Collection(
    name="donations", model=Donation, kind=APPEND_ONLY,
    wire={name: name for name in ("id", "from_user_id", "to_kind", "to_id", "to_user_id", "amount", "message",
                                  "created_at")},
    tracked_attrs=("community_id", "from_user_id", "to_user_id"),
    partition_kinds=("user",), partition_attrs=("community_id",), household_attr=None,
    user_attrs=("from_user_id", "to_user_id"),
    description="Points a resident gives to another resident, the community's pool or a paired community's "
                "pool. Created once; rejected (409) past the balance.",
)


class RedemptionApplier(Applier):
    collection = REDEMPTIONS
    create_fields = frozenset({"reward_id"})
    actions = {"cancel": ("reason",), "fulfil": ()}

    def refusal(self, op):
        return _("Redemptions change only through actions (op 'action'): cancel, fulfil.")

    def on_create(self, session, user, mutation, appends, context):
        record = rewards.reserve(session, user, mutation.data.get("reward_id"), redemption_id=mutation.record_id)
        return {"status": "applied", "version": record.version}

    def on_action(self, session, user, mutation, appends, context):
        record = session.get(Redemption, mutation.record_id)
        if record is None or not policy.can(user, policy.READ, record):
            raise gone()
        if mutation.action == "fulfil":
            rewards.fulfil(session, user, record)
        elif mutation.action == "cancel":
            rewards.cancel(session, user, record, mutation.data.get("reason") or "")
        else:
            raise Rejected(422, "Unknown action", _("Redemptions accept the actions: cancel, fulfil."))
        session.flush()
        return {"status": "applied", "version": record.version}


class DonationApplier(Applier):
    """Created once, like an append, but it moves points: applied in a savepoint, one by one."""

    collection = DONATIONS
    create_fields = frozenset({"to_kind", "to_id", "amount", "message"})

    def refusal(self, op):
        return _("Donations are never changed; a correction is made by staff.")

    def spaces(self, session, user, mutations) -> set:
        """The paired communities the batch donates to: their pools are credited in their spaces."""
        wanted = {m.data.get("to_id") for m in mutations
                  if m.op == "create" and isinstance(m.data, dict) and m.data.get("to_kind") == "paired_community"}
        wanted = {value for value in wanted if isinstance(value, str) and is_uuid(value)}
        if not wanted:
            return set()
        return set(session.scalars(select(Node.id).where(Node.id.in_(wanted), Node.kind == "community")))

    def on_create(self, session, user, mutation, appends, context):
        record = donations.donate(session, user, dict(mutation.data), donation_id=mutation.record_id)
        return {"status": "applied", "version": record.version}


APPLIERS = {
    "points_entries": ReadOnlyApplier(POINTS_ENTRIES, lambda: _("Points entries are written by the server.")),
    "rewards": ReadOnlyApplier(REWARDS, lambda: _("Rewards are kept by staff.")),
    "redemptions": RedemptionApplier(),
    "donations": DonationApplier(),
}
COLLECTIONS = (POINTS_ENTRIES, REWARDS, REDEMPTIONS, DONATIONS)
INTEGER = {"type": "integer"}
RECORDS = {
    "points_entries": {"id": STRING, "account_id": STRING, "amount": INTEGER,
                       "kind": STRING, "reference": NULLABLE, "created_at": TIME, "transaction_id": STRING,
                       "memo": STRING, "owner_id": NULLABLE, "seq": INTEGER, "hash": STRING},
    "rewards": {"id": STRING, "community_id": STRING, "title": STRING, "description": STRING, "points": INTEGER,
                "stock_available": INTEGER, "active": {"type": "boolean"}, "updated_at": TIME},
    "redemptions": {"id": STRING, "reward_id": STRING, "community_id": STRING, "user_id": STRING,
                    "points": INTEGER, "status": {"type": "string", "enum": ["reserved", "fulfilled", "cancelled"]},
                    "reason": STRING, "created_at": TIME, "closed_at": TIME},
    "donations": {"id": STRING, "from_user_id": STRING,
                  "to_kind": {"type": "string", "enum": ["resident", "community_pool", "paired_community"]},
                  "to_id": STRING, "to_user_id": NULLABLE, "amount": INTEGER, "message": STRING,
                  "created_at": TIME},
}
