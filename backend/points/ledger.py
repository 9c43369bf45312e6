"""The ledger's one writer: `post` records a transaction whose postings sum to zero.

No overdraft, decided inside the write transaction: each posting updates its account row with
`balance = balance + amount … WHERE balance + amount >= 0` (not for issuance accounts), so on
PostgreSQL the row lock orders concurrent debits and re-checks the condition after the wait, and on
SQLite the first write of the transaction has taken the database's write lock. Accounts are updated
in id order (no deadlock between two transactions touching the same accounts), before any synced
row is written (the change feed then locks the community's space row), and the whole transaction
runs in a savepoint: a refused posting leaves nothing behind.

The same update returns the account's previous chain head and the entry's number, so each entry
carries the hash of its account's previous entry (one chain per account; see `entry_hash`)."""

import hashlib

from flask_babel import gettext as _
from sqlalchemy import inspect, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from backend.common import new_id, utcnow
from backend.errors import Conflict
from backend.points.models import GENESIS, PointsAccount, PointsEntry, PointsTransaction

ACCOUNTS = PointsAccount.__table__

# Functions (session, community ids) locking those communities' sync spaces, registered by the sync
# engine (sync/areas/points.py) so the domain does not import it. Every writer of synced records
# takes its spaces first (the push does, before any mutation), so the ledger takes them before its
# account rows: no two transactions wait on each other's locks in opposite orders.
SPACE_LOCKS: list = []


def lock_spaces(session, community_ids) -> None:
    for locker in SPACE_LOCKS:
        locker(session, sorted(set(community_ids)))


class Overdraft(Conflict):
    """A posting would take an account below zero: nothing of the transaction is written."""

    title = "Rejected"


def entry_hash(prev_hash: str, entry_id: str, transaction_id: str, account_id: str, seq: int, amount: int,
               kind: str, reference: str | None, created_at) -> str:
    text = "|".join((prev_hash, entry_id, transaction_id, account_id, str(seq), str(int(amount)), kind,
                     reference or "", created_at.strftime("%Y-%m-%dT%H:%M:%S.%f")))
    return hashlib.sha256(text.encode()).hexdigest()


def account_code(kind: str, community_id: str, owner_id: str | None = None) -> str:
    return f"{kind}:{community_id}" + (f":{owner_id}" if owner_id else "")


def account(session, kind: str, community_id: str, owner_id: str | None = None) -> PointsAccount:
    """The account of this kind (and owner) in a community, opened on first use (race-free: an
    insert that ignores a concurrent one, then a read)."""
    code = account_code(kind, community_id, owner_id)
    found = session.scalar(select(PointsAccount).where(PointsAccount.code == code))
    if found is not None:
        return found
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(ACCOUNTS).values(id=new_id(), code=code, community_id=community_id, kind=kind,
                                            owner_id=owner_id, balance=0, entry_count=0, head_hash=GENESIS,
                                            created_at=utcnow()).on_conflict_do_nothing())
    return session.scalar(select(PointsAccount).where(PointsAccount.code == code))


def accounts(session, community_id: str, *specs) -> list[PointsAccount]:
    """The accounts of a community named by (kind, owner_id or None), in that order, read in one
    query; any not opened yet is opened as `account` does."""
    codes = [account_code(kind, community_id, owner_id) for kind, owner_id in specs]
    found = {a.code: a for a in session.scalars(select(PointsAccount).where(PointsAccount.code.in_(codes)))}
    return [found.get(code) or account(session, kind, community_id, owner_id)
            for code, (kind, owner_id) in zip(codes, specs, strict=True)]


def lock(session, account_id: str) -> None:
    """Take the account row's lock until the transaction ends (a no-op write), e.g. to decide a
    daily cap from its entries without a concurrent award slipping in."""
    session.execute(update(ACCOUNTS).where(ACCOUNTS.c.id == account_id).values(balance=ACCOUNTS.c.balance))


def existing(session, reference: str | None) -> PointsTransaction | None:
    if reference is None:
        return None
    return session.scalar(select(PointsTransaction).where(PointsTransaction.reference == reference))


