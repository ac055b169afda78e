"""``loyalty train``, ``recommend`` and ``evaluate`` end to end on a small synthetic retailer."""

from __future__ import annotations

import json

import pandas as pd
import pytest

UNTIL = "2026-06-30"


@pytest.fixture
def shop(run, tmp_path):
    """A small retailer, generated and imported."""
    out = tmp_path / "shop"
    result = run(
        "fixtures", "generate", "--members", 150, "--products", 200, "--seed", 5,
        "--until", UNTIL, "--years", 1, "--out", out,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    for kind in ("members", "products", "transactions"):
        assert run("import", kind, out / f"{kind}.csv").exit_code == 0
    return out


def test_recommend_before_training_says_what_to_do(run, shop):
    result = run("--as-of", UNTIL, "recommend", "M000001")
    assert result.exit_code == 1
    assert "loyalty train" in result.output


def test_train_then_recommend_members(run, shop, tmp_path):
    trained = run("--as-of", UNTIL, "train", "--seed", 1, "--factors", 8, "--iterations", 3)
    assert trained.exit_code == 0, trained.output
    assert "model v0001 is current" in trained.output
    out = tmp_path / "selection.csv"
    result = run("--as-of", UNTIL, "recommend", "M000001", "M000002", "--n", 5, "--out", out)
    assert result.exit_code == 0, result.output
    selection = pd.read_csv(out)
    assert list(selection.columns)[:6] == ["member_id", "rank", "product_id", "score", "kind",
                                           "reason"]  # fmt: skip
    assert selection.groupby("member_id")["rank"].apply(list).tolist() == [[1, 2, 3, 4, 5]] * 2
    assert set(selection["kind"]) <= {"favourite", "discovery"}
    assert selection["reason"].str.len().min() > 10


def test_only_new_and_channel_filters_hold(run, shop, tmp_path):
    assert run("--as-of", UNTIL, "train", "--seed", 1, "--factors", 8).exit_code == 0
    out = tmp_path / "all.parquet"
    result = run(
        "--as-of", UNTIL, "recommend", "--all", "--only-new", "--channel", "web", "--out", out
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    selection = pd.read_parquet(out)
    bought = pd.read_csv(shop / "transactions.csv", usecols=["member_id", "product_id"])
    pairs = set(zip(bought["member_id"], bought["product_id"], strict=True))
    chosen = set(zip(selection["member_id"], selection["product_id"], strict=True))
    assert not pairs & chosen
    products = pd.read_csv(shop / "products.csv").set_index("product_id")
    assert products.loc[selection["product_id"].unique(), "channels"].str.contains("web").all()
    assert selection["member_id"].nunique() == 150


def test_unknown_member_and_bad_usage_are_clear(run, shop):
    assert run("--as-of", UNTIL, "train", "--seed", 1, "--factors", 8).exit_code == 0
    unknown = run("--as-of", UNTIL, "recommend", "NOBODY")
    assert unknown.exit_code == 3 and "unknown member(s): NOBODY" in unknown.output
    assert run("recommend").exit_code == 2
    wrong = run("recommend", "--all", "--out", "selection.xlsx")
    assert wrong.exit_code == 2 and ".jsonl, .csv, .parquet" in wrong.output


def test_evaluate_prints_the_engine_and_three_baselines(run, shop):
    result = run("--as-of", UNTIL, "evaluate", "--cutoff", "2026-05-15", "--k", 5, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert set(report["results"]) == {"next", "discovery"}
    names = set(report["results"]["next"])
    assert {"engine", "most_popular", "buy_again", "item_to_item"} <= names, names
