"""Benefits are validated like rules: every error names the benefit, the field and what fits."""

from __future__ import annotations

import json

import pytest

from loyalty.journey import STAGES
from loyalty.offers.benefits import KINDS, Benefit, validate_benefits
from loyalty.offers.errors import BenefitValidationError

DESIGN_EXAMPLE = {
    "name": "Ten off",
    "type": "percent_off",
    "value": 10,
    "members": {"tier": {"in": ["silver", "gold"]}},
    "stages": ["active", "lapsing"],
    "max_per_member": 1,
}


def test_the_design_example_is_valid():
    (benefit,) = validate_benefits(DESIGN_EXAMPLE)
    assert benefit == Benefit(
        id="ten-off",
        name="Ten off",
        type="percent_off",
        value=10.0,
        members={"tier": {"in": ["silver", "gold"]}},
        stages=("active", "lapsing"),
    )
    assert benefit.kinds == KINDS and benefit.enabled


def test_every_type_with_its_value_and_the_defaults():
    benefits = validate_benefits(
        json.dumps(
            [
                {"name": "Three off", "type": "amount_off", "value": 3},
                {"name": "Double", "type": "points_multiplier", "value": 2, "kinds": ["favourite"]},
                {"id": "bonus", "name": "Bonus", "type": "bonus_points", "value": 250},
                {
                    "name": "Free delivery",
                    "type": "free_delivery",
                    "products": {"price": {"gt": 20}},
                },
                {"name": "Early", "type": "early_access", "value": 0, "max_per_member": 3},
            ]
        )
    )
    assert [b.id for b in benefits] == ["three-off", "double", "bonus", "free-delivery", "early"]
    assert [b.value for b in benefits] == [3.0, 2.0, 250.0, 0.0, 0.0]
    assert benefits[0].stages == STAGES and benefits[1].kinds == ("favourite",)
    assert benefits[4].max_per_member == 3
    assert validate_benefits(benefits[3].to_json()) == [benefits[3]]  # round trip


def problems(data) -> list[str]:
    with pytest.raises(BenefitValidationError) as error:
        validate_benefits(data)
    return [f"{p.column}: {p.message}" for p in error.value.problems]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"colour": "red"}, "'Ten off': colour: unknown field; allowed: id, name, description"),
        ({"value": "ten"}, "'Ten off': value: expected a percent above 0 and below 100, got 'ten'"),
        ({"value": None}, "'Ten off': value: required by type 'percent_off': a percent above 0"),
        ({"value": 100}, "'Ten off': value: expected a percent above 0 and below 100, got 100"),
        ({"value": 0}, "'Ten off': value: expected a percent above 0"),
        ({"type": "amount_off", "value": -1}, "value: expected an amount of money above 0"),
        ({"type": "points_multiplier", "value": 1}, "value: expected a factor above 1"),
        ({"type": "bonus_points", "value": 0}, "value: expected a number of points above 0"),
        ({"type": "free_delivery"}, "'Ten off': value: free_delivery takes no value"),
        ({"type": "early_access"}, "'Ten off': value: early_access takes no value"),
        ({"type": "gift"}, "'Ten off': type: Must be one of: percent_off, amount_off"),
        ({"stages": ["dormant"]}, "stages.0: Must be one of: new, active, lapsing, lapsed"),
        ({"stages": []}, "'Ten off': stages: Shorter than minimum length 1"),
        ({"kinds": ["favorite"]}, "kinds.0: Must be one of: favourite, discovery"),
        ({"max_per_member": 0}, "max_per_member: Must be greater than or equal to 1"),
        ({"max_per_member": 1.5}, "max_per_member: Not a valid integer"),
        (
            {"members": {"shoe_size": 9}},
            "members.shoe_size: unknown member field; known: member_id",
        ),
        ({"products": {"colour": "red"}}, "products.colour: unknown product field; known:"),
        ({"id": "Ten Off"}, "id: expected a slug"),
    ],
)
def test_errors_name_the_benefit_the_field_and_what_is_allowed(change, expected):
    data = {k: v for k, v in {**DESIGN_EXAMPLE, **change}.items() if v is not None}
    found = problems([data])
    assert any(expected in problem for problem in found), found
    assert all(problem.startswith("benefit 1 'Ten off'") for problem in found)


def test_a_benefit_without_a_name_or_type_is_named_by_its_position():
    found = problems([DESIGN_EXAMPLE, {"value": 5}])
    assert any(p.startswith("benefit 2: name: Missing data") for p in found), found
    assert any(p.startswith("benefit 2: type: Missing data") for p in found), found
    assert problems([DESIGN_EXAMPLE, 7]) == ["benefit 2: expected a benefit object {...}"]


def test_ids_must_be_unique():
    twice = [DESIGN_EXAMPLE, {**DESIGN_EXAMPLE, "value": 20}]
    assert problems(twice) == ["id 'ten-off': used by 2 benefits; ids must be unique"]
    assert len(validate_benefits([DESIGN_EXAMPLE, {**twice[1], "id": "twenty-off"}])) == 2


def test_bad_json_names_the_source_and_nothing_is_loaded():
    with pytest.raises(BenefitValidationError, match=r"spring\.json:1: not valid JSON") as error:
        validate_benefits('[{"name": "Ten off",', source="spring.json")
    assert error.value.total == 1


def test_every_problem_of_every_benefit_is_reported_at_once():
    found = problems([{**DESIGN_EXAMPLE, "colour": "red", "value": 150}, {"name": "B"}])
    assert len(found) == 3, found
