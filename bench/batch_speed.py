"""``generate-offers`` end to end against the bare float32 matrix product, in one run.

Usage::

    python bench/batch_speed.py DATA_DIR --campaign NAME [--workers 2] [--spark]

``DATA_DIR`` is a ``LOYALTY_DATA_DIR`` with data, a trained model, benefits and the campaign
(the steps of ``make run``). The reference is the bare float32 product of every member's
factors with every product's factors (``bench/bound.py``) with as many BLAS threads as
workers, timed after the runs; the run is ``run_campaign`` with rules, benefits, budget and
writing to the database. With ``--spark``
the Spark engine at ``local[2]`` is timed too. Prints seconds, the ratio to the reference
(issue goal: at most 3x) and the peak memory of each run with its worker processes (the sum
of their proportional set sizes, sampled every 2 s; goal: under 8 GB).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from bound import gemm_seconds
from threadpoolctl import threadpool_limits
from tree_memory import TreePeak

from loyalty.clock import today
from loyalty.config import Settings
from loyalty.db import database
from recommender.campaign_runs import Generation, run_campaign
from recommender.store import ModelStore


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--campaign", required=True)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--spark", action="store_true")
    options = parser.parse_args()
    settings = Settings.from_env().with_overrides(data_dir=options.data_dir)
    store = ModelStore(settings.models_dir)
    runs = {"local": Generation(workers=options.workers)}
    if options.spark:
        runs["spark local[2]"] = Generation(spark_master="local[2]")
    timed = {}
    with database(settings) as engine:
        for name, how in runs.items():
            started = time.perf_counter()
            with TreePeak() as peak:
                run = run_campaign(engine, store, options.campaign, today(settings), how=how)
            timed[name] = (time.perf_counter() - started, run.summary["members"], peak.gigabytes)
    # The reference comes after the runs: timed first, the model it loads into this process
    # stayed mapped and counted in the runs' peak memory (5.8 GB against 5.0 to 5.5 GB).
    with threadpool_limits(options.workers):
        model = store.load()
        reference = gemm_seconds(model.user_factors_, model.item_factors_)
    print(f"bare float32 member x product factors: {reference:.2f} s")
    for name, (seconds, members, gigabytes) in timed.items():
        print(
            f"{name:>15}: {seconds:.1f} s for {members:,} members "
            f"({members / seconds:,.0f}/s), {seconds / reference:.2f}x the product "
            f"(goal <= 3x); peak memory with its workers {gigabytes:.2f} GB (goal < 8 GB)"
        )


if __name__ == "__main__":
    main()
