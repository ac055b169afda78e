"""``validate_rules``: JSON text or data in, ``Rule`` objects out, or every problem named."""

from __future__ import annotations

import json
from collections import Counter

from marshmallow import ValidationError

from loyalty.brand_fit.errors import RuleValidationError
from loyalty.brand_fit.schema import Rule as Rule
from loyalty.brand_fit.schema import RuleSchema, make_rule
from loyalty.errors import RowProblem

ALLOWED_KEYS = ", ".join(RuleSchema().fields)


def validate_rules(rules, source: str = "rules") -> list[Rule]:
    """Validate one rule or a list of rules, given as JSON text or as parsed JSON.

    Raises
    ------
    RuleValidationError
        Naming each rule (its name, or its position when it has none), the field and what is
        allowed.
    """
    data = parse_json(rules, source) if isinstance(rules, (str, bytes)) else rules
    items = data if isinstance(data, list) else [data]
    problems, loaded = [], []
    for position, item in enumerate(items, start=1):
        label = item_label(item, position)
        if not isinstance(item, dict):
            problems.append(RowProblem(None, label, "expected a rule object {...}"))
            continue
        try:
            loaded.append(make_rule(RuleSchema().load(item)))
        except ValidationError as error:
            problems += [
                RowProblem(None, f"{label}: {path}", message)
                for path, message in flatten_messages(error.messages, ALLOWED_KEYS)
            ]
    if problems:
        raise RuleValidationError(source, problems)
    return rules_from_loaded(loaded, source)


def rules_from_loaded(rules: list, source: str = "rules") -> list[Rule]:
    """Rules from data ``RuleSchema`` has loaded (or rules), refusing repeated ids."""
    rules = [rule if isinstance(rule, Rule) else make_rule(rule) for rule in rules]
    problems = _duplicate_ids(rules)
    if problems:
        raise RuleValidationError(source, problems)
    return rules


def parse_json(text, source: str, error=None):
    """JSON text parsed, or ``error`` (default ``RuleValidationError``) naming line and column."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as problem:
        raise (error or RuleValidationError)(
            source,
            [
                RowProblem(
                    problem.lineno, None, f"not valid JSON: {problem.msg} (column {problem.colno})"
                )
            ],
        ) from None


def item_label(item, position: int, what: str = "rule") -> str:
    name = item.get("name") if isinstance(item, dict) else None
    return f"{what} {position} {name!r}" if isinstance(name, str) and name else f"{what} {position}"


def flatten_messages(messages, allowed: str, prefix: str = ""):
    """``(path, message)`` pairs from marshmallow's nested messages; an unknown field's
    message lists the ``allowed`` ones."""
    if isinstance(messages, dict):
        for key, value in messages.items():
            path = prefix if key == "_" else f"{prefix}.{key}" if prefix else str(key)
            yield from flatten_messages(value, allowed, path)
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        for message in messages:
            yield (
                prefix,
                f"unknown field; allowed: {allowed}" if message == "Unknown field." else message,
            )
    else:
        yield prefix, str(messages)


def _duplicate_ids(rules: list[Rule]) -> list[RowProblem]:
    counts = Counter(rule.id for rule in rules)
    return [
        RowProblem(None, f"id {rule_id!r}", f"used by {count} rules; ids must be unique")
        for rule_id, count in counts.items()
        if count > 1
    ]
