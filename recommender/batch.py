"""Batch generation: a campaign's offers for every member, in blocks, resumable, in parallel.

Generation has two phases (``recommender.offers``). The first, per member, is where the time
goes: one matrix product per block of members, the rules, benefit choice and per-member limits
(:func:`recommender.offers.choose_offers`). The second is global and small: the budget goes to
the offers worth most across all members (:func:`recommender.offers.finish_offers`).

The first phase runs block by block, in ``workers`` processes, or on Apache Spark
(:mod:`recommender.spark`). Each finished block is written to the run's staging folder as an
Arrow IPC (Feather) file (written to a temporary name, then renamed: a file there is a whole
block). An interrupted run (Ctrl-C, a killed process, a full disk) leaves its finished blocks;
resuming computes only the missing ones. Blocks depend only on their own members, so the
result is the same however the members were split, in whatever order and wherever the blocks
ran.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import shutil
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from recommender.curation import compile_kernels
from recommender.errors import WorkerLostError
from recommender.model import SelectionModel
from recommender.offers import OfferContext, choose_offers

BLOCK_MEMBERS = 10_000


@dataclass(frozen=True)
class Staging:
    """The staging folder of one run: one Arrow IPC file per finished block of members
    (uncompressed: a million members' blocks took 1.6 s of the workers' time to write and
    0.7 s to read back as Parquet, about half that as Arrow)."""

    directory: Path

    def part(self, block: int) -> Path:
        return self.directory / f"block-{block:05d}.arrow"

    def done(self, blocks: int) -> list[int]:
        """Blocks already finished."""
        return [b for b in range(blocks) if self.part(b).exists()]

    def write(self, block: int, chosen: pd.DataFrame) -> None:
        """Write one block whole or not at all."""
        self.directory.mkdir(parents=True, exist_ok=True)
        temporary = self.part(block).with_suffix(".tmp")
        chosen.to_feather(temporary, compression="uncompressed")
        temporary.rename(self.part(block))

    def read(self, block: int) -> pd.DataFrame:
        return pd.read_feather(self.part(block))

    def remove(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)


def member_blocks(member_ids: np.ndarray, size: int = BLOCK_MEMBERS) -> list[np.ndarray]:
    """The members in blocks of ``size``, in the order given."""
    return [member_ids[start : start + size] for start in range(0, len(member_ids), size)]


def choose_in_blocks(
    scorer: SelectionModel | Workers,
    context: OfferContext,
    blocks: list[np.ndarray],
    staging: Staging,
    *,
    progress: Callable[[int], None] | None = None,
) -> pd.DataFrame:
    """The first phase for every block not staged yet; returns every block's choices.

    ``scorer`` is the model (blocks are chosen in this process) or :class:`Workers`.
    ``progress`` is called with the number of members of each block as it finishes.
    """
    done = set(staging.done(len(blocks)))  # once: a look at the folder per block
    missing = {b: blocks[b] for b in range(len(blocks)) if b not in done}
    if progress is not None:
        progress(sum(len(blocks[b]) for b in done))
    if isinstance(scorer, Workers):
        finished = scorer.choose(context, staging, missing)
    else:
        finished = _choose_here(scorer, context, staging, missing)
    chosen = {}
    for block in finished:
        # Read as it finishes: the workers go on meanwhile (a million members' blocks took
        # 2 s to read at the end).
        chosen[block] = staging.read(block)
        if progress is not None:
            progress(len(blocks[block]))
    parts = [chosen[b] if b in chosen else staging.read(b) for b in range(len(blocks))]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def _choose_here(model, context, staging: Staging, blocks: dict) -> Iterator[int]:
    for block, member_ids in blocks.items():
        staging.write(block, choose_offers(model, context, member_ids))
        yield block


class Workers:
    """Worker processes that choose blocks of members; each loads the model once.

    They start (and load the model) as soon as they are made, before the run's context
    exists, so that loading overlaps with the driver reading members and rules. The context
    then reaches them through a file in the staging folder, read once by each; each writes
    the blocks it chooses to the staging folder itself (nothing travels back but the block's
    number). A worker that dies (killed, out of memory) fails the run with
    ``WorkerLostError``; the blocks staged so far stay for ``--resume``. Use as a context
    manager: leaving it stops the processes.

    The matrix products get each worker's share of the cores: with every worker's BLAS
    starting a thread per core, two workers on two cores took 1.7x as long per block.
    """

    def __init__(self, load_model: Callable[[], SelectionModel], count: int) -> None:
        threads = max(1, (os.cpu_count() or 1) // count)
        self._pool = ProcessPoolExecutor(
            count,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(load_model, threads),
        )
        # The pool starts a process per job submitted while none is idle: one job each
        # starts them all now.
        for _ in range(count):
            self._pool.submit(int)

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc) -> None:
        # Not waiting for them to exit: it took 0.6 s with a million members' model each.
        self._pool.shutdown(wait=False, cancel_futures=True)

    def choose(self, context: OfferContext, staging: Staging, blocks: dict) -> Iterator[int]:
        """Choose and stage ``blocks`` (block number -> member ids); yields each as it is done."""
        if not blocks:
            return
        staging.directory.mkdir(parents=True, exist_ok=True)
        shared = staging.directory / CONTEXT_FILE
        with open(shared, "wb") as file:
            pickle.dump(context, file, protocol=pickle.HIGHEST_PROTOCOL)
        jobs = [
            self._pool.submit(_worker_block, shared, staging, block, member_ids)
            for block, member_ids in blocks.items()
        ]
        try:
            for job in as_completed(jobs):
                yield job.result()
        except BrokenProcessPool:
            raise WorkerLostError(
                "a worker process ended before finishing its block (killed, out of memory, or "
                "it could not load the model); the blocks finished so far are kept: run again "
                "with --resume"
            ) from None


CONTEXT_FILE = "context.pickle"
_WORKER: dict = {}


def _start_worker(load_model: Callable[[], SelectionModel], threads: int) -> None:
    """Runs once in each worker process: limit BLAS threads, load the model and the compiled
    kernels (while the driver still reads the members: the first block took 0.4 s less)."""
    threadpool_limits(threads, "blas")
    _WORKER["model"] = load_model()
    compile_kernels()


def _worker_block(shared: Path, staging: Staging, block: int, member_ids: np.ndarray) -> int:
    if _WORKER.get("shared") != shared:  # the first block of this run in this worker
        with open(shared, "rb") as file:
            _WORKER["context"], _WORKER["shared"] = pickle.load(file), shared
    staging.write(block, choose_offers(_WORKER["model"], _WORKER["context"], member_ids))
    return block
