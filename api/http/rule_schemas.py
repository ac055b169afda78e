"""Request and response schemas of brand-fit rules (the rule itself is ``RuleSchema``) and of
previews of a draft."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from api.http.schemas import ID, Moment, WithoutNul
from loyalty.brand_fit.schema import RuleSchema
from loyalty.formats import CHANNELS

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


class PreviewOptions(WithoutNul):
    """What a preview compares: the draft (default: the saved drafts), a channel, a length."""

    channel = fields.String(
        load_default="web",
        validate=validate.OneOf(CHANNELS),
        metadata={"description": "Only what this channel sells (default: web)."},
    )
    n = fields.Integer(
        load_default=10,
        validate=validate.Range(min=1, max=1000),
        metadata={"description": "Products per selection."},
    )
    rules = fields.List(
        fields.Nested(RuleSchema),
        metadata={"description": "The draft to try; without it, the saved drafts."},
    )


class PreviewRequest(PreviewOptions):
    """Which member to preview the draft on."""

    member_id = fields.String(required=True, validate=ID)


class ImpactRequest(PreviewOptions):
    """How many members to compare (always the same ones, by a hash of their id)."""

    sample = fields.Integer(load_default=200, validate=validate.Range(min=1, max=2000))


class PreviewItem(Schema):
    """One product of a selection in a preview."""

    rank = fields.Integer(required=True)
    product_id = fields.String(required=True)
    score = fields.Float(required=True)
    kind = fields.String(required=True)
    reason = fields.String(required=True)
    personalized = fields.Boolean(required=True)


class RuleChange(Schema):
    """A product one rule changed against the selection without rules."""

    product_id = fields.String(required=True)
    rule_id = fields.String(
        allow_none=True, metadata={"description": "Null: no rule (the channel does not sell it)."}
    )
    action = fields.String(
        required=True,
        metadata={"description": "removed, not_in_channel, moved_up, moved_down or promoted"},
    )


class SelectionChange(Schema):
    """A product the draft removes, adds or moves, and the first rule that explains it."""

    product_id = fields.String(required=True)
    published_rank = fields.Integer(allow_none=True)
    draft_rank = fields.Integer(allow_none=True)
    change = fields.String(
        required=True, validate=validate.OneOf(["removed", "added", "moved_up", "moved_down"])
    )
    rule_id = fields.String(allow_none=True)
    action = fields.String(allow_none=True)


class PreviewReport(Schema):
    """One member's selection with the published rules and with the draft, side by side."""

    member_id = fields.String(required=True)
    channel = fields.String(allow_none=True)
    published_rule_set = fields.Integer(
        allow_none=True, metadata={"description": "Null: none published yet."}
    )
    published = fields.List(fields.Nested(PreviewItem), required=True)
    draft = fields.List(fields.Nested(PreviewItem), required=True)
    changes = fields.List(fields.Nested(SelectionChange), required=True)
    rules_published = fields.List(fields.Nested(RuleChange), required=True)
    rules_draft = fields.List(fields.Nested(RuleChange), required=True)


class ImpactReport(Schema):
    """What the draft changes, against the published rules, on a sample of members."""

    published_rule_set = fields.Integer(allow_none=True)
    channel = fields.String(allow_none=True)
    n = fields.Integer(required=True)
    members = fields.Integer(required=True, metadata={"description": "Members compared."})
    changed_share = fields.Float(
        required=True, metadata={"description": "Share whose selection the draft changes."}
    )
    removed_by_rule = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        required=True,
        metadata={"description": "Products the draft removes from selections, by rule id."},
    )
    coverage_published = fields.Float(
        required=True, metadata={"description": "Share of the catalogue in some selection."}
    )
    coverage_draft = fields.Float(required=True)
    short_published = fields.Integer(
        required=True, metadata={"description": "Members with fewer than n products."}
    )
    short_draft = fields.Integer(required=True)
