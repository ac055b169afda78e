"""The fields a rule may test, their kinds, and the conditions each kind allows."""

from __future__ import annotations

TEXT, PATH, NUMBER, LIST, ANY = "text", "category path", "number", "list", "any"

PRODUCT_FIELDS = {
    "product_id": TEXT,
    "brand": TEXT,
    "category": PATH,
    "price": NUMBER,
    "margin_pct": NUMBER,
    "tags": LIST,
    "channels": LIST,
    "age_days": NUMBER,
}
MEMBER_FIELDS = {
    "member_id": TEXT,
    "tier": TEXT,
    "age": NUMBER,
    "journey_stage": TEXT,
    "home_store": TEXT,
    "days_since_last_purchase": NUMBER,
}
# Read from the member's own history, so they are evaluated per member, not once per catalogue.
HISTORY_FIELDS = {"times_bought": NUMBER, "days_since_bought": NUMBER}
ATTRIBUTE_PREFIX = "attr_"

COMPARISONS = ("lt", "lte", "gt", "gte")
OPERATORS = ("eq", "ne", "in", "not_in", *COMPARISONS, "contains", "prefix", "exists")
ALLOWED_OPERATORS = {
    TEXT: ("eq", "ne", "in", "not_in", "contains", "prefix", "exists"),
    PATH: ("eq", "ne", "in", "not_in", "contains", "prefix", "exists"),
    NUMBER: ("eq", "ne", "in", "not_in", *COMPARISONS, "exists"),
    LIST: ("eq", "ne", "in", "not_in", "contains", "exists"),
    ANY: OPERATORS,
}
COMBINATORS = ("all", "any", "not")


def field_kind(name: str, known: dict[str, str]) -> str | None:
    """The kind of field ``name`` among ``known`` (custom ``attr_*`` fields are of any kind)."""
    if name in known:
        return known[name]
    if name.startswith(ATTRIBUTE_PREFIX) and len(name) > len(ATTRIBUTE_PREFIX):
        return ANY
    return None


def describe_known(known: dict[str, str]) -> str:
    """The known field names, for an error message."""
    return ", ".join([*known, ATTRIBUTE_PREFIX + "*"])
