"""Request and response schemas of offers, redemptions and benefits (a benefit is
``BenefitSchema``, the domain's own)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from api.http.schemas import Moment, WithoutNul
from loyalty.formats import CHANNELS
from loyalty.journey import STAGES
from loyalty.offers.benefits import BenefitSchema
from recommender.member_offers import ON_THE_FLY, RUN

BASKET = validate.Length(min=1, max=64)


class OfferQuery(Schema):
    """Which offers: for which channel, how many."""

    channel = fields.String(
        validate=validate.OneOf(CHANNELS),
        metadata={"description": "Only offers this channel can honour."},
    )
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class Offer(Schema):
    """One personal offer: a benefit on one product, with its validity and reason."""

    offer_id = fields.String(required=True, metadata={"description": "The same in every channel."})
    product_id = fields.String(required=True)
    name = fields.String(allow_none=True, metadata={"description": "The product's name."})
    benefit_id = fields.String(required=True)
    benefit_type = fields.String(required=True)
    benefit_value = fields.Float(required=True)
    face_value = fields.Float(
        required=True, metadata={"description": "What it costs the retailer if redeemed once."}
    )
    valid_from = fields.Date(required=True)
    valid_until = fields.Date(required=True)
    channels = fields.List(fields.String(validate=validate.OneOf(CHANNELS)), required=True)
    reason = fields.String(required=True, metadata={"description": "In the member's own terms."})
    kind = fields.String(required=True, validate=validate.OneOf(["favourite", "discovery"]))
    campaign = fields.String(required=True)
    run_id = fields.String(
        allow_none=True, metadata={"description": "Null: made on the fly, not redeemable."}
    )
    model_version = fields.String(allow_none=True)
    ruleset_version = fields.Integer(allow_none=True)
    redeemed = fields.Boolean(required=True)
    redeemed_at = Moment(allow_none=True)


class MemberOffers(Schema):
    """A member's current offers in every campaign."""

    member_id = fields.String(required=True)
    channel = fields.String(allow_none=True)
    journey_stage = fields.String(required=True, validate=validate.OneOf(STAGES))
    personalized = fields.Boolean(
        required=True,
        metadata={"description": "False: no history or no consent; popular in the segment."},
    )
    model_version = fields.String(
        required=True,
        metadata={"description": "The model serving now (journey stage, offers on the fly)."},
    )
    ruleset_version = fields.Integer(
        allow_none=True, metadata={"description": "The rule set serving now; null: none."}
    )
    source = fields.String(
        required=True,
        validate=validate.OneOf([RUN, ON_THE_FLY]),
        metadata={
            "description": "run: stored by the campaigns' current runs, redeemable; "
            "on_the_fly: no campaign valid today has a run yet, so the offers were made for "
            "this request (an equal share of each budget) and cannot be redeemed."
        },
    )
    offers = fields.List(fields.Nested(Offer), required=True)


class RedeemRequest(WithoutNul):
    """Where the offer is redeemed."""

    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS))
    basket_id = fields.String(
        allow_none=True,
        validate=BASKET,
        metadata={"description": "The basket (receipt); the same again replays."},
    )


class Redemption(Schema):
    """A recorded redemption."""

    offer_id = fields.String(required=True)
    campaign = fields.String(required=True)
    run_id = fields.String(required=True)
    member_id = fields.String(required=True)
    product_id = fields.String(required=True)
    face_value = fields.Float(required=True)
    channel = fields.String(required=True)
    basket_id = fields.String(allow_none=True)
    redeemed_at = Moment(required=True)
    replayed = fields.Boolean(
        required=True, metadata={"description": "True: recorded before; nothing changed."}
    )


class BenefitJson(BenefitSchema):
    """A benefit as marketers write it (``BenefitSchema``), in requests and responses."""


class BenefitsSaved(Schema):
    """What saving benefits did, by benefit id: added or replaced."""

    benefits = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
