"""``GET /v1/members/{id}/offers`` and ``POST /v1/offers/{id}/redeem`` on a tiny trained shop."""

from __future__ import annotations

import datetime
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from api.app import create_app
from fixtures import generate, write
from loyalty.config import Settings
from loyalty.db import database
from loyalty.history import load_products, load_transactions
from loyalty.ingest import import_file
from loyalty.offers.store import current_offers
from recommender.model import SelectionModel
from recommender.store import ModelStore
from tests.api.http.conftest import assert_error

TODAY = datetime.date(2026, 6, 30)
# Free delivery goes on web-sold products only, so its offers are web-only; bonus points go on
# any product, in every channel that sells it.
BENEFITS = [
    {"name": "Free delivery", "type": "free_delivery"},
    {"name": "Bonus", "type": "bonus_points", "value": 200},
]
WINTER = {
    "name": "winter",
    "budget": 10_000,
    "offers_per_member": 3,
    "valid_from": "2026-06-30",
    "valid_until": "2026-07-13",
    "holdout": 0.0,
}


@pytest.fixture
def settings(settings):
    """The test database, with the engine's today on the last day of the shop's history."""
    return replace(settings, as_of=TODAY)


@pytest.fixture(scope="session")
def trained_shop(tmp_path_factory) -> Path:
    """A tiny retailer's files and a model trained on them, once per session.

    Every test imports the same files (the generator is deterministic), so the one model fits
    every test's database; training is what takes the time.
    """
    folder = tmp_path_factory.mktemp("tiny-shop")
    data = generate(members=40, products=50, seed=5, until=TODAY, years=0.5)
    write(data, folder / "files")
    settings = Settings(data_dir=folder / "data")
    with database(settings) as engine:
        import_shop(engine, folder)
        model = SelectionModel(factors=4, iterations=2, random_state=0)
        model.fit(load_transactions(engine), load_products(engine))
    ModelStore(settings.models_dir).save(model)
    return folder


def import_shop(engine, folder: Path) -> None:
    """The tiny retailer's members, products and transactions, in ``engine``'s database."""
    for kind in ("members", "products", "transactions"):
        import_file(engine, kind, folder / "files" / f"{kind}.csv")
    # The SQLite bulk import runs its own copy of SQLite (ADBC), which removes the WAL from
    # under connections already open in this process: open them again.
    engine.dispose()


def open_shop(settings, engine, folder: Path) -> None:
    """The tiny retailer imported into the test database, with its model."""
    import_shop(engine, folder)
    shutil.copytree(folder / "data" / "models", settings.models_dir)


def launch(client, as_role, campaign=WINTER, run=True) -> None:
    """Benefits saved, ``campaign`` created and (with ``run``) generated, through the API."""
    marketer = as_role("marketer")
    assert client.post("/v1/benefits", json=BENEFITS, headers=marketer).status_code == 200
    assert client.post("/v1/campaigns", json=campaign, headers=marketer).status_code == 201
    if run:
        url = f"/v1/campaigns/{campaign['name']}/runs"
        assert client.post(url, headers=as_role("admin")).status_code == 201


@pytest.fixture
def shop(settings, engine, trained_shop):
    open_shop(settings, engine, trained_shop)


def offers_of(client, as_role, member, role="channel", **query):
    return client.get(f"/v1/members/{member}/offers", query_string=query, headers=as_role(role))


def redeem(client, as_role, offer_id, channel="web", basket_id=None):
    body = {"channel": channel, "basket_id": basket_id}
    return client.post(f"/v1/offers/{offer_id}/redeem", json=body, headers=as_role("channel"))


def with_free_delivery(engine) -> str:
    """A member holding a web-only offer next to others."""
    held = current_offers(engine)
    return held.loc[held["benefit_type"] == "free_delivery", "member_id"].iloc[0]


def test_offers_of_the_current_run_filtered_by_channel(client, as_role, shop, engine):
    launch(client, as_role)
    member = with_free_delivery(engine)
    response = offers_of(client, as_role, member)
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["source"] == "run" and body["member_id"] == member
    assert body["model_version"] == "v0001" and body["ruleset_version"] is None
    assert body["journey_stage"] in {"new", "active", "lapsing", "lapsed"}
    everything = body["offers"]
    assert {o["run_id"] for o in everything} == {"winter-r0001"}
    assert all(o["name"] and o["reason"] and not o["redeemed"] for o in everything)
    for channel in ("store", "web"):
        shown = offers_of(client, as_role, member, channel=channel).get_json()["offers"]
        assert shown == [o for o in everything if channel in o["channels"]]
    store = offers_of(client, as_role, member, channel="store").get_json()["offers"]
    assert "free_delivery" not in {o["benefit_type"] for o in store}
    assert len(offers_of(client, as_role, member, limit=1).get_json()["offers"]) == 1
    selection = client.get(f"/v1/members/{member}/selection", headers=as_role("channel"))
    assert selection.get_json()["journey_stage"] == body["journey_stage"]


