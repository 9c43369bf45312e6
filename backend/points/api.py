"""/api/v1/points: balances, histories, rewards, redemptions, donations (residents); pools, flows,
rules, grants, hours and reversals (staff). Devices redeem and donate through the sync push
(collections `redemptions`, `donations`); the same services decide."""

from flask import Blueprint, g, request
from sqlalchemy import select

from backend.apiframe import load
from backend.auth import policy as core
from backend.auth.bearer import token_required
from backend.errors import ApiError
from backend.extensions import db
from backend.pagination import page_args
from backend.points import donations, earning, policy, rewards, rules, services
from backend.points.models import Donation, Redemption, Reward
from backend.points.schemas import (
    balance_out,
    cancel_in,
    community_out,
    donation_in,
    donation_out,
    entry_out,
    grant_in,
    hours_in,
    hours_out,
    redemption_in,
    redemption_out,
    reverse_in,
    reward_in,
    reward_out,
    reward_patch,
    rules_in,
    rules_out,
    transaction_out,
)

bp = Blueprint("points_api", __name__, url_prefix="/api/v1/points")


def _not_found():
    return ApiError(404, "Not Found", "No such record in your scope.")


def _reward(reward_id) -> Reward:
    found = db.session.get(Reward, reward_id)
    if found is None or not core.can(g.user, core.READ, found):
        raise _not_found()
    return found


def _redemption(redemption_id) -> Redemption:
    found = db.session.get(Redemption, redemption_id)
    if found is None or not core.can(g.user, core.READ, found):
        raise _not_found()
    return found


def _managed(community_id):
    if not policy.manages(g.user, community_id):
        raise _not_found()
    return community_id


def _community_arg():
    community_id = request.args.get("community_id") or None
    if community_id is not None and len(community_id) > 36:
        raise ApiError(400, "Bad Request", "community_id is not an id.", errors={"community_id": ["Not an id."]})
    return community_id


@bp.get("/me")
@token_required
def me():
    """Your balance, your latest entries and the rewards you can redeem now.
    ---
    get:
      tags: [points]
      security: [{bearer: []}]
      responses:
        200: {content: {application/json: {schema: BalanceOut}}}
    """
    account = services.my_account(db.session, g.user)
    balance = account.balance if account is not None else 0
    community_id = policy.home_community(g.user) if g.user.role in policy.MEMBERS else None
    redeemable = [r for r in rewards.catalogue(db.session, g.user, community_id)
                  if r.stock_available > 0 and r.points <= balance] if community_id else []
    partners = [{"id": node.id, "name": node.name} for node in rules.partners(db.session, community_id)
                if node.retired_at is None] if community_id else []
    return balance_out.dump({"community_id": community_id, "account_id": account.id if account else None,
                             "balance": balance, "entries": services.history(db.session, g.user, limit=20),
                             "redeemable": redeemable, "partners": partners})


@bp.get("/entries")
@token_required
def entries():
    """Your ledger, newest first (page, per_page).
    ---
    get:
      tags: [points]
      security: [{bearer: []}]
      parameters:
        - {name: page, in: query, schema: {type: integer, minimum: 1}}
        - {name: per_page, in: query, schema: {type: integer, minimum: 1, maximum: 100}}
      responses:
        200:
          content:
            application/json:
              schema: {type: object, properties: {items: {type: array, items: EntryOut}}}
        400: {description: Bad paging}
    """
    page, per_page = page_args()
    found = services.history(db.session, g.user, limit=per_page, offset=(page - 1) * per_page)
    return {"items": [entry_out.dump(e) for e in found], "page": page, "per_page": per_page}


@bp.get("/rewards")
@token_required
def list_rewards():
    """Rewards you may see: your community's (residents), your communities' (staff, inactive ones too).
    ---
    get:
      tags: [points]
      security: [{bearer: []}]
      parameters:
        - {name: community_id, in: query, schema: {type: string}}
      responses:
        200:
          content:
            application/json:
              schema: {type: object, properties: {items: {type: array, items: RewardOut}}}
        400: {description: Bad community id}
    """
    staff = g.user.role in policy.MANAGERS
    found = rewards.catalogue(db.session, g.user, _community_arg(), include_inactive=staff)
    return {"items": [reward_out.dump(r) for r in found]}


@bp.post("/rewards")
@token_required
def create_reward():
    """Add a reward to a community's catalogue (staff).
    ---
    post:
      tags: [points]
      security: [{bearer: []}]
      requestBody: {content: {application/json: {schema: RewardIn}}}
      responses:
        201: {content: {application/json: {schema: RewardOut}}}
        422: {description: Validation failed}
    """
    data = load(reward_in)
    community_id = data.pop("community_id")
    reward = rewards.create_reward(db.session, g.user, community_id, data)
    db.session.commit()
    return reward_out.dump(reward), 201