def post(session, *, community_id: str, kind: str, postings, reference: str | None = None, memo: str = "",
         actor_id: str | None = None, reverses_id: str | None = None, now=None,
         refusal: str | None = None, checked: bool = False, locked: bool = False) -> PointsTransaction:
    """Record a transaction of `postings` [(account, amount)], which must sum to zero. With a
    `reference` it is idempotent: the transaction already recorded for it is returned. Raises
    `Overdraft` (409, `refusal` or a default reason) when an account would go below zero.

    A caller that has just looked the reference up (`checked`) or has locked the spaces of the
    community and of every account itself (`locked`, in this same transaction, outside any
    savepoint since rolled back) says so: the look-up or the locks are not taken twice."""
    postings = [(acct, int(amount)) for acct, amount in postings if int(amount) != 0]
    if sum(amount for _acct, amount in postings) != 0:
        raise ValueError("postings must sum to zero")
    found = None if checked else existing(session, reference)
    if found is not None:
        return found
    now = now or utcnow()
    if not locked:
        lock_spaces(session, [community_id, *(acct.community_id for acct, _amount in postings)])
    try:
        with session.begin_nested():  # a refused posting rolls back the whole transaction, nothing else
            transaction = _write(session, community_id, kind, postings, reference, memo, actor_id, reverses_id,
                                 now, refusal)
    except IntegrityError:
        found = existing(session, reference)  # a concurrent transaction recorded the same reference
        if found is None:
            raise
        return found
    for acct, _amount in postings:
        session.expire(acct)
    return transaction


def _write(session, community_id, kind, postings, reference, memo, actor_id, reverses_id, now, refusal):
    transaction = PointsTransaction(id=new_id(), community_id=community_id, kind=kind, reference=reference,
                                    memo=memo, actor_id=actor_id, reverses_id=reverses_id, created_at=now)
    session.add(transaction)
    session.flush([transaction])
    entries = []
    for acct, amount in sorted(postings, key=lambda p: p[0].id):
        entry_id = new_id()
        conditional = amount < 0 and acct.kind != "issuance"
        seq, prev_hash, digest = _post_known_head(session, acct, amount, conditional, entry_id, transaction.id,
                                                  kind, reference, now)
        if seq is None:
            statement = (update(ACCOUNTS).where(ACCOUNTS.c.id == acct.id)
                         .values(balance=ACCOUNTS.c.balance + amount, entry_count=ACCOUNTS.c.entry_count + 1)
                         .returning(ACCOUNTS.c.entry_count, ACCOUNTS.c.head_hash))
            if conditional:
                statement = statement.where(ACCOUNTS.c.balance + amount >= 0)
            row = session.execute(statement).first()
            if row is None:
                raise Overdraft(refusal or _("Not enough points: the balance would go below zero."))
            seq, prev_hash = row
            digest = entry_hash(prev_hash, entry_id, transaction.id, acct.id, seq, amount, kind, reference, now)
            session.execute(update(ACCOUNTS).where(ACCOUNTS.c.id == acct.id).values(head_hash=digest))
        entries.append(PointsEntry(id=entry_id, transaction_id=transaction.id, account_id=acct.id,
                                   community_id=acct.community_id, owner_id=acct.owner_id, amount=amount,
                                   kind=kind, reference=reference, memo=memo, seq=seq, prev_hash=prev_hash,
                                   hash=digest, created_at=now))
    session.add_all(entries)
    session.flush()
    return transaction


def _post_known_head(session, acct, amount, conditional, entry_id, transaction_id, kind, reference, now):
    """The posting in one statement when the account's chain head is already loaded: the new
    head is computed from it and written with the balance, on condition that the row still has
    that many entries (and, for a debit, the points). (seq, prev_hash, hash), or Nones when the
    head is not loaded or has moved, or the debit would overdraw: then the two-statement path
    decides (and words an overdraft), with the row as it is now."""
    loaded = inspect(acct).dict
    count, prev_hash = loaded.get("entry_count"), loaded.get("head_hash")
    if count is None or prev_hash is None:
        return None, None, None
    seq = count + 1
    digest = entry_hash(prev_hash, entry_id, transaction_id, acct.id, seq, amount, kind, reference, now)
    statement = (update(ACCOUNTS).where(ACCOUNTS.c.id == acct.id, ACCOUNTS.c.entry_count == count,
                                        ACCOUNTS.c.head_hash == prev_hash)
                 .values(balance=ACCOUNTS.c.balance + amount, entry_count=seq, head_hash=digest))
    if conditional:
        statement = statement.where(ACCOUNTS.c.balance + amount >= 0)
    if session.execute(statement.execution_options(synchronize_session=False)).rowcount != 1:
        return None, None, None
    return seq, prev_hash, digest


def balance(session, account_id: str) -> int:
    return session.scalar(select(ACCOUNTS.c.balance).where(ACCOUNTS.c.id == account_id)) or 0
