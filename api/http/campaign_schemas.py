"""Response schemas of campaigns, runs and reports (a new campaign is ``CampaignSchema``)."""

from __future__ import annotations

from marshmallow import Schema, fields

from api.http.schemas import Moment
from loyalty.offers.campaigns import CampaignSchema


class CampaignInfo(CampaignSchema):
    """A campaign and the run its members see."""

    current_run = fields.String(
        allow_none=True, metadata={"description": "Null until its first run is complete."}
    )


class Run(Schema):
    """One batch generation of a campaign's offers."""

    run_id = fields.String(required=True)
    campaign = fields.String(required=True)
    status = fields.String(
        required=True, metadata={"description": "running, complete (current) or replaced"}
    )
    started_at = Moment(required=True)
    finished_at = Moment(allow_none=True)
    as_of = fields.Date(required=True, metadata={"description": "The day it generated for."})
    model_version = fields.String(allow_none=True)
    ruleset_version = fields.Integer(allow_none=True)
    summary = fields.Dict(
        allow_none=True,
        metadata={
            "description": "Members, receivers, holdout, offers, face value against budget, "
            "offers by stage and benefit type."
        },
    )


class CampaignReport(Schema):
    """Issued, redeemed, spend against budget, purchases of receivers against the holdout."""

    campaign = fields.String(required=True)
    current_run = fields.String(allow_none=True)
    valid_from = fields.String(required=True, metadata={"format": "date"})
    valid_until = fields.String(required=True, metadata={"format": "date"})
    budget = fields.Float(required=True)
    issued = fields.Integer(required=True)
    members_reached = fields.Integer(required=True)
    face_value_issued = fields.Float(required=True)
    redeemed = fields.Integer(required=True)
    redemption_rate = fields.Float(allow_none=True)
    spend = fields.Float(required=True, metadata={"description": "Face value redeemed."})
    spend_share_of_budget = fields.Float(allow_none=True)
    purchases = fields.Dict(
        allow_none=True,
        metadata={
            "description": "Over the validity window up to today: share of offered products "
            "bought by receivers and by the holdout, and the uplift; null before a run."
        },
    )
