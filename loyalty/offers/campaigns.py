"""Campaigns: a budget, a number of offers per member, a validity window and a holdout."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from loyalty.brand_fit.schema import SLUG
from loyalty.brand_fit.validation import flatten_messages
from loyalty.errors import RowProblem
from loyalty.offers.errors import CampaignInputError


class CampaignSchema(Schema):
    """A campaign as the command line and the API take it."""

    class Meta:
        unknown = RAISE
        ordered = True

    name = fields.String(
        required=True,
        validate=[
            validate.Length(min=1, max=80),
            validate.Regexp(SLUG, error="expected a slug: lower-case letters, digits and '-'"),
        ],
    )
    budget = fields.Float(required=True, allow_nan=False, validate=validate.Range(min=0))
    offers_per_member = fields.Integer(
        required=True, strict=True, validate=validate.Range(min=1, max=100)
    )
    valid_from = fields.Date(required=True)
    valid_until = fields.Date(required=True)
    holdout = fields.Float(load_default=0.05, allow_nan=False, validate=validate.Range(0, 0.5))
    margin_floor = fields.Float(
        load_default=None, allow_none=True, allow_nan=False, validate=validate.Range(0, 100)
    )

    @validates_schema
    def _check_window(self, data: dict, **kwargs) -> None:
        if data["valid_until"] < data["valid_from"]:
            raise ValidationError(
                {"valid_until": f"is before valid_from ({data['valid_from'].isoformat()})"}
            )


@dataclass(frozen=True)
class Campaign:
    """One campaign. ``holdout`` is a share of members (0.05: 5 %), ``margin_floor`` a percent
    of the discounted price a discount must leave as margin (None: no floor)."""

    name: str
    budget: float
    offers_per_member: int
    valid_from: date
    valid_until: date
    holdout: float = 0.05
    margin_floor: float | None = None
    current_run: str | None = None

    def to_json(self) -> dict:
        """JSON-ready data, with the current run."""
        return {**CampaignSchema().dump(self), "current_run": self.current_run}


def make_campaign(data: dict) -> Campaign:
    """Validate campaign data (the schema's field names) into a ``Campaign``.

    Raises ``CampaignInputError`` naming the first field that is wrong and what is allowed.
    """
    try:
        loaded = CampaignSchema().load(data)
    except ValidationError as error:
        found = list(flatten_messages(error.messages, ", ".join(CampaignSchema().fields)))
        (path, message), *more = found
        rest = [RowProblem(None, p, m) for p, m in more]
        raise CampaignInputError(message, path, rest) from None
    return Campaign(**loaded)
