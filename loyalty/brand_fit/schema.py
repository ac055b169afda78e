"""The one schema of a brand-fit rule, shared by the command line, the API and the web page."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from marshmallow import (
    RAISE,
    Schema,
    ValidationError,
    fields,
    pre_load,
    validate,
    validates_schema,
)

from loyalty.brand_fit.fields import (
    ATTRIBUTE_PREFIX,
    HISTORY_FIELDS,
    LIST,
    MEMBER_FIELDS,
    PRODUCT_FIELDS,
    field_kind,
)
from loyalty.brand_fit.predicates import check_predicate
from loyalty.formats import CHANNELS

EFFECTS = ("exclude", "include_only", "boost", "bury", "limit", "max_discount", "promote")
TARGETS = ("selection", "offers")
PARAMETERS = {
    "boost": ("strength",),
    "bury": ("strength",),
    "limit": ("per", "max"),
    "max_discount": ("percent",),
    "promote": ("share",),
}
ALL_PARAMETERS = ("strength", "per", "max", "percent", "share")
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class Predicate(fields.Field):
    """A predicate on products or members; every problem is reported with its path."""

    def __init__(self, *, known: dict[str, str], what: str, **kwargs):
        super().__init__(**kwargs)
        self.known, self.what = known, what

    def _deserialize(self, value, attr, data, **kwargs) -> dict:
        problems = check_predicate(value, self.known, "", self.what)
        if problems:
            raise ValidationError({path.lstrip(".") or "_": message for path, message in problems})
        return value


class ListOfObjects(Schema):
    """Loading ``many``: anything but a list is a validation error (marshmallow 4 would run
    the schema validators over an object and fail with a ValueError instead)."""

    @pre_load(pass_collection=True)
    def _a_list(self, data, many: bool, **kwargs):
        if many and not isinstance(data, list):
            raise ValidationError("expected a list of objects: [{...}, ...]")
        return data


class MarketersObject(ListOfObjects):
    """What a rule and a benefit both start with: an id (a slug), a name, a description."""

    class Meta:
        unknown = RAISE
        ordered = True

    id = fields.String(
        validate=[
            validate.Length(max=80),
            validate.Regexp(SLUG, error="expected a slug: lower-case letters, digits and '-'"),
        ]
    )
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    description = fields.String(load_default="")


class RuleSchema(MarketersObject):
    """A brand-fit rule as marketers write it (JSON)."""

    effect = fields.String(required=True, validate=validate.OneOf(EFFECTS))
    products = Predicate(known=PRODUCT_FIELDS | HISTORY_FIELDS, what="product", load_default=dict)
    members = Predicate(known=MEMBER_FIELDS, what="member", load_default=dict)
    channels = fields.List(
        fields.String(validate=validate.OneOf(CHANNELS)),
        validate=validate.Length(min=1),
        load_default=lambda: list(CHANNELS),
    )
    applies_to = fields.List(
        fields.String(validate=validate.OneOf(TARGETS)),
        validate=validate.Length(min=1),
        load_default=lambda: list(TARGETS),
    )
    active_from = fields.Date(load_default=None, allow_none=True)
    active_until = fields.Date(load_default=None, allow_none=True)
    priority = fields.Integer(strict=True, load_default=0)
    enabled = fields.Boolean(load_default=True)
    strength = fields.Float(
        validate=validate.Range(min=0, max=1, min_inclusive=False), allow_nan=False
    )
    per = fields.String()
    max = fields.Integer(strict=True, validate=validate.Range(min=1))
    percent = fields.Float(validate=validate.Range(min=0, max=100), allow_nan=False)
    share = fields.Float(
        validate=validate.Range(min=0, max=1, min_inclusive=False), allow_nan=False
    )

    @validates_schema(skip_on_field_errors=False)
    def _check_effect_parameters(self, data: dict, **kwargs) -> None:
        effect = data.get("effect")
        if effect not in EFFECTS:
            return
        wanted = PARAMETERS.get(effect, ())
        errors = {name: f"required by effect {effect!r}" for name in wanted if name not in data} | {
            name: f"not a parameter of effect {effect!r}; "
            + (f"it takes {', '.join(wanted)}" if wanted else "it takes none")
            for name in ALL_PARAMETERS
            if name in data and name not in wanted
        }
        if "per" in data and effect == "limit":
            kind = field_kind(data["per"], PRODUCT_FIELDS)
            if kind is None or kind == LIST:
                scalar = [name for name, k in PRODUCT_FIELDS.items() if k != LIST]
                errors["per"] = (
                    f"expected a product field with one value per product: {', '.join(scalar)}, "
                    f"{ATTRIBUTE_PREFIX}*"
                )
        start, end = data.get("active_from"), data.get("active_until")
        if start and end and end < start:
            errors["active_until"] = f"is before active_from ({start.isoformat()})"
        if errors:
            raise ValidationError(errors)


@dataclass(frozen=True)
class Rule:
    """One validated brand-fit rule."""

    id: str
    name: str
    effect: str
    description: str = ""
    products: dict = field(default_factory=dict)
    members: dict = field(default_factory=dict)
    channels: tuple[str, ...] = CHANNELS
    applies_to: tuple[str, ...] = TARGETS
    active_from: date | None = None
    active_until: date | None = None
    priority: int = 0
    enabled: bool = True
    strength: float | None = None
    per: str | None = None
    max: int | None = None
    percent: float | None = None
    share: float | None = None

    def is_active_on(self, day: date) -> bool:
        """Enabled and inside its ``active_from`` .. ``active_until`` window (both inclusive)."""
        return (
            self.enabled
            and (self.active_from is None or self.active_from <= day)
            and (self.active_until is None or day <= self.active_until)
        )

    def to_json(self) -> dict[str, Any]:
        """The rule as JSON-ready data, parameters of other effects left out."""
        data = RuleSchema().dump(self)
        return {key: value for key, value in data.items() if value is not None}


def slugify(name: str) -> str:
    """A rule id from its name: ``No alcohol in offers`` -> ``no-alcohol-in-offers``."""
    slug = re.sub(r"[^a-z0-9]+", "-", re.sub(r"['’]", "", name.lower())).strip("-")[:80].rstrip("-")
    return slug or "rule"


def make_rule(data: dict) -> Rule:
    """A ``Rule`` from data the schema has loaded."""
    data = dict(data)
    data.setdefault("id", slugify(data["name"]))
    data["channels"] = tuple(data["channels"])
    data["applies_to"] = tuple(data["applies_to"])
    return Rule(**data)