def test_redeemed_once_replayed_with_the_same_basket_refused_with_another(
    client, as_role, shop, engine
):
    launch(client, as_role)
    member = with_free_delivery(engine)
    offer = offers_of(client, as_role, member, channel="web").get_json()["offers"][0]
    first = redeem(client, as_role, offer["offer_id"], basket_id="B1")
    assert first.status_code == 200, first.get_data(as_text=True)
    done = first.get_json()
    assert done["replayed"] is False and done["member_id"] == member
    assert done["face_value"] == offer["face_value"] and done["run_id"] == "winter-r0001"
    again = redeem(client, as_role, offer["offer_id"], basket_id="B1").get_json()
    assert again == {**done, "replayed": True}
    body = assert_error(redeem(client, as_role, offer["offer_id"], basket_id="B2"), 409)
    assert "redeemed already" in body["message"]
    listed = offers_of(client, as_role, member).get_json()["offers"]
    assert [o["redeemed"] for o in listed if o["offer_id"] == offer["offer_id"]] == [True]


def test_expired_not_yet_valid_or_wrong_channel_is_409_and_unknown_offers_404(
    client, as_role, shop, engine, settings
):
    launch(client, as_role)
    member = with_free_delivery(engine)
    offers = offers_of(client, as_role, member).get_json()["offers"]
    web_only = next(o for o in offers if o["benefit_type"] == "free_delivery")
    body = assert_error(redeem(client, as_role, web_only["offer_id"], channel="store"), 409)
    assert "web only" in body["message"]
    assert_error(redeem(client, as_role, "o0000000000000000"), 404)
    summer = {**WINTER, "name": "summer", "valid_from": "2026-07-01"}
    client.post("/v1/campaigns", json=summer, headers=as_role("marketer"))
    client.post("/v1/campaigns/summer/runs", headers=as_role("admin"))
    upcoming = current_offers(engine, campaign="summer")["offer_id"].iloc[0]
    assert "not yet" in assert_error(redeem(client, as_role, upcoming), 409)["message"]
    later = create_app(replace(settings, as_of=datetime.date(2026, 7, 14)))
    expired = redeem(later.test_client(), as_role, web_only["offer_id"])
    later.extensions["loyalty"].close()
    assert "expired" in assert_error(expired, 409)["message"]


def test_without_a_run_offers_are_made_on_the_fly_and_not_redeemable(client, as_role, shop, engine):
    launch(client, as_role, run=False)
    served = [offers_of(client, as_role, f"M{n:06d}").get_json() for n in range(1, 5)]
    assert {body["source"] for body in served} == {"on_the_fly"}
    made = [o for body in served for o in body["offers"]]
    assert made and {o["run_id"] for o in made} == {None}
    assert current_offers(engine).empty
    assert_error(redeem(client, as_role, made[0]["offer_id"]), 404)


def test_no_campaign_no_offers(client, as_role, shop):
    body = offers_of(client, as_role, "M000001").get_json()
    assert body["offers"] == [] and body["source"] == "run" and body["personalized"] is False


def test_unknown_member_bad_query_and_roles(client, as_role, shop):
    assert_error(client.get("/v1/members/M000001/offers"), 401)
    assert_error(offers_of(client, as_role, "NOBODY"), 404)
    assert "limit" in str(assert_error(offers_of(client, as_role, "M000001", limit=0), 422))
    assert "channel" in str(assert_error(offers_of(client, as_role, "M000001", channel="tv"), 422))
    assert offers_of(client, as_role, "M000001", role="marketer").status_code == 200
    marketer = as_role("marketer")
    refused = client.post("/v1/offers/o1/redeem", json={"channel": "web"}, headers=marketer)
    assert_error(refused, 403)
    assert_error(client.post("/v1/offers/o1/redeem", json={"channel": "web"}), 401)
    body = assert_error(redeem(client, as_role, "o1", channel="phone"), 422)
    assert "channel" in str(body["errors"])
    # NUL, which PostgreSQL cannot store or even compare, is a 4xx on every database.
    assert "basket_id" in str(assert_error(redeem(client, as_role, "o1", basket_id="b\x00"), 422))
    assert_error(offers_of(client, as_role, "M%00"), 404)
    assert_error(redeem(client, as_role, "o%00"), 404)


def test_serving_without_a_model_is_503(client, as_role, engine, settings, tmp_path):
    data = generate(members=5, products=5, seed=1, until=TODAY, years=0.25)
    import_file(engine, "members", write(data, tmp_path / "shop")["members"])  # no ADBC
    assert_error(offers_of(client, as_role, "M000001"), 503)
