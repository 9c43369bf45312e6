"""The points bank's JSON in and out (published in /api/openapi.json)."""

from marshmallow import Schema, fields, validate

from backend.points.models import DONATION_TARGETS, REDEMPTION_STATUSES, TRANSACTION_KINDS


class EntryOut(Schema):
    id = fields.String()
    transaction_id = fields.String()
    account_id = fields.String()
    owner_id = fields.String(allow_none=True)
    amount = fields.Integer(metadata={"description": "signed: credits are positive"})
    kind = fields.String(metadata={"enum": list(TRANSACTION_KINDS)})
    reference = fields.String(allow_none=True)
    memo = fields.String()
    seq = fields.Integer()
    hash = fields.String()
    created_at = fields.DateTime()


class RewardOut(Schema):
    id = fields.String()
    community_id = fields.String()
    title = fields.String()
    description = fields.String()
    points = fields.Integer()
    stock_total = fields.Integer()
    stock_available = fields.Integer()
    active = fields.Boolean()


class RewardIn(Schema):
    community_id = fields.String(required=True)
    title = fields.String(required=True, validate=validate.Length(min=1, max=120))
    description = fields.String(load_default="", validate=validate.Length(max=2000))
    points = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=1_000_000))
    stock = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=100_000))
    active = fields.Boolean(load_default=True)


class RewardPatch(Schema):
    title = fields.String(validate=validate.Length(min=1, max=120))
    description = fields.String(validate=validate.Length(max=2000))
    points = fields.Integer(strict=True, validate=validate.Range(min=1, max=1_000_000))
    stock = fields.Integer(strict=True, validate=validate.Range(min=0, max=100_000),
                           metadata={"description": "how many are still to give"})
    active = fields.Boolean()


class RedemptionIn(Schema):
    id = fields.UUID(metadata={"description": "optional: the client's id for the redemption"})
    reward_id = fields.String(required=True, validate=validate.Length(min=1, max=36))


class RedemptionOut(Schema):
    id = fields.String()
    reward_id = fields.String()
    community_id = fields.String()
    user_id = fields.String()
    points = fields.Integer()
    status = fields.String(metadata={"enum": list(REDEMPTION_STATUSES)})
    reason = fields.String()
    created_at = fields.DateTime()
    closed_at = fields.DateTime(allow_none=True)


class CancelIn(Schema):
    reason = fields.String(load_default="", validate=validate.Length(max=500))


class DonationIn(Schema):
    id = fields.UUID()
    to_kind = fields.String(required=True, validate=validate.OneOf(DONATION_TARGETS))
    to_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=36))
    amount = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=100_000))
    message = fields.String(load_default="", validate=validate.Length(max=200))


class DonationOut(Schema):
    id = fields.String()
    community_id = fields.String()
    from_user_id = fields.String()
    to_kind = fields.String(metadata={"enum": list(DONATION_TARGETS)})
    to_id = fields.String()
    to_user_id = fields.String(allow_none=True)
    amount = fields.Integer()
    message = fields.String()
    created_at = fields.DateTime()


class GrantIn(Schema):
    community_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    amount = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=10_000_000))
    memo = fields.String(load_default="", validate=validate.Length(max=200))


class HoursIn(Schema):
    user_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    hours = fields.Float(required=True, allow_nan=False, validate=validate.Range(min=0, max=24, min_inclusive=False))
    activity = fields.String(required=True, validate=validate.Length(min=1, max=200))
    worked_on = fields.Date(load_default=None)


class HoursOut(Schema):
    id = fields.String()
    community_id = fields.String()
    user_id = fields.String()
    hours = fields.Float()
    activity = fields.String()
    worked_on = fields.Date()
    transaction_id = fields.String(allow_none=True)


class RulesIn(Schema):
    help_points = fields.Integer(strict=True, validate=validate.Range(min=0, max=100_000))
    help_daily_cap = fields.Integer(strict=True, validate=validate.Range(min=0, max=100_000))
    hours_rate = fields.Integer(strict=True, validate=validate.Range(min=0, max=100_000))
    checkin_points = fields.Integer(strict=True, validate=validate.Range(min=0, max=100_000))
    checkin_daily_cap = fields.Integer(strict=True, validate=validate.Range(min=0, max=100_000))


class RulesOut(RulesIn):
    community_id = fields.String()


class ReverseIn(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


class TransactionOut(Schema):
    id = fields.String()
    community_id = fields.String()
    kind = fields.String(metadata={"enum": list(TRANSACTION_KINDS)})
    reference = fields.String(allow_none=True)
    memo = fields.String()
    actor_id = fields.String(allow_none=True)
    reverses_id = fields.String(allow_none=True)
    created_at = fields.DateTime()
    entries = fields.List(fields.Nested(EntryOut))


class PartnerOut(Schema):
    id = fields.String()
    name = fields.String()


class BalanceOut(Schema):
    community_id = fields.String(allow_none=True)
    account_id = fields.String(allow_none=True)
    balance = fields.Integer()
    entries = fields.List(fields.Nested(EntryOut), metadata={"description": "the latest, newest first"})
    redeemable = fields.List(fields.Nested(RewardOut), metadata={"description": "rewards in stock you can afford"})
    partners = fields.List(fields.Nested(PartnerOut), metadata={
        "description": "the communities paired with yours (seed 001): a donation's to_id with to_kind "
                       "paired_community"})


class CommunityOut(Schema):
    community_id = fields.String()
    pool = fields.Integer()
    days = fields.Integer()
    by_kind = fields.Dict(keys=fields.String(), values=fields.Dict())
    top_helpers = fields.List(fields.Dict())
    rules = fields.Nested(RulesIn)


entry_out, reward_out, redemption_out, donation_out = EntryOut(), RewardOut(), RedemptionOut(), DonationOut()
reward_in, reward_patch, redemption_in, cancel_in, donation_in = (RewardIn(), RewardPatch(), RedemptionIn(),
                                                                   CancelIn(), DonationIn())
grant_in, hours_in, hours_out, rules_in, rules_out = GrantIn(), HoursIn(), HoursOut(), RulesIn(), RulesOut()
reverse_in, transaction_out, balance_out, community_out = ReverseIn(), TransactionOut(), BalanceOut(), CommunityOut()
