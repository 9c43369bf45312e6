"""`flask points verify`'s checks: every account's hash chain (seq 1…n without gaps, each entry's
`prev_hash` the previous entry's hash, each hash recomputed from the entry), every cached balance
equal to the sum of its postings and not below zero (issuance accounts aside), the cached entry
count and chain head equal to the chain's, every transaction summing to zero, and every reward's
stock within bounds and equal to its total less the live redemptions. Returns the problems found."""

from collections import defaultdict

from sqlalchemy import func, select

from backend.points.ledger import entry_hash
from backend.points.models import GENESIS, PointsAccount, PointsEntry, PointsTransaction, Redemption, Reward

BATCH = 20_000


def problems(session) -> list[str]:
    found: list[str] = []
    accounts = {a.id: a for a in session.execute(select(
        PointsAccount.id, PointsAccount.code, PointsAccount.kind, PointsAccount.balance, PointsAccount.entry_count,
        PointsAccount.head_hash)).all()}
    chains = {}  # account id -> [sum, last seq, last hash]
    columns = (PointsEntry.id, PointsEntry.transaction_id, PointsEntry.account_id, PointsEntry.seq,
               PointsEntry.amount, PointsEntry.kind, PointsEntry.reference, PointsEntry.created_at,
               PointsEntry.prev_hash, PointsEntry.hash)
    query = select(*columns).order_by(PointsEntry.account_id, PointsEntry.seq)
    for row in session.execute(query).yield_per(BATCH):
        state = chains.setdefault(row.account_id, [0, 0, GENESIS])
        code = accounts[row.account_id].code if row.account_id in accounts else row.account_id
        if row.seq != state[1] + 1:
            found.append(f"account {code}: entry {row.id} is number {row.seq}, expected {state[1] + 1}")
        if row.prev_hash != state[2]:
            found.append(f"account {code}: entry {row.id} does not carry the previous entry's hash")
        digest = entry_hash(row.prev_hash, row.id, row.transaction_id, row.account_id, row.seq, row.amount,
                            row.kind, row.reference, row.created_at)
        if digest != row.hash:
            found.append(f"account {code}: entry {row.id} was altered (its hash does not match)")
        state[0] += row.amount
        state[1] = row.seq
        state[2] = row.hash
    for account_id, account in accounts.items():
        total, count, head = chains.get(account_id, [0, 0, GENESIS])
        if account.balance != total:
            found.append(f"account {account.code}: balance {account.balance} but its postings sum to {total}")
        if account.kind != "issuance" and total < 0:
            found.append(f"account {account.code}: overdrawn ({total})")
        if account.entry_count != count or account.head_hash != head:
            found.append(f"account {account.code}: its chain head does not match its last entry")
    orphans = set(chains) - set(accounts)
    found += [f"entries of an unknown account {account_id}" for account_id in sorted(orphans)]
    unbalanced = session.execute(select(PointsEntry.transaction_id, func.sum(PointsEntry.amount))
                                 .group_by(PointsEntry.transaction_id)
                                 .having(func.sum(PointsEntry.amount) != 0)).all()
    found += [f"transaction {tid}: its postings sum to {total}, not 0" for tid, total in unbalanced]
    found += _stock(session)
    return found


def _stock(session) -> list[str]:
    out = []
    held = defaultdict(int, session.execute(select(Redemption.reward_id, func.count())
                                            .where(Redemption.status.in_(("reserved", "fulfilled")))
                                            .group_by(Redemption.reward_id)).all())
    for reward_id, title, total, available in session.execute(select(
            Reward.id, Reward.title, Reward.stock_total, Reward.stock_available)):
        if available < 0:
            out.append(f"reward {title}: stock below zero ({available})")
        if available != total - held[reward_id]:
            out.append(f"reward {title}: {available} in stock, but {total} less {held[reward_id]} redeemed")
    return out


def summary(session) -> dict:
    return {"accounts": session.scalar(select(func.count()).select_from(PointsAccount)),
            "transactions": session.scalar(select(func.count()).select_from(PointsTransaction)),
            "entries": session.scalar(select(func.count()).select_from(PointsEntry))}
