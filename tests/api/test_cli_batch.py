"""``generate-offers`` at scale: blocks and processes change nothing; an interrupted run
leaves the previous run serving and ``--resume`` finishes it."""

from __future__ import annotations

import json

import pandas as pd

import recommender.batch
from tests.api.test_cli_offers import TODAY, generate
from tests.api.test_cli_offers import shop as shop  # the fixture

BLOCKS = ["--block-members", 40]  # 200 members: 5 blocks


def offers_of(path) -> pd.DataFrame:
    return pd.read_csv(path, dtype={"member_id": str, "product_id": str}).drop(columns="run_id")


def test_blocks_and_processes_give_the_same_offers(run, shop, tmp_path):
    whole = generate(run, tmp_path, "whole.csv").drop(columns="run_id")
    out = tmp_path / "parallel.csv"
    result = run("--as-of", TODAY, "generate-offers", "--campaign", "summer", "--workers", 2,
                 *BLOCKS, "--out", out)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "200/200" in result.output  # the progress bar reached every member
    pd.testing.assert_frame_equal(whole, offers_of(out))


def test_an_interrupted_run_leaves_the_previous_run_serving(run, shop, tmp_path, monkeypatch):
    first = generate(run, tmp_path, "first.csv")
    member = first["member_id"].iloc[0]
    served = run("offers", "show", member).output
    calls, interrupt = [], [True]
    choose = recommender.batch.choose_offers

    def interrupted(model, context, member_ids):
        calls.append(len(member_ids))
        if interrupt[0] and len(calls) == 3:
            raise KeyboardInterrupt  # Ctrl-C in the middle of the third block
        return choose(model, context, member_ids)

    monkeypatch.setattr(recommender.batch, "choose_offers", interrupted)
    broken = run("--as-of", TODAY, "generate-offers", "--campaign", "summer", *BLOCKS)
    assert broken.exit_code != 0
    listed = json.loads(run("campaigns", "list", "--json").output)
    assert listed[0]["current_run"] == "summer-r0001"
    assert run("offers", "show", member).output == served
    calls.clear()
    interrupt[0] = False
    out = tmp_path / "resumed.csv"
    resumed = run("--as-of", TODAY, "generate-offers", "--campaign", "summer", "--resume",
                  *BLOCKS, "--out", out)  # fmt: skip
    assert resumed.exit_code == 0, resumed.output
    assert len(calls) == 3  # the two finished blocks were not computed again
    again = offers_of(out)
    assert set(pd.read_csv(out)["run_id"]) == {"summer-r0002"}
    pd.testing.assert_frame_equal(first.drop(columns="run_id"), again)
    assert not again["offer_id"].duplicated().any()
    nothing = run("--as-of", TODAY, "generate-offers", "--campaign", "summer", "--resume")
    assert nothing.exit_code == 2 and "no unfinished run" in nothing.output


def test_a_run_staged_without_offer_ids_is_resumed_with_the_same_offers(
    run, shop, settings, tmp_path, monkeypatch
):
    # Blocks staged before offer ids were made per block have none: the budget phase makes them.
    first = generate(run, tmp_path, "first.csv")
    choose = recommender.batch.choose_offers
    calls = []

    def interrupted(model, context, member_ids):
        calls.append(len(member_ids))
        if len(calls) == 3:
            raise KeyboardInterrupt
        return choose(model, context, member_ids)

    monkeypatch.setattr(recommender.batch, "choose_offers", interrupted)
    assert run("--as-of", TODAY, "generate-offers", "--campaign", "summer", *BLOCKS).exit_code
    monkeypatch.setattr(recommender.batch, "choose_offers", choose)
    staged = sorted((settings.data_dir / "runs").glob("*/block-*.arrow"))
    assert len(staged) == 2
    for block in staged[:1]:  # one block without ids, one with: both kinds at once
        pd.read_feather(block).drop(columns="offer_id").to_feather(block)
    out = tmp_path / "resumed.csv"
    resumed = run("--as-of", TODAY, "generate-offers", "--campaign", "summer", "--resume",
                  *BLOCKS, "--out", out)  # fmt: skip
    assert resumed.exit_code == 0, resumed.output
    pd.testing.assert_frame_equal(first.drop(columns="run_id"), offers_of(out))
