"""``/v1/products``: products of the catalogue, added or updated one at a time or many at once."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint, abort

from api.http.auth import ADMIN, CHANNEL_READ, requires
from api.http.database import get_engine
from api.http.schemas import ImportResult, Product, ProductUpdate
from loyalty.catalog_store import find_product
from loyalty.ingest import import_records

blp = Blueprint(
    "products",
    __name__,
    url_prefix="/v1/products",
    description="The catalogue of sellable products.",
)


@blp.route("")
class Products(MethodView):
    """The catalogue."""

    @requires(blp, *ADMIN)
    @blp.arguments(Product(many=True), description="Products to add or update (all or nothing)")
    @blp.response(200, ImportResult)
    def post(self, products: list[dict]):
        """Add or update many products at once; nothing is written when one is invalid."""
        return import_records(get_engine(), "products", products, Product())


@blp.route("/<string(maxlength=64):product_id>")
class ProductById(MethodView):
    """One product."""

    @requires(blp, *CHANNEL_READ)
    @blp.response(200, Product)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, product_id: str):
        """Read one product."""
        return find_product(get_engine(), product_id)

    @requires(blp, *ADMIN)
    @blp.arguments(ProductUpdate)
    @blp.response(200, Product)
    def put(self, product: dict, product_id: str):
        """Add or update one product."""
        if product.setdefault("product_id", product_id) != product_id:
            abort(422, errors={"json": {"product_id": [f"must be {product_id!r}, as in the path"]}})
        engine = get_engine()
        import_records(engine, "products", [product], Product())
        return find_product(engine, product_id)
