"""Request and response schemas of selections."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from loyalty.formats import CHANNELS
from loyalty.journey import STAGES


class SelectionQuery(Schema):
    """Which selection: for which channel, how long, new products only or not."""

    channel = fields.String(
        validate=validate.OneOf(CHANNELS), metadata={"description": "Only what it sells."}
    )
    limit = fields.Integer(load_default=10, validate=validate.Range(min=1, max=100))
    only_new = fields.Boolean(
        load_default=False, metadata={"description": "Leave out everything the member bought."}
    )


class SelectionItem(Schema):
    """One product of a selection."""

    rank = fields.Integer(required=True)
    product_id = fields.String(required=True)
    name = fields.String(allow_none=True)
    score = fields.Float(required=True, metadata={"description": "Log-odds of a purchase soon."})
    kind = fields.String(required=True, validate=validate.OneOf(["favourite", "discovery"]))
    reason = fields.String(required=True, metadata={"description": "In the member's own terms."})


class Selection(Schema):
    """A member's curated selection, best first."""

    member_id = fields.String(required=True)
    channel = fields.String(allow_none=True)
    journey_stage = fields.String(
        required=True,
        validate=validate.OneOf(STAGES),
        metadata={"description": "From the member's own purchase rhythm."},
    )
    personalized = fields.Boolean(
        required=True,
        metadata={"description": "False: no history or no consent; popular in the segment."},
    )
    model_version = fields.String(required=True)
    ruleset_version = fields.Integer(
        allow_none=True, metadata={"description": "Brand-fit rule set kept; null: none published."}
    )
    items = fields.List(fields.Nested(SelectionItem), required=True)
