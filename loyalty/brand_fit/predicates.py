"""The grammar of predicates: field -> condition, combined with ``all``, ``any`` and ``not``.

``check_predicate`` lists every problem of a predicate with the path to it, so a marketer
sees all mistakes of a rule at once.
"""

from __future__ import annotations

from loyalty.brand_fit.fields import (
    ALLOWED_OPERATORS,
    ANY,
    COMBINATORS,
    COMPARISONS,
    LIST,
    NUMBER,
    OPERATORS,
    describe_known,
    field_kind,
)

Problem = tuple[str, str]


def check_predicate(predicate, known: dict[str, str], path: str, what: str) -> list[Problem]:
    """Every problem of ``predicate`` as ``(path, message)``; ``what`` names the field family."""
    if not isinstance(predicate, dict):
        return [(path, 'expected an object such as {"brand": "Hemma"}')]
    problems: list[Problem] = []
    for key, value in predicate.items():
        where = f"{path}.{key}"
        if key in ("all", "any"):
            if not isinstance(value, list) or not value:
                problems.append((where, "expected a non-empty list of predicates"))
                continue
            for position, part in enumerate(value):
                problems += check_predicate(part, known, f"{where}[{position}]", what)
        elif key == "not":
            problems += check_predicate(value, known, where, what)
        else:
            kind = field_kind(key, known)
            if kind is None:
                problems.append(
                    (
                        where,
                        f"unknown {what} field; known: {describe_known(known)}, "
                        f"and {', '.join(COMBINATORS)}",
                    )
                )
            else:
                problems += _check_condition(value, kind, where)
    return problems


def _check_condition(condition, kind: str, path: str) -> list[Problem]:
    if not isinstance(condition, dict):
        message = _check_value(condition, kind)
        return [(path, message)] if message else []
    if len(condition) != 1:
        return [(path, f"expected exactly one of {', '.join(OPERATORS)}")]
    [(operator, value)] = condition.items()
    where = f"{path}.{operator}"
    if operator not in OPERATORS:
        return [(where, f"unknown condition; allowed: {', '.join(OPERATORS)}")]
    if operator not in ALLOWED_OPERATORS[kind]:
        allowed = ", ".join(ALLOWED_OPERATORS[kind])
        return [(where, f"not allowed on a {kind} field; allowed: {allowed}")]
    message = _check_operand(operator, value, kind)
    return [(where, message)] if message else []


def _check_operand(operator: str, value, kind: str) -> str | None:
    if operator in ("in", "not_in"):
        if not isinstance(value, list) or not value:
            return "expected a non-empty list of values"
        return next(filter(None, (_check_value(item, kind) for item in value)), None)
    if operator in COMPARISONS:
        return None if _is_number(value) else f"expected a number, got {value!r}"
    if operator in ("contains", "prefix"):
        return None if isinstance(value, str) and value else "expected a non-empty text"
    if operator == "exists":
        return None if isinstance(value, bool) else "expected true or false"
    return _check_value(value, kind)


def _check_value(value, kind: str) -> str | None:
    if kind == NUMBER:
        return None if _is_number(value) else f"expected a number, got {value!r}"
    if kind == ANY:
        ok = isinstance(value, (str, bool)) or _is_number(value)
        return None if ok else f"expected a text, number or true/false, got {value!r}"
    if isinstance(value, str):
        return None
    hint = ' (a list of values is written {"in": [...]})' if isinstance(value, list) else ""
    noun = "a tag or channel" if kind == LIST else "a text"
    return f"expected {noun}, got {value!r}{hint}"


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def fields_used(predicate) -> set[str]:
    """The field names a (valid) predicate tests."""
    used: set[str] = set()
    for key, value in predicate.items():
        if key in ("all", "any"):
            for part in value:
                used |= fields_used(part)
        elif key == "not":
            used |= fields_used(value)
        else:
            used.add(key)
    return used
