"""``/v1/members/{id}/selection``: the member's curated selection, the same in every channel."""

from __future__ import annotations

import pandas as pd
from flask.views import MethodView
from flask_smorest import Blueprint

from api.http.auth import CHANNEL_READ, requires
from api.http.database import get_engine, get_settings
from api.http.engine import serving_engine
from api.http.selection_schemas import Selection, SelectionQuery
from loyalty.catalog_store import find_member
from loyalty.clock import today
from recommender.curation import member_stages
from recommender.selection import recommend

ITEM_COLUMNS = ["rank", "product_id", "name", "score", "kind", "reason"]

blp = Blueprint(
    "selections",
    __name__,
    url_prefix="/v1/members",
    description="Curated selections: products picked for one member, with reasons.",
)


@blp.route("/<string(maxlength=64):member_id>/selection")
class MemberSelection(MethodView):
    """One member's selection."""

    @requires(blp, *CHANNEL_READ)
    @blp.arguments(SelectionQuery, location="query")
    @blp.response(200, Selection)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, query: dict, member_id: str):
        """The member's curated selection for a channel, best first, each with its reason."""
        member = find_member(get_engine(), member_id)
        day = today(get_settings())
        engine = serving_engine()
        version, model, products = engine.for_member(member_id)
        rules = engine.rules(day)
        rows = recommend(
            model,
            [member_id],
            n=query["limit"],
            channel=query.get("channel"),
            only_new=query["only_new"],
            products=products,
            members=pd.DataFrame([member]),
            rules=rules,
            as_of=pd.Timestamp(day),
            journey=get_settings().journey,
        )
        stage = member_stages(model, [member_id], pd.Timestamp(day), get_settings().journey)[0]
        items = rows.assign(name=engine.names.reindex(rows["product_id"]).to_numpy())
        return {
            "member_id": member_id,
            "channel": query.get("channel"),
            "journey_stage": stage,
            "personalized": bool(items["personalized"].all()) if len(items) else False,
            "model_version": version,
            "ruleset_version": None if rules is None else rules.version,
            "items": items[ITEM_COLUMNS].to_dict("records"),
        }
