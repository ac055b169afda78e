"""``recommend --all`` throughput against the bare float32 GEMM bound, and its peak memory.

Usage: ``python bench/recommend_speed.py [FIXTURE_DIR]`` (default ``/tmp/fx100k``). The model
is trained once and kept in ``/tmp/loyalty-bench-models/<fixture>``. The GEMM bound is the
time of member factors x item factors for the same members (``bench/bound.py``); throughput
is that time over the time of the whole selection (scores, masks, top-n, kinds and reasons).
Goals: throughput >= 60% of the bound, peak memory <= 2 GB (the Python/numpy allocations of
the run, traced, and the process's peak resident size with the model loaded).
"""

from __future__ import annotations

import argparse
import resource
import time
import tracemalloc
from pathlib import Path

import pandas as pd
from bound import gemm_seconds
from threadpoolctl import threadpool_limits
from train_speed import read

from recommender.errors import ModelNotFoundError
from recommender.model import SelectionModel
from recommender.selection import recommend
from recommender.store import ModelStore


def trained_model(directory: Path, products) -> SelectionModel:
    """The fixture's model from the bench store, training it the first time."""
    store = ModelStore(Path("/tmp/loyalty-bench-models") / directory.name)
    try:
        return store.load()
    except ModelNotFoundError:
        transactions, _ = read(directory)
        store.save(SelectionModel(random_state=0).fit(transactions, products))
        return store.load()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", nargs="?", default="/tmp/fx100k", type=Path)
    args = parser.parse_args()
    products = pd.read_csv(args.directory / "products.csv", dtype={"product_id": str})
    model = trained_model(args.directory, products)
    members, catalogue = model.dataset_.shape
    with threadpool_limits(1, "blas"):
        bound = gemm_seconds(model.user_factors_, model.item_factors_)
        started = time.perf_counter()
        selection = recommend(model, None, n=10, products=products)
        seconds = time.perf_counter() - started
        # A second, untimed run measures allocations (tracing slows allocation down).
        del selection
        tracemalloc.start()
        selection = recommend(model, None, n=10, products=products)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    print(f"{members:,} members x {catalogue:,} products, {len(selection):,} rows")
    print(f"GEMM bound {bound:.2f} s, recommend --all {seconds:.2f} s")
    print(f"throughput {bound / seconds:.0%} of the GEMM bound (goal >= 60%)")
    print(f"peak memory of recommend {peak / 2**30:.2f} GB (goal <= 2 GB), ", end="")
    print(f"process peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.2f} GB")


if __name__ == "__main__":
    main()
