"""Redeeming an offer: once, in a channel that sells the product, inside its validity window.

Redemption is idempotent: the same request again (same offer, channel and basket) returns the
first redemption unchanged. A different redemption of an offer that was redeemed already, an
expired or not yet valid offer, an offer for a channel that does not sell the product, and an
unknown offer are refused with a message that says which.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import IntegrityError

from loyalty.offers.errors import OfferNotFoundError, OfferRefusedError
from loyalty.offers.store import find_offer
from loyalty.offers.tables import redemptions


def redeem_offer(
    engine: Engine, offer_id: str, channel: str, today: date, basket_id: str | None = None
) -> dict:
    """Redeem ``offer_id`` in ``channel`` on ``today``.

    Returns the redemption (``offer_id, campaign, run_id, member_id, product_id, face_value,
    channel, basket_id, redeemed_at``) and ``replayed``: True when this exact redemption had
    been recorded before.
    """
    earlier = _redemption(engine, offer_id)
    if earlier is not None:
        return _replay(earlier, channel, basket_id)
    offer = find_offer(engine, offer_id)
    if offer is None:
        raise OfferNotFoundError(f"no offer {offer_id!r} is current (unknown, or withdrawn)")
    if today > offer["valid_until"]:
        raise OfferRefusedError(
            f"offer {offer_id} expired on {offer['valid_until'].isoformat()}; it was not redeemed"
        )
    if today < offer["valid_from"]:
        raise OfferRefusedError(
            f"offer {offer_id} is valid from {offer['valid_from'].isoformat()}; not yet"
        )
    sold_in = offer["channels"].split(";")
    if channel not in sold_in:
        raise OfferRefusedError(f"offer {offer_id} is for {', '.join(sold_in)} only, not {channel}")
    record = {
        "offer_id": offer_id,
        "campaign": offer["campaign"],
        "run_id": offer["run_id"],
        "member_id": offer["member_id"],
        "product_id": offer["product_id"],
        "face_value": offer["face_value"],
        "channel": channel,
        "basket_id": basket_id,
        "redeemed_at": datetime.combine(today, datetime.now().time()).replace(microsecond=0),
    }
    try:
        with engine.begin() as connection:
            connection.execute(insert(redemptions), record)
    except IntegrityError:  # redeemed at the same moment by another request
        return _replay(_redemption(engine, offer_id), channel, basket_id)
    return {**record, "replayed": False}


def _redemption(engine: Engine, offer_id: str) -> dict | None:
    with engine.connect() as connection:
        query = select(redemptions).where(redemptions.c.offer_id == offer_id)
        found = connection.execute(query).mappings().first()
    return None if found is None else dict(found)


def _replay(earlier: dict, channel: str, basket_id: str | None) -> dict:
    if earlier["channel"] == channel and earlier["basket_id"] == basket_id:
        return {**earlier, "replayed": True}
    where = f"in {earlier['channel']}" + (
        f" (basket {earlier['basket_id']})" if earlier["basket_id"] else ""
    )
    raise OfferRefusedError(
        f"offer {earlier['offer_id']} was redeemed already on "
        f"{earlier['redeemed_at']:%Y-%m-%d %H:%M} {where}"
    )
