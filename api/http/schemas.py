"""Request and response bodies. Members and products reuse the row formats of the domain."""

from __future__ import annotations

from flask_smorest.fields import Upload
from marshmallow import RAISE, Schema, ValidationError, fields, post_load, pre_load, validate

from loyalty.formats import ItemList, MemberRow, ProductRow

ID = validate.Length(min=1, max=64)


class Moment(fields.DateTime):
    """A moment stored as the server's local time, sent with its UTC offset (RFC 3339)."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is not None and value.tzinfo is None:
            value = value.astimezone()
        return super()._serialize(value, attr, obj, **kwargs)


def init_app(api) -> None:
    """Teach the OpenAPI document the domain's own field types."""
    api.ma_plugin.converter.add_attribute_function(item_list2property)


def item_list2property(converter, field, **kwargs) -> dict:
    """``ItemList`` in JSON: an array of strings, from ``choices`` when it has them.

    (A ``;``-separated string is accepted too, as in files; the document shows the array.)
    """
    if not isinstance(field, ItemList):
        return {}
    items = {"type": "string"}
    if field.choices is None:
        return {"type": "array", "items": items}
    items["enum"] = list(field.choices)
    return {"type": "array", "items": items, "uniqueItems": True}


class AttributeValue(fields.Raw):
    """The value of one custom attribute: a string, a number, a boolean or null."""

    def __init__(self, **kwargs):
        scalars = [{"type": "string"}, {"type": "number"}, {"type": "boolean"}]
        super().__init__(allow_none=True, metadata={"oneOf": scalars}, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str | int | float | bool):
            raise ValidationError("must be a string, number or boolean")
        return value


def _attributes() -> fields.Dict:
    return fields.Dict(
        keys=fields.String(),
        values=AttributeValue(),
        load_default=dict,
        metadata={"description": "Custom attributes (the attr_* columns of a file)"},
    )


class WithoutNul(Schema):
    """Refuses the NUL character in text, which PostgreSQL cannot store (SQLite could)."""

    @pre_load
    def _refuse_nul(self, data, **kwargs):
        if isinstance(data, dict):
            bad = {
                name: ["must not contain the NUL character (\\u0000)"]
                for name, value in data.items()
                if isinstance(value, str) and "\x00" in value
            }
            if bad:
                raise ValidationError(bad)
        return data


class Member(WithoutNul, MemberRow):
    """A loyalty member (a household card)."""

    class Meta:
        unknown = RAISE

    attributes = _attributes()


class MemberUpdate(Member):
    """A member's new values; ``member_id``, when given, must match the path."""

    member_id = fields.String(validate=ID)


class Product(WithoutNul, ProductRow):
    """A sellable product."""

    class Meta:
        unknown = RAISE

    attributes = _attributes()

    @post_load
    def _each_channel_once(self, product: dict, **kwargs) -> dict:
        if "channels" in product:
            product["channels"] = list(dict.fromkeys(product["channels"]))
        return product


class ProductUpdate(Product):
    """A product's new values; ``product_id``, when given, must match the path."""

    product_id = fields.String(validate=ID)


class ImportResult(Schema):
    """What one import (a file, or members or products sent as JSON) did."""

    kind = fields.String(required=True)
    source = fields.String(required=True)
    rows_read = fields.Integer(required=True)
    rows_written = fields.Integer(
        required=True, metadata={"description": "Rows that were new or changed"}
    )


class ImportUpload(Schema):
    """A CSV or Parquet file, sent as multipart/form-data."""

    file = Upload(required=True, metadata={"description": "A .csv, .parquet or .pq file"})


class DataStatus(Schema):
    """How much data the engine holds, like ``loyalty status --json``."""

    today = fields.Date(required=True, metadata={"description": "The engine's today"})
    members = fields.Integer(required=True)
    products = fields.Integer(required=True)
    transactions = fields.Integer(required=True)
    first_purchase = fields.String(required=True, allow_none=True)
    last_purchase = fields.String(required=True, allow_none=True)
    last_import = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        required=True,
        metadata={"description": "When each kind of data was last imported"},
    )


class Health(Schema):
    """The process answers."""

    status = fields.String(required=True)


class Readiness(Schema):
    """Every readiness check passed."""

    status = fields.String(required=True)
    checks = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
