"""Request and response schemas of brand-fit rules (the rule itself is ``RuleSchema``)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from api.http.schemas import Moment

NOTE = validate.Length(min=1, max=500)
AUTHOR = validate.Length(min=1, max=100)


class DraftRule(Schema):
    """A rule and its status: new, changed, published, removed (or valid, when checked)."""

    status = fields.String(required=True)
    rule = fields.Dict(required=True, metadata={"description": "The rule, as RuleSchema."})


class DraftResult(Schema):
    """What saving drafts did, by rule id: added or replaced."""

    drafts = fields.Dict(keys=fields.String(), values=fields.String(), required=True)


class PublishRequest(Schema):
    """Who publishes and why."""

    note = fields.String(required=True, validate=NOTE)
    author = fields.String(required=True, validate=AUTHOR)


class RollbackRequest(Schema):
    """Which rule set to publish again."""

    version = fields.Integer(required=True, validate=validate.Range(min=1, max=2**31 - 1))
    author = fields.String(required=True, validate=AUTHOR)
    note = fields.String(load_default="", validate=validate.Length(max=500))


class PublishResult(Schema):
    """The number of the new rule set."""

    version = fields.Integer(required=True)


class RuleSetInfo(Schema):
    """One published rule set."""

    version = fields.Integer(required=True)
    published_at = Moment(required=True)
    author = fields.String(required=True)
    note = fields.String(required=True)
    rules = fields.Integer(required=True, metadata={"description": "How many rules."})
    current = fields.Boolean(required=True)
    rolled_back_from = fields.Integer(allow_none=True)


class RuleSet(Schema):
    """A rule set's version and rules."""

    version = fields.Integer(allow_none=True)
    rules = fields.List(fields.Dict(), required=True)
