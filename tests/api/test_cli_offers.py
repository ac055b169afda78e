"""Benefits, campaigns, ``generate-offers``, redemption and the report, end to end."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import sqlalchemy as sa

from loyalty.offers import tables
from loyalty.offers.identity import in_holdout
from tests.sample_files import write

TODAY = "2026-06-30"
BENEFITS = json.dumps(
    [
        {"name": "Ten off", "type": "percent_off", "value": 10, "stages": ["lapsing", "lapsed"]},
        {"name": "Double points", "type": "points_multiplier", "value": 2, "max_per_member": 2},
        {"name": "Bonus 300", "type": "bonus_points", "value": 300, "kinds": ["discovery"]},
        {"name": "Welcome delivery", "type": "free_delivery", "stages": ["new"]},
    ]
)
NO_ALCOHOL = json.dumps(
    {
        "name": "No alcohol in offers",
        "effect": "exclude",
        "products": {"tags": {"contains": "alcohol"}},
        "applies_to": ["offers"],
    }
)


@pytest.fixture
def shop(run, tmp_path):
    """A small retailer with a model, benefits and a campaign."""
    out = tmp_path / "shop"
    result = run(
        "fixtures", "generate", "--members", 200, "--products", 150, "--seed", 11,
        "--until", TODAY, "--years", 1, "--out", out,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    for kind in ("members", "products", "transactions"):
        assert run("import", kind, out / f"{kind}.csv").exit_code == 0
    assert run("--as-of", TODAY, "train", "--seed", 1).exit_code == 0
    assert run("benefits", "add", write(tmp_path, "benefits.json", BENEFITS)).exit_code == 0
    result = run(
        "campaigns", "create", "summer", "--budget", 150, "--offers-per-member", 3,
        "--valid-from", "2026-07-01", "--valid-until", "2026-07-14", "--holdout", 0.1,
        "--margin-floor", 15,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return out


def generate(run, tmp_path, name="offers.csv"):
    out = tmp_path / name
    result = run("--as-of", TODAY, "generate-offers", "--campaign", "summer", "--out", out)
    assert result.exit_code == 0, result.output
    return pd.read_csv(out, dtype={"member_id": str, "product_id": str})


def test_generated_offers_keep_budget_limits_and_holdout(run, shop, tmp_path):
    offers = generate(run, tmp_path)
    exported = {
        "offer_id", "member_id", "product_id", "benefit_type", "benefit_value", "face_value",
        "valid_from", "valid_until", "channels", "journey_stage", "reason", "campaign", "run_id",
        "model_version", "ruleset_version",
    }  # fmt: skip
    assert exported <= set(offers.columns)
    assert len(offers) > 50
    assert offers["face_value"].sum() <= 150 + 1e-6
    assert offers.groupby("member_id").size().max() <= 3
    per_benefit = offers.groupby(["member_id", "benefit_id"]).size()
    assert per_benefit.xs("double-points", level="benefit_id").max() <= 2
    assert (offers["valid_from"] == "2026-07-01").all()
    assert set(offers["journey_stage"]) <= {"new", "active", "lapsing", "lapsed"}
    discounts = offers[offers["benefit_type"] == "percent_off"]
    assert set(discounts["journey_stage"]) <= {"lapsing", "lapsed"}
    products = pd.read_csv(shop / "products.csv", dtype={"product_id": str})
    margin = products.set_index("product_id")["margin_pct"].reindex(discounts["product_id"])
    assert (100 * (1 - (1 - margin / 100) / 0.9) >= 15 - 1e-9).all()
    members = pd.read_csv(shop / "members.csv", dtype={"member_id": str})["member_id"]
    held_out = set(members[in_holdout(members.to_numpy(), "summer", 0.1)])
    assert held_out and not held_out & set(offers["member_id"])
    report = json.loads(run("campaigns", "report", "summer", "--json").output)
    assert report["issued"] == len(offers)
    assert report["members_reached"] == offers["member_id"].nunique()


def test_generating_again_gives_the_same_offers_and_replaces_the_run(run, shop, tmp_path, engine):
    first = generate(run, tmp_path, "first.csv")
    second = generate(run, tmp_path, "second.csv")
    assert set(first["run_id"]) == {"summer-r0001"} and set(second["run_id"]) == {"summer-r0002"}
    pd.testing.assert_frame_equal(first.drop(columns="run_id"), second.drop(columns="run_id"))
    listed = json.loads(run("campaigns", "list", "--json").output)
    assert listed[0]["current_run"] == "summer-r0002"
    runs = run("runs", "list", "--campaign", "summer").output.splitlines()
    assert runs[0].startswith("summer-r0002: complete") and "replaced" in runs[1]
    page = tmp_path / "report.html"
    assert run("runs", "report", "summer-r0002", "--html", page).exit_code == 0
    html = page.read_text()
    for title in ("Offers per journey stage", "Budget use", "Catalogue coverage", "Rule hits"):
        assert title in html
    assert html.count("<svg") >= 6 and "<script" not in html
    assert "http" not in html.replace("http://www.w3.org/2000/svg", "")  # opens offline
    assert f"{len(second):,}" in html  # the offers count
    generate(run, tmp_path, "third.csv")  # deletes the offers of the run it replaced before
    with engine.connect() as connection:
        stored = connection.execute(sa.select(tables.offers.c.run_id).distinct()).scalars().all()
    assert sorted(stored) == ["summer-r0002", "summer-r0003"]


@pytest.mark.parametrize("settings", ["sqlite"], indirect=True)  # writing is as tested above
@pytest.mark.filterwarnings("ignore::FutureWarning")  # pyspark on pandas 3
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_the_spark_engine_generates_the_local_engines_offers(run, shop, tmp_path):
    local = generate(run, tmp_path, "local.csv")
    out = tmp_path / "spark.csv"
    result = run(
        "--as-of", TODAY, "generate-offers", "--campaign", "summer", "--engine", "spark",
        "--master", "local[2]", "--out", out,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    spark = pd.read_csv(out, dtype={"member_id": str, "product_id": str})
    assert set(spark["run_id"]) == {"summer-r0002"} and len(spark) > 50
    pd.testing.assert_frame_equal(local.drop(columns="run_id"), spark.drop(columns="run_id"))


def test_published_exclusions_never_reach_an_offer(run, shop, tmp_path):
    run("rules", "add", write(tmp_path, "rules.json", NO_ALCOHOL))
    assert run("rules", "publish", "--note", "no alcohol").exit_code == 0
    offers = generate(run, tmp_path)
    products = pd.read_csv(shop / "products.csv", dtype={"product_id": str}, keep_default_na=False)
    alcohol = set(products.loc[products["tags"].str.contains("alcohol"), "product_id"])
    assert alcohol and not alcohol & set(offers["product_id"])
    assert set(offers["ruleset_version"]) == {1}


def test_redeem_once_then_replay_refuse_and_report(run, shop, tmp_path):
    offers = generate(run, tmp_path)
    offer = offers[offers["channels"].str.contains("store")].iloc[0]
    redeem = ["--as-of", "2026-07-02", "offers", "redeem", offer["offer_id"], "--channel", "store"]
    result = run(*redeem, "--basket", "B1")
    assert result.exit_code == 0, result.output
    assert f"redeemed {offer['offer_id']}" in result.output
    again = run(*redeem, "--basket", "B1")
    assert again.exit_code == 0 and "already recorded" in again.output
    other = run(*redeem, "--basket", "B2")
    assert other.exit_code == 1 and "redeemed already" in other.output
    expired = run("--as-of", "2026-07-15", "offers", "redeem", offers.iloc[1]["offer_id"],
                  "--channel", "store")  # fmt: skip
    assert expired.exit_code == 1 and "expired on 2026-07-14" in expired.output
    unknown = run("offers", "redeem", "o-nope", "--channel", "web")
    assert unknown.exit_code == 3 and "no offer 'o-nope'" in unknown.output
    report = json.loads(run("--as-of", "2026-07-02", "campaigns", "report", "summer",
                            "--json").output)  # fmt: skip
    assert report["redeemed"] == 1
    assert report["spend"] == pytest.approx(offer["face_value"])
    assert report["redemption_rate"] == pytest.approx(1 / len(offers), abs=1e-4)
    assert report["purchases"]["window"] == "2026-07-01..2026-07-02"
    shown = run("offers", "show", offer["member_id"]).output
    assert offer["offer_id"] in shown


def test_bad_benefits_and_campaigns_are_named_and_benefits_listed(run, shop, tmp_path):
    bad = write(tmp_path, "bad.json", json.dumps([{"name": "Half", "type": "percent_off"}]))
    result = run("benefits", "add", bad)
    assert result.exit_code == 2
    assert "benefit 1 'Half': value: required by type 'percent_off'" in result.output
    result = run(
        "campaigns", "create", "summer", "--budget", 10, "--offers-per-member", 1,
        "--valid-from", "2026-07-01", "--valid-until", "2026-07-02",
    )  # fmt: skip
    assert result.exit_code == 2 and "exists already" in result.output
    result = run(
        "campaigns", "create", "later", "--budget", 10, "--offers-per-member", 1,
        "--valid-from", "2026-07-05", "--valid-until", "2026-07-02",
    )  # fmt: skip
    assert result.exit_code == 2 and "valid_until: is before valid_from" in result.output
    missing = run("--as-of", TODAY, "generate-offers", "--campaign", "nope")
    assert missing.exit_code == 3 and "no campaign 'nope'" in missing.output
    assert run("benefits", "remove", "nope").exit_code == 3
    listed = json.loads(run("benefits", "list", "--json").output)
    assert [b["id"] for b in listed] == [
        "bonus-300",
        "double-points",
        "ten-off",
        "welcome-delivery",
    ]
    assert run("benefits", "remove", "bonus-300").output == "removed benefit bonus-300\n"
    assert "bonus-300" not in run("benefits", "list").output
