"""Validating rules: defaults, and messages that name the rule, the field and what is allowed."""

from __future__ import annotations

import json
from datetime import date

import pytest

from loyalty.brand_fit.errors import RuleValidationError
from loyalty.brand_fit.validation import validate_rules
from loyalty.errors import InvalidInputError

NO_ALCOHOL = {
    "name": "No alcohol in offers",
    "effect": "exclude",
    "products": {"tags": {"contains": "alcohol"}},
    "applies_to": ["offers"],
    "priority": 100,
}


def problems(rules) -> str:
    with pytest.raises(RuleValidationError) as caught:
        validate_rules(rules, source="rules.json")
    return str(caught.value)


def test_the_design_example_gets_an_id_and_defaults():
    [rule] = validate_rules(json.dumps(NO_ALCOHOL))
    assert rule.id == "no-alcohol-in-offers"
    assert rule.channels == ("store", "web") and rule.applies_to == ("offers",)
    assert rule.members == {} and rule.enabled and rule.priority == 100


def test_a_list_of_rules_and_dates_round_trip_through_json():
    text = json.dumps(
        [
            NO_ALCOHOL,
            {"name": "Dec", "effect": "boost", "strength": 0.5, "active_from": "2026-12-01"},
        ]
    )
    rules = validate_rules(text)
    assert rules[1].active_from == date(2026, 12, 1)
    assert validate_rules([r.to_json() for r in rules]) == rules


def test_unknown_product_field_lists_the_known_ones():
    message = problems({**NO_ALCOHOL, "products": {"colour": "red"}})
    assert "rules.json: rule 1 'No alcohol in offers': products.colour: unknown product field" in (
        message
    )
    assert "brand, category, price, margin_pct, tags, channels, age_days" in message


def test_rule_without_name_is_named_by_its_position():
    message = problems([NO_ALCOHOL, {"effect": "exclude"}])
    assert "rule 2: name: Missing data for required field." in message


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"effect": "hide"}, "effect: Must be one of: exclude, include_only"),
        ({"effect": "boost"}, "strength: required by effect 'boost'"),
        ({"effect": "boost", "strength": 1.5}, "strength: Must be greater than 0"),
        ({"strength": 0.5}, "strength: not a parameter of effect 'exclude'; it takes none"),
        ({"effect": "limit", "per": "tags", "max": 2}, "per: expected a product field with one"),
        ({"effect": "limit", "per": "brand", "max": 0}, "max: Must be greater than or equal to 1"),
        ({"effect": "max_discount", "percent": 120}, "percent: Must be greater than or equal to 0"),
        ({"channels": ["app"]}, "channels.0: Must be one of: store, web"),
        ({"priority": "high"}, "priority: Not a valid integer"),
        ({"colour": "red"}, "colour: unknown field; allowed: id, name, description, effect"),
        ({"members": {"tier": ["gold"]}}, "members.tier: expected a text, got ['gold'] (a list"),
        ({"members": {"age": {"lt": "20"}}}, "members.age.lt: expected a number, got '20'"),
        (
            {"products": {"price": {"prefix": "1"}}},
            "products.price.prefix: not allowed on a number",
        ),
        ({"products": {"brand": {"like": "x"}}}, "products.brand.like: unknown condition; allowed"),
        ({"products": {"any": []}}, "products.any: expected a non-empty list of predicates"),
        ({"products": {"not": {"times": 1}}}, "products.not.times: unknown product field"),
        ({"members": {"times_bought": 1}}, "members.times_bought: unknown member field"),
        ({"id": "No Alcohol"}, "id: expected a slug"),
        (
            {"active_from": "2026-12-24", "active_until": "2026-12-01"},
            "active_until: is before active_from (2026-12-24)",
        ),
    ],
)
def test_each_mistake_is_named(change, expected):
    assert expected in problems({**NO_ALCOHOL, **change})


def test_history_fields_are_allowed_in_products():
    [rule] = validate_rules(
        {"name": "Not again", "effect": "exclude", "products": {"days_since_bought": {"lte": 7}}}
    )
    assert rule.products == {"days_since_bought": {"lte": 7}}


def test_duplicate_ids_and_bad_json_are_errors_of_bad_input():
    assert "id 'no-alcohol-in-offers': used by 2 rules" in problems([NO_ALCOHOL, NO_ALCOHOL])
    with pytest.raises(InvalidInputError, match=r"rules.json:1: not valid JSON"):
        validate_rules("[{", source="rules.json")


def test_the_example_file_is_valid():
    from pathlib import Path

    example = Path(__file__).parents[3] / "docs" / "examples" / "brand-fit-rules.json"
    assert len(validate_rules(example.read_text(), source=str(example))) >= 8
