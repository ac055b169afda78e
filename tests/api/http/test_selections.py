"""``GET /v1/members/{id}/selection`` on a trained model, and picking up a new model version."""

from __future__ import annotations

import datetime

import pytest

from fixtures import generate, write
from loyalty.history import load_products, load_transactions
from loyalty.ingest import import_file
from recommender.model import SelectionModel
from recommender.store import ModelStore
from tests.api.http.conftest import assert_error

UNTIL = datetime.date(2026, 6, 30)


@pytest.fixture
def shop(settings, engine, tmp_path):
    """A small imported retailer; returns a function that trains and saves a model."""
    data = generate(members=80, products=120, seed=11, until=UNTIL, years=1.0)
    for kind, path in write(data, tmp_path / "shop").items():
        import_file(engine, kind, path)

    def train(seed: int = 1) -> str:
        model = SelectionModel(factors=8, iterations=3, random_state=seed)
        model.fit(load_transactions(engine), load_products(engine))
        return ModelStore(settings.models_dir).save(model)

    return train


def selection(client, as_role, member="M000001", **query):
    return client.get(f"/v1/members/{member}/selection", query_string=query,
                      headers=as_role("channel"))  # fmt: skip


def test_ready_only_once_a_model_is_trained(client, shop):
    body = assert_error(client.get("/readyz"), 503)
    assert "model" in body["errors"]
    shop()
    assert client.get("/readyz").get_json()["checks"] == {"database": "ok", "model": "ok"}


def test_selection_has_ranked_items_with_reasons(client, as_role, shop):
    shop()
    response = selection(client, as_role, limit=5, channel="web")
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["member_id"] == "M000001" and body["model_version"] == "v0001"
    assert [item["rank"] for item in body["items"]] == [1, 2, 3, 4, 5]
    assert all(
        item["reason"] and item["kind"] in {"favourite", "discovery"} for item in body["items"]
    )


def test_same_selection_in_both_channels_but_for_what_a_channel_cannot_sell(client, as_role, shop):
    shop()
    store = selection(client, as_role, limit=30, channel="store").get_json()["items"]
    web = selection(client, as_role, limit=30, channel="web").get_json()["items"]
    web_ids = [item["product_id"] for item in web]
    store_ids = [item["product_id"] for item in store]
    shared = [p for p in store_ids if p in web_ids]
    assert shared == [p for p in web_ids if p in store_ids]


def test_a_new_model_version_is_picked_up_without_restart(client, as_role, shop, monkeypatch):
    shop(seed=1)
    assert selection(client, as_role).get_json()["model_version"] == "v0001"
    monkeypatch.setattr("api.http.engine.POINTER_CHECK_SECONDS", 0.0)
    shop(seed=2)
    assert selection(client, as_role).get_json()["model_version"] == "v0002"


def test_unknown_member_bad_query_and_missing_model(client, as_role, shop):
    assert_error(selection(client, as_role, member="NOBODY"), 404)
    body = assert_error(selection(client, as_role, limit=0), 422)
    assert "limit" in str(body["errors"])
    assert_error(selection(client, as_role), 503)


def test_a_published_rule_reaches_the_next_request(client, as_role, shop):
    shop()
    before = selection(client, as_role, limit=8).get_json()
    assert before["ruleset_version"] is None
    excluded = before["items"][0]["product_id"]
    rule = {"name": "Not this one", "effect": "exclude", "products": {"product_id": excluded}}
    marketer = as_role("marketer")
    client.post("/v1/rules/drafts", json=[rule], headers=marketer)
    client.post("/v1/rules/publish", json={"note": "test", "author": "t"}, headers=marketer)
    after = selection(client, as_role, limit=8).get_json()
    assert after["ruleset_version"] == 1
    assert excluded not in [item["product_id"] for item in after["items"]]