@bp.patch("/rewards/<reward_id>")
@token_required
def change_reward(reward_id):
    """Change a reward: title, description, points, stock still to give, active (staff).
    ---
    patch:
      tags: [points]
      security: [{bearer: []}]
      parameters: [{name: reward_id, in: path, required: true, schema: {type: string}}]
      requestBody: {content: {application/json: {schema: RewardPatch}}}
      responses:
        200: {content: {application/json: {schema: RewardOut}}}
        403: {description: Not yours to manage}
        404: {description: No such reward}
        422: {description: Validation failed}
    """
    reward = _reward(reward_id)
    data = load(reward_patch)
    reward = rewards.update_reward(db.session, g.user, reward, data)
    db.session.commit()
    return reward_out.dump(reward)


@bp.get("/redemptions")
@token_required
def list_redemptions():
    """Your redemptions (residents) or your communities' (staff; community_id, status filter).
    ---
    get:
      tags: [points]
      security: [{bearer: []}]
      parameters:
        - {name: community_id, in: query, schema: {type: string}}
        - {name: status, in: query, schema: {type: string, enum: [reserved, fulfilled, cancelled]}}
      responses:
        200:
          content:
            application/json:
              schema: {type: object, properties: {items: {type: array, items: RedemptionOut}}}
        400: {description: Bad filter}
    """
    query = select(Redemption).order_by(Redemption.created_at.desc()).limit(200)
    community_id = _community_arg()
    if g.user.role in policy.MANAGERS:
        ids = [c.id for c in policy.managed_communities(db.session, g.user)]
        if community_id is not None:
            ids = [community_id] if community_id in ids else []
        query = query.where(Redemption.community_id.in_(ids))
    else:
        query = query.where(Redemption.user_id == g.user.id)
    status = request.args.get("status")
    if status:
        if status not in ("reserved", "fulfilled", "cancelled"):
            raise ApiError(400, "Bad Request", "Unknown status.", errors={"status": ["Unknown status."]})
        query = query.where(Redemption.status == status)
    return {"items": [redemption_out.dump(r) for r in db.session.scalars(query)]}


@bp.post("/redemptions")
@token_required
def reserve():
    """Reserve a reward: its points and one item are held until staff hand it over (or it is cancelled).
    Refused (409, "Rejected") past your balance or the stock.
    ---
    post:
      tags: [points]
      security: [{bearer: []}]
      requestBody: {content: {application/json: {schema: RedemptionIn}}}
      responses:
        201: {content: {application/json: {schema: RedemptionOut}}}
        403: {description: Not a resident}
        409: {description: "Rejected: not enough points, or out of stock"}
        422: {description: Validation failed}
    """
    data = load(redemption_in)
    record_id = str(data["id"]) if data.get("id") else None
    redemption = rewards.reserve(db.session, g.user, data["reward_id"], redemption_id=record_id)
    db.session.commit()
    return redemption_out.dump(redemption), 201


@bp.post("/redemptions/<redemption_id>/cancel")
@token_required
def cancel(redemption_id):
    """Cancel a reserved redemption (its resident, or staff): points and stock go back.
    ---
    post:
      tags: [points]
      security: [{bearer: []}]
      parameters: [{name: redemption_id, in: path, required: true, schema: {type: string}}]
      requestBody: {content: {application/json: {schema: CancelIn}}}
      responses:
        200: {content: {application/json: {schema: RedemptionOut}}}
        404: {description: No such redemption}
        409: {description: Not reserved any more}
        422: {description: Validation failed}
    """
    redemption = _redemption(redemption_id)
    data = load(cancel_in)
    rewards.cancel(db.session, g.user, redemption, data["reason"])
    db.session.commit()
    return redemption_out.dump(redemption)


@bp.post("/redemptions/<redemption_id>/fulfil")
@token_required
def fulfil(redemption_id):
    """Hand a reserved reward over (staff): its points are spent.
    ---
    post:
      tags: [points]
      security: [{bearer: []}]
      parameters: [{name: redemption_id, in: path, required: true, schema: {type: string}}]
      responses:
        200: {content: {application/json: {schema: RedemptionOut}}}
        403: {description: Not staff of its community}
        404: {description: No such redemption}
        409: {description: Not reserved any more}
    """
    redemption = _redemption(redemption_id)
    rewards.fulfil(db.session, g.user, redemption)
    db.session.commit()
    return redemption_out.dump(redemption)


@bp.get("/donations")
@token_required
def list_donations():
    """Donations you made or received.
    ---
    get:
      tags: [points]
      security: [{bearer: []}]
      responses:
        200:
          content:
            application/json:
              schema: {type: object, properties: {items: {type: array, items: DonationOut}}}
    """
    query = (select(Donation).where((Donation.from_user_id == g.user.id) | (Donation.to_user_id == g.user.id))
             .order_by(Donation.created_at.desc()).limit(200))
    return {"items": [donation_out.dump(d) for d in db.session.scalars(query)]}


