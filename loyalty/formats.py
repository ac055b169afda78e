"""The data formats of members, products and transactions, as marshmallow schemas.

These schemas are the one definition of what a valid row is. The API loads single rows with
them; bulk imports check whole columns at once with ``loyalty.validation``, which reads the
same field definitions (a test keeps the two in agreement).
"""

from __future__ import annotations

from typing import ClassVar

from marshmallow import EXCLUDE, Schema, fields, validate

CHANNELS = ("store", "web")
ATTRIBUTE_PREFIX = "attr_"


class Text(fields.String):
    """Text without NUL characters, which PostgreSQL cannot store."""

    default_error_messages: ClassVar[dict[str, str]] = {"nul": "Text may not contain NUL."}

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        if "\x00" in text:
            raise self.make_error("nul")
        return text


class ItemList(fields.Field):
    """A ``;``-separated list in files (``organic;vegan``), a list of strings in JSON."""

    def __init__(self, *, choices: tuple[str, ...] | None = None, **kwargs):
        super().__init__(**kwargs)
        self.choices = choices

    def _deserialize(self, value, attr, data, **kwargs) -> list[str]:
        items = value if isinstance(value, list) else str(value).split(";")
        # Repeats say nothing new: ``web;web`` is ``web``.
        items = list(dict.fromkeys(str(item).strip() for item in items if str(item).strip()))
        if self.choices is not None:
            unknown = sorted(set(items) - set(self.choices))
            if unknown:
                raise self.make_error("choices", unknown=", ".join(unknown))
        return items

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else list(value)

    default_error_messages: ClassVar[dict[str, str]] = {"choices": "Unknown item(s) {unknown}."}


class RowSchema(Schema):
    """Base of the row formats: unknown columns other than ``attr_*`` are left out."""

    class Meta:
        unknown = EXCLUDE


class MemberRow(RowSchema):
    """One loyalty member (a household card)."""

    member_id = Text(required=True, validate=validate.Length(min=1, max=64))
    joined_at = fields.Date(required=True)
    tier = Text(required=True, validate=validate.Length(min=1, max=32))
    birth_year = fields.Integer(
        load_default=None, allow_none=True, validate=validate.Range(min=1900, max=2100)
    )
    home_store = Text(load_default=None, allow_none=True, validate=validate.Length(max=64))
    consent_personalization = fields.Boolean(load_default=True)


class ProductRow(RowSchema):
    """One sellable product."""

    product_id = Text(required=True, validate=validate.Length(min=1, max=64))
    name = Text(required=True, validate=validate.Length(min=1, max=255))
    brand = Text(required=True, validate=validate.Length(min=1, max=128))
    category = Text(required=True, validate=validate.Length(min=1, max=255))
    price = fields.Float(required=True, validate=validate.Range(min=0))
    margin_pct = fields.Float(
        load_default=None, allow_none=True, validate=validate.Range(min=-100, max=100)
    )
    tags = ItemList(load_default=list)
    channels = ItemList(choices=CHANNELS, load_default=lambda: list(CHANNELS))
    launched_at = fields.Date(load_default=None, allow_none=True)
    active = fields.Boolean(load_default=True)


class TransactionRow(RowSchema):
    """One line of a purchase. Timestamps are the store's local time, without a time zone."""

    member_id = Text(required=True, validate=validate.Length(min=1, max=64))
    product_id = Text(required=True, validate=validate.Length(min=1, max=64))
    timestamp = fields.NaiveDateTime(required=True)
    quantity = fields.Float(required=True, validate=validate.Range(min=0, min_inclusive=False))
    amount = fields.Float(required=True)
    channel = Text(load_default="store", validate=validate.OneOf(CHANNELS))
    store_id = Text(load_default=None, allow_none=True, validate=validate.Length(max=64))
    basket_id = Text(load_default="", validate=validate.Length(max=64))


ROW_SCHEMAS: dict[str, type[RowSchema]] = {
    "members": MemberRow,
    "products": ProductRow,
    "transactions": TransactionRow,
}
