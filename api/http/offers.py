"""``/v1/members/{id}/offers`` and ``/v1/offers/{id}/redeem``: offers as channels show and
redeem them, the same offers (same ids) in the store and on the web."""

from __future__ import annotations

import numpy as np
import pandas as pd
from flask.views import MethodView
from flask_smorest import Blueprint

from api.http.auth import CHANNEL_READ, CHANNEL_WRITE, requires
from api.http.database import get_engine, get_settings
from api.http.engine import serving_engine
from api.http.offer_schemas import MemberOffers, OfferQuery, RedeemRequest, Redemption
from loyalty.catalog_store import find_member
from loyalty.clock import today
from loyalty.offers.redemption import redeem_offer
from recommender.curation import member_stages
from recommender.member_offers import member_offers

blp = Blueprint(
    "offers",
    __name__,
    url_prefix="/v1",
    description="Personal offers: what a member holds now, and redeeming one.",
)


@blp.route("/members/<string(maxlength=64):member_id>/offers")
class MemberOffersById(MethodView):
    """One member's offers."""

    @requires(blp, *CHANNEL_READ)
    @blp.arguments(OfferQuery, location="query")
    @blp.response(200, MemberOffers)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(503, response="SERVICE_UNAVAILABLE")
    def get(self, query: dict, member_id: str):
        """The member's current offers in every campaign, for a channel.

        Offers come from each campaign's current run (``source: run``). When no campaign valid
        today has a run yet, they are made for this request (``source: on_the_fly``): each
        campaign's budget shared equally by all members, not stored, not redeemable.
        """
        engine, settings = get_engine(), get_settings()
        member = find_member(engine, member_id)
        day = today(settings)
        serving = serving_engine()
        version, model, products = serving.for_member(member_id)
        rules = serving.rules(day)
        held = member_offers(
            engine,
            model,
            member,
            day,
            products=products,
            rules=rules,
            model_version=version,
            journey=settings.journey,
        )
        offers = _for_channel(held.offers, query.get("channel"))
        offers = offers[: query["limit"]]
        stage = member_stages(model, [member_id], pd.Timestamp(day), settings.journey)[0]
        return {
            "member_id": member_id,
            "channel": query.get("channel"),
            "journey_stage": stage,
            "personalized": all(o["personalized"] for o in offers) if offers else False,
            "model_version": version,
            "ruleset_version": None if rules is None else rules.version,
            "source": held.source,
            "offers": _offer_items(offers, serving.names),
        }


@blp.route("/offers/<string(maxlength=40):offer_id>/redeem")
class Redeem(MethodView):
    """Redeeming an offer."""

    @requires(blp, *CHANNEL_WRITE)
    @blp.arguments(RedeemRequest)
    @blp.response(200, Redemption)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    def post(self, redemption: dict, offer_id: str):
        """Redeem an offer once; the same redemption again (channel, basket) is replayed.

        409 when the offer expired, is not valid yet, is not sold in the channel or was
        redeemed already in another channel or basket; 404 when no current run holds it
        (offers made on the fly cannot be redeemed).
        """
        return redeem_offer(
            get_engine(),
            offer_id,
            redemption["channel"],
            today(get_settings()),
            redemption.get("basket_id"),
        )


def _for_channel(offers: list[dict], channel: str | None) -> list[dict]:
    """Only offers ``channel`` can honour (every offer without a channel)."""
    if channel is None:
        return offers
    return [offer for offer in offers if channel in offer["channels"].split(";")]


def _offer_items(offers: list[dict], names: pd.Series) -> list[dict]:
    """Offers as the response lists them, with the product's name; missing values as None."""
    items = []
    for offer in offers:
        redeemed_at = offer.get("redeemed_at")
        redeemed = redeemed_at is not None and not pd.isna(redeemed_at)
        name = names.get(offer["product_id"])
        items.append(
            {
                **{k: (None if _missing(v) else v) for k, v in offer.items()},
                "name": None if _missing(name) else name,
                "channels": offer["channels"].split(";"),
                "redeemed": redeemed,
                "redeemed_at": pd.Timestamp(redeemed_at).to_pydatetime() if redeemed else None,
            }
        )
    return items


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))