@bp.post("/donations")
@token_required
def donate():
    """Donate points to a resident of your community, its pool, or a paired community's pool.
    ---
    post:
      tags: [points]
      security: [{bearer: []}]
      requestBody: {content: {application/json: {schema: DonationIn}}}
      responses:
        201: {content: {application/json: {schema: DonationOut}}}
        403: {description: Not a resident}
        409: {description: Rejected (not enough points)}
        422: {description: Validation failed}
    """
    data = load(donation_in)
    record_id = str(data.pop("id")) if data.get("id") else None
    donation = donations.donate(db.session, g.user, data, donation_id=record_id)
    db.session.commit()
    return donation_out.dump(donation), 201


@bp.post("/grants")
@token_required
def grant():
    """Fund a community's pool (staff).
    ---
    post:
      tags: [points]
      security: [{bearer: []}]
      requestBody: {content: {application/json: {schema: GrantIn}}}
      responses:
        201: {content: {application/json: {schema: TransactionOut}}}
        422: {description: Validation failed}
    """
    data = load(grant_in)
    transaction = services.grant(db.session, g.user, data["community_id"], data["amount"], data["memo"])
    db.session.commit()
    return transaction_out.dump(transaction), 201


@bp.post("/hours")
@token_required
def record_hours():
    """Record a resident's volunteer hours (staff, grid workers): they earn hours × the community's rate.
    ---
    post:
      tags: [points]
      security: [{bearer: []}]
      requestBody: {content: {application/json: {schema: HoursIn}}}
      responses:
        201: {content: {application/json: {schema: HoursOut}}}
        403: {description: Not yours to record}
        409: {description: The pool is empty}
        422: {description: Validation failed}
    """
    data = load(hours_in)
    record = earning.record_hours(db.session, g.user, user_id=data["user_id"], hours=data["hours"],
                                  activity=data["activity"], worked_on=data["worked_on"])
    db.session.commit()
    return hours_out.dump(record), 201


@bp.get("/communities/<community_id>")
@token_required
def community(community_id):
    """A community's pool, flows of the last 30 days, top helpers of the year and rules (staff).
    ---
    get:
      tags: [points]
      security: [{bearer: []}]
      parameters: [{name: community_id, in: path, required: true, schema: {type: string}}]
      responses:
        200: {content: {application/json: {schema: CommunityOut}}}
        404: {description: Not a community you manage}
    """
    _managed(community_id)
    out = services.flows(db.session, community_id)
    out["community_id"] = community_id
    out["top_helpers"] = services.top_helpers(db.session, community_id)
    out["rules"] = vars(rules.rules_of(db.session, community_id))
    return community_out.dump(out)


@bp.put("/communities/<community_id>/rules")
@token_required
def set_rules(community_id):
    """Set a community's earning rules (staff).
    ---
    put:
      tags: [points]
      security: [{bearer: []}]
      parameters: [{name: community_id, in: path, required: true, schema: {type: string}}]
      requestBody: {content: {application/json: {schema: RulesIn}}}
      responses:
        200: {content: {application/json: {schema: RulesOut}}}
        404: {description: Not a community you manage}
        422: {description: Validation failed}
    """
    _managed(community_id)
    data = load(rules_in)
    found = rules.set_rules(db.session, g.user, community_id, data)
    db.session.commit()
    return rules_out.dump({**vars(found), "community_id": community_id})


@bp.get("/transactions/<transaction_id>")
@token_required
def transaction(transaction_id):
    """A transaction with its postings (staff of its community).
    ---
    get:
      tags: [points]
      security: [{bearer: []}]
      parameters: [{name: transaction_id, in: path, required: true, schema: {type: string}}]
      responses:
        200: {content: {application/json: {schema: TransactionOut}}}
        404: {description: No such transaction in your scope}
    """
    return transaction_out.dump(services.transaction(db.session, g.user, transaction_id))


@bp.post("/transactions/<transaction_id>/reverse")
@token_required
def reverse(transaction_id):
    """Reverse a transaction with a reason (staff): a new transaction negating every posting.
    ---
    post:
      tags: [points]
      security: [{bearer: []}]
      parameters: [{name: transaction_id, in: path, required: true, schema: {type: string}}]
      requestBody: {content: {application/json: {schema: ReverseIn}}}
      responses:
        201: {content: {application/json: {schema: TransactionOut}}}
        404: {description: No such transaction in your scope}
        409: {description: "Cannot be reversed: reversed already, or it would overdraw"}
        422: {description: Validation failed}
    """
    found = services.transaction(db.session, g.user, transaction_id)
    data = load(reverse_in)
    reversal = services.reverse(db.session, g.user, found, data["reason"])
    db.session.commit()
    return transaction_out.dump(reversal), 201
