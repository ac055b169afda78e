"""Benefits: the kinds of offer value marketers define, as JSON validated like rules.

Example::

    {"name": "Ten off", "type": "percent_off", "value": 10,
     "members": {"tier": {"in": ["silver", "gold"]}}, "stages": ["active", "lapsing"],
     "max_per_member": 1}

``value`` is a percent for ``percent_off``, money for ``amount_off``, a factor above 1 for
``points_multiplier`` and a number of points for ``bonus_points``; ``free_delivery`` and
``early_access`` take none. ``members`` (a predicate on member fields, as in rules) and
``products`` (a predicate on product fields) say who and what the benefit may be given for,
``stages`` the journey stages it suits, ``kinds`` whether it goes on favourites, discoveries or
both, and ``max_per_member`` how many offers of it one member gets in one campaign.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from loyalty.brand_fit.fields import MEMBER_FIELDS, PRODUCT_FIELDS
from loyalty.brand_fit.schema import MarketersObject, Predicate, slugify
from loyalty.brand_fit.validation import flatten_messages, item_label, parse_json
from loyalty.errors import RowProblem
from loyalty.journey import STAGES
from loyalty.offers.errors import BenefitValidationError

DISCOUNTS = ("percent_off", "amount_off")
POINTS = ("points_multiplier", "bonus_points")
PERKS = ("free_delivery", "early_access")
BENEFIT_TYPES = DISCOUNTS + POINTS + PERKS
KINDS = ("favourite", "discovery")
VALUE_RANGES = {
    "percent_off": (0, 100, "a percent above 0 and below 100"),
    "amount_off": (0, None, "an amount of money above 0"),
    "points_multiplier": (1, None, "a factor above 1 (2 doubles the points)"),
    "bonus_points": (0, None, "a number of points above 0"),
}


class BenefitSchema(MarketersObject):
    """A benefit as marketers write it (JSON)."""

    type = fields.String(required=True, validate=validate.OneOf(BENEFIT_TYPES))
    value = fields.Float(allow_nan=False)
    members = Predicate(known=MEMBER_FIELDS, what="member", load_default=dict)
    products = Predicate(known=PRODUCT_FIELDS, what="product", load_default=dict)
    stages = fields.List(
        fields.String(validate=validate.OneOf(STAGES)),
        validate=validate.Length(min=1),
        load_default=lambda: list(STAGES),
    )
    kinds = fields.List(
        fields.String(validate=validate.OneOf(KINDS)),
        validate=validate.Length(min=1),
        load_default=lambda: list(KINDS),
    )
    max_per_member = fields.Integer(strict=True, validate=validate.Range(min=1), load_default=1)
    enabled = fields.Boolean(load_default=True)

    @validates_schema(skip_on_field_errors=False, pass_original=True)
    def _check_value(self, data: dict, original: dict, **kwargs) -> None:
        kind = data.get("type")
        if kind not in BENEFIT_TYPES:
            return
        given = original.get("value") if isinstance(original, dict) else None
        if kind in PERKS:
            if given not in (None, 0):
                raise ValidationError({"value": f"{kind} takes no value"})
            return
        low, high, wanted = VALUE_RANGES[kind]
        value = data.get("value")
        if value is None and given is not None:  # given, but not a number
            raise ValidationError({"value": f"expected {wanted}, got {given!r}"})
        if value is None:
            raise ValidationError({"value": f"required by type {kind!r}: {wanted}"})
        if not (value > low and (high is None or value < high)):
            raise ValidationError({"value": f"expected {wanted}, got {value!r}"})


@dataclass(frozen=True)
class Benefit:
    """One validated benefit."""

    id: str
    name: str
    type: str
    value: float = 0.0
    description: str = ""
    members: dict = field(default_factory=dict)
    products: dict = field(default_factory=dict)
    stages: tuple[str, ...] = STAGES
    kinds: tuple[str, ...] = KINDS
    max_per_member: int = 1
    enabled: bool = True

    def to_json(self) -> dict[str, Any]:
        """The benefit as JSON-ready data."""
        return BenefitSchema().dump(self)


def make_benefit(data: dict) -> Benefit:
    """A ``Benefit`` from data the schema has loaded."""
    data = dict(data)
    data.setdefault("id", slugify(data["name"]))
    data["value"] = float(data.get("value") or 0.0)
    data["stages"] = tuple(data["stages"])
    data["kinds"] = tuple(data["kinds"])
    return Benefit(**data)


def validate_benefits(benefits, source: str = "benefits") -> list[Benefit]:
    """Validate one benefit or a list, given as JSON text or parsed JSON.

    Raises
    ------
    BenefitValidationError
        Naming each benefit, the field and what is allowed.
    """
    if isinstance(benefits, (str, bytes)):
        benefits = parse_json(benefits, source, BenefitValidationError)
    items = benefits if isinstance(benefits, list) else [benefits]
    allowed = ", ".join(BenefitSchema().fields)
    problems, loaded = [], []
    for position, item in enumerate(items, start=1):
        label = item_label(item, position, "benefit")
        if not isinstance(item, dict):
            problems.append(RowProblem(None, label, "expected a benefit object {...}"))
            continue
        try:
            loaded.append(make_benefit(BenefitSchema().load(item)))
        except ValidationError as error:
            problems += [
                RowProblem(None, f"{label}: {path}", message)
                for path, message in flatten_messages(error.messages, allowed)
            ]
    seen: dict[str, int] = {}
    for benefit in loaded:
        seen[benefit.id] = seen.get(benefit.id, 0) + 1
    problems += [
        RowProblem(None, f"id {key!r}", f"used by {count} benefits; ids must be unique")
        for key, count in seen.items()
        if count > 1
    ]
    if problems:
        raise BenefitValidationError(source, problems)
    return loaded
