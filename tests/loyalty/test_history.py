"""Reading stored data back as frames with the retailer's ids, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from loyalty.history import load_members, load_products, load_transactions
from loyalty.ingest import import_file
from tests.sample_files import write_catalog


def test_transactions_come_back_with_ids_types_and_order(engine, tmp_path):
    files = write_catalog(tmp_path)
    for kind in ("members", "products", "transactions"):
        import_file(engine, kind, files[kind])
    history = load_transactions(engine)
    expected = pd.read_csv(files["transactions"], parse_dates=["timestamp"])
    assert history["member_id"].tolist() == expected["member_id"].tolist()
    assert history["product_id"].tolist() == expected["product_id"].tolist()
    assert history["timestamp"].tolist() == expected["timestamp"].tolist()
    assert history["quantity"].tolist() == [2.0, 1.0, 1.0, 1.0]
    assert history["channel"].tolist() == ["store", "store", "web", "store"]


def test_transactions_can_be_cut_at_a_date(engine, tmp_path):
    files = write_catalog(tmp_path)
    for kind in ("members", "products", "transactions"):
        import_file(engine, kind, files[kind])
    before = load_transactions(engine, until=datetime(2025, 3, 5))
    after = load_transactions(engine, since=datetime(2025, 3, 5))
    assert len(before) == 3 and len(after) == 1


def test_members_and_products_frames(engine, tmp_path):
    files = write_catalog(tmp_path)
    import_file(engine, "members", files["members"])
    import_file(engine, "products", files["products"])
    members, products = load_members(engine), load_products(engine)
    assert members["member_id"].tolist() == ["M1", "M2", "M3"]
    assert members["birth_year"].isna().tolist() == [False, True, False]
    assert products.set_index("product_id").loc["P2", "channels"] == "store"
    assert products["margin_pct"].dtype == "float64"


def test_member_attributes_come_back_as_a_dict_per_member(engine, tmp_path):
    path = tmp_path / "members.csv"
    path.write_text(
        "member_id,joined_at,tier,attr_pets\n"
        "M1,2023-01-05,gold,dog\nM2,2023-01-05,gold,dog\nM3,2023-01-05,gold,\n"
    )
    import_file(engine, "members", path)
    attributes = load_members(engine)["attributes"].tolist()
    assert attributes == [{"pets": "dog"}, {"pets": "dog"}, {}]
    attributes[0]["pets"] = "cat"  # the same stored text, yet each member's own dict
    assert attributes[1] == {"pets": "dog"}


def test_large_histories_read_in_key_ranges_by_children_come_back_the_same(
    engine, tmp_path, monkeypatch
):
    files = write_catalog(tmp_path)
    for kind in ("members", "products", "transactions"):
        import_file(engine, kind, files[kind])
    in_process = load_transactions(engine)
    monkeypatch.setattr("loyalty.history.IN_PROCESS_LINES", 0)  # ADBC children on SQLite
    monkeypatch.setattr("os.cpu_count", lambda: 3)  # more key ranges than members bought
    pd.testing.assert_frame_equal(load_transactions(engine), in_process)
    assert load_transactions(engine, until=datetime(2025, 3, 5)).equals(in_process.iloc[:3])
    some = ["timestamp", "member_id", "quantity"]
    pd.testing.assert_frame_equal(load_transactions(engine, columns=some), in_process[some])


def test_lines_for_learning_are_the_same_lines_with_ids_as_codes(engine, tmp_path, monkeypatch):
    files = write_catalog(tmp_path)
    for kind in ("members", "products", "transactions"):
        import_file(engine, kind, files[kind])
    by_time = load_transactions(engine)
    for lines_in_process in (True, False):
        if not lines_in_process:
            monkeypatch.setattr("loyalty.history.IN_PROCESS_LINES", 0)  # ADBC children on SQLite
        learning = load_transactions(engine, for_learning=True)
        assert isinstance(learning["member_id"].dtype, pd.CategoricalDtype)
        assert isinstance(learning["product_id"].dtype, pd.CategoricalDtype)
        # Every known member is a category, bought or not (M3 bought nothing).
        assert sorted(learning["member_id"].cat.categories) == ["M1", "M2", "M3"]
        as_text = learning.astype({"member_id": "str", "product_id": "str"})
        key = ["member_id", "timestamp", "product_id"]
        pd.testing.assert_frame_equal(
            as_text.sort_values(key, ignore_index=True),
            by_time.astype({"member_id": "str", "product_id": "str"}).sort_values(
                key, ignore_index=True
            ),
        )


def test_no_purchases_read_as_an_empty_frame_with_the_columns(engine, tmp_path):
    files = write_catalog(tmp_path)
    import_file(engine, "members", files["members"])
    history = load_transactions(engine)
    assert history.empty and list(history.columns) == [
        "member_id", "product_id", "timestamp", "quantity", "amount", "channel"
    ]  # fmt: skip
    assert str(history["timestamp"].dtype) == "datetime64[s]"
