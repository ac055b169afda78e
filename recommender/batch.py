"""Batch generation: a campaign's offers for every member, in blocks, resumable, in parallel.

Generation has two phases (``recommender.offers``). The first, per member, is where the time
goes: one matrix product per block of members, the rules, benefit choice and per-member limits
(:func:`recommender.offers.choose_offers`). The second is global and small: the budget goes to
the offers worth most across all members (:func:`recommender.offers.finish_offers`).

The first phase runs block by block, in ``workers`` processes, or on Apache Spark
(:mod:`recommender.spark`). Each finished block is written to the run's staging folder as a
Parquet file (written to a temporary name, then renamed: a file there is a whole block). An
interrupted run (Ctrl-C, a killed process, a full disk) leaves its finished blocks; resuming
computes only the missing ones. Blocks depend only on their own members, so the result is the
same however the members were split, in whatever order and wherever the blocks ran.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from recommender.model import SelectionModel
from recommender.offers import OfferContext, choose_offers

BLOCK_MEMBERS = 10_000


@dataclass(frozen=True)
class Staging:
    """The staging folder of one run: one Parquet file per finished block of members."""

    directory: Path

    def part(self, block: int) -> Path:
        return self.directory / f"block-{block:05d}.parquet"

    def done(self, blocks: int) -> list[int]:
        """Blocks already finished."""
        return [b for b in range(blocks) if self.part(b).exists()]

    def write(self, block: int, chosen: pd.DataFrame) -> None:
        """Write one block whole or not at all."""
        self.directory.mkdir(parents=True, exist_ok=True)
        temporary = self.part(block).with_suffix(".tmp")
        chosen.to_parquet(temporary, index=False)
        temporary.rename(self.part(block))

    def read(self, blocks: int) -> pd.DataFrame:
        parts = [pd.read_parquet(self.part(b)) for b in range(blocks)]
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()

    def remove(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)


def member_blocks(member_ids: np.ndarray, size: int = BLOCK_MEMBERS) -> list[np.ndarray]:
    """The members in blocks of ``size``, in the order given."""
    return [member_ids[start : start + size] for start in range(0, len(member_ids), size)]


def choose_in_blocks(
    model: SelectionModel | Callable[[], SelectionModel],
    context: OfferContext,
    blocks: list[np.ndarray],
    staging: Staging,
    *,
    workers: int = 1,
    progress: Callable[[int], None] | None = None,
) -> pd.DataFrame:
    """The first phase for every block not staged yet; returns every block's choices.

    ``model`` is the model, or (with ``workers > 1``) a function that loads it in each worker
    process. ``progress`` is called with the number of members of each block as it finishes.
    """
    missing = [b for b in range(len(blocks)) if b not in set(staging.done(len(blocks)))]
    if progress is not None:
        progress(sum(len(blocks[b]) for b in range(len(blocks)) if b not in missing))
    for block, chosen in _run_blocks(model, context, blocks, missing, workers):
        staging.write(block, chosen)
        if progress is not None:
            progress(len(blocks[block]))
    return staging.read(len(blocks))


def _run_blocks(model, context, blocks, missing, workers) -> Iterator[tuple[int, pd.DataFrame]]:
    if workers <= 1 or len(missing) <= 1:
        loaded = model() if callable(model) else model
        for block in missing:
            yield block, choose_offers(loaded, context, blocks[block])
        return
    spawn = multiprocessing.get_context("spawn")
    threads = max(1, (os.cpu_count() or 1) // workers)
    start = (model, context, threads)
    with spawn.Pool(workers, initializer=_start_worker, initargs=start) as pool:
        jobs = [(block, blocks[block]) for block in missing]
        yield from pool.imap_unordered(_worker_block, jobs)


_WORKER: dict = {}


def _start_worker(load_model, context: OfferContext, threads: int) -> None:
    """Runs once in each worker process: load the model, keep the context.

    The matrix products get the worker's share of the cores: with every worker's BLAS
    starting a thread per core, two workers on two cores took 1.7x as long per block.
    """
    threadpool_limits(threads, "blas")
    _WORKER["model"], _WORKER["context"] = load_model(), context


def _worker_block(job: tuple[int, np.ndarray]) -> tuple[int, pd.DataFrame]:
    block, member_ids = job
    return block, choose_offers(_WORKER["model"], _WORKER["context"], member_ids)
