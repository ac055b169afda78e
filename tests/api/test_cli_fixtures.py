"""``loyalty fixtures generate`` writes files that import cleanly, the same for the same seed."""

from __future__ import annotations

import json


def generate(run, out, seed=3, until="2026-06-30"):
    result = run(
        "fixtures", "generate", "--members", 120, "--products", 150, "--seed", seed,
        "--until", until, "--out", out,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return {
        name: (out / f"{name}.csv").read_bytes() for name in ("members", "products", "transactions")
    }


def test_same_seed_gives_identical_files_and_another_seed_does_not(run, tmp_path):
    first = generate(run, tmp_path / "a")
    assert generate(run, tmp_path / "b") == first
    assert generate(run, tmp_path / "c", seed=4)["transactions"] != first["transactions"]


def test_history_ends_on_as_of_when_until_is_not_given(run, tmp_path):
    result = run(
        "--as-of", "2025-01-31", "fixtures", "generate", "--members", 50, "--products", 80,
        "--out", tmp_path,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    last_line = (tmp_path / "transactions.csv").read_text().strip().splitlines()[-1]
    assert last_line.split(",")[2] < "2025-02-01"
    assert last_line.split(",")[2] >= "2025-01-01"


def test_generated_files_import_end_to_end(run, tmp_path):
    generate(run, tmp_path)
    for kind in ("members", "products", "transactions"):
        result = run("import", kind, tmp_path / f"{kind}.csv")
        assert result.exit_code == 0, result.output
    status = json.loads(run("status", "--json").output)
    assert status["members"] == 120 and status["products"] == 150
    assert status["transactions"] > 1000
