"""``/v1/products``: the catalogue through the API."""

from __future__ import annotations

from tests.api.http.conftest import assert_error

OAT_MILK = {
    "name": "Oat Milk 1 l", "brand": "Havre", "category": "Food > Dairy > Milk", "price": 19.9,
    "tags": ["organic", "vegan"], "channels": ["web"],
}  # fmt: skip


def test_put_then_any_role_reads_it(client, as_role):
    assert client.put("/v1/products/P1", json=OAT_MILK, headers=as_role("admin")).status_code == 200
    for role in ("channel", "marketer", "admin"):
        product = client.get("/v1/products/P1", headers=as_role(role)).get_json()
        assert product["tags"] == ["organic", "vegan"]
        assert product["channels"] == ["web"]
        assert product["product_id"] == "P1" and product["price"] == 19.9


def test_channels_default_to_both_and_unknown_ones_are_422(client, as_role):
    plain = {key: value for key, value in OAT_MILK.items() if key != "channels"}
    response = client.put("/v1/products/P1", json=plain, headers=as_role("admin"))
    assert response.get_json()["channels"] == ["store", "web"]
    response = client.put(
        "/v1/products/P1", json={**OAT_MILK, "channels": ["fax"]}, headers=as_role("admin")
    )
    assert "channels" in assert_error(response, 422)["errors"]["json"]


def test_negative_price_is_422(client, as_role):
    response = client.put(
        "/v1/products/P1", json={**OAT_MILK, "price": -1}, headers=as_role("admin")
    )
    assert "price" in assert_error(response, 422)["errors"]["json"]


def test_post_many_products(client, as_role):
    products = [{**OAT_MILK, "product_id": f"P{i}"} for i in range(4)]
    result = client.post("/v1/products", json=products, headers=as_role("admin")).get_json()
    assert result == {"kind": "products", "source": "json", "rows_read": 4, "rows_written": 4}


def test_unknown_product_is_404(client, as_role):
    assert_error(client.get("/v1/products/P404", headers=as_role("channel")), 404)


def test_a_channel_named_twice_counts_once(client, as_role):
    response = client.put(
        "/v1/products/P1", json={**OAT_MILK, "channels": ["web"] * 30}, headers=as_role("admin")
    )
    assert response.get_json()["channels"] == ["web"]
