"""``/v1/benefits``: the kinds of offer value marketers define (discounts, points, perks)."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint, abort

from api.http.auth import MARKETER, requires
from api.http.database import get_engine
from api.http.offer_schemas import BenefitJson, BenefitsSaved
from loyalty.offers import store
from loyalty.offers.benefits import Benefit, validate_benefits
from loyalty.offers.errors import OfferNotFoundError

blp = Blueprint(
    "benefits",
    __name__,
    url_prefix="/v1/benefits",
    description="Benefits: what an offer gives, and which members, products and stages it suits.",
)


@blp.route("")
class Benefits(MethodView):
    """Every benefit."""

    @requires(blp, *MARKETER)
    @blp.response(200, BenefitJson(many=True))
    def get(self):
        """List the benefits, by id."""
        return store.list_benefits(get_engine())

    @requires(blp, *MARKETER)
    @blp.arguments(BenefitJson(many=True), description="Benefits to save (all or nothing)")
    @blp.response(200, BenefitsSaved)
    def post(self, benefits: list[dict]):
        """Save benefits; one with the same id is replaced. Ids must be unique in the list."""
        checked = validate_benefits(benefits, "request")
        return {"benefits": store.save_benefits(get_engine(), checked)}


@blp.route("/validate")
class Validate(MethodView):
    """Checking benefits without saving them."""

    @requires(blp, *MARKETER)
    @blp.arguments(BenefitJson(many=True), description="Benefits to check")
    @blp.response(200, BenefitJson(many=True))
    def post(self, benefits: list[dict]):
        """Check benefits: 200 with them as they would be saved, or 422 naming each problem."""
        return validate_benefits(benefits, "request")


@blp.route("/<string(maxlength=80):benefit_id>")
class BenefitById(MethodView):
    """One benefit."""

    @requires(blp, *MARKETER)
    @blp.response(200, BenefitJson)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, benefit_id: str):
        """Read one benefit."""
        return _find(benefit_id)

    @requires(blp, *MARKETER)
    @blp.arguments(BenefitJson)
    @blp.response(200, BenefitJson)
    def put(self, benefit: dict, benefit_id: str):
        """Add or replace one benefit; ``id``, when given, must be the one in the path."""
        if benefit.setdefault("id", benefit_id) != benefit_id:
            abort(422, errors={"json": {"id": [f"must be {benefit_id!r}, as in the path"]}})
        checked = validate_benefits(benefit, "request")
        store.save_benefits(get_engine(), checked)
        return checked[0]

    @requires(blp, *MARKETER)
    @blp.response(204)
    @blp.alt_response(404, response="NOT_FOUND")
    def delete(self, benefit_id: str):
        """Delete a benefit; offers already made with it stay."""
        store.remove_benefit(get_engine(), benefit_id)


def _find(benefit_id: str) -> Benefit:
    # The store lists benefits but has no lookup by id; there are a handful, not thousands.
    found = [b for b in store.list_benefits(get_engine()) if b.id == benefit_id]
    if not found:
        raise OfferNotFoundError(f"no benefit {benefit_id!r} (GET /v1/benefits lists them)")
    return found[0]
