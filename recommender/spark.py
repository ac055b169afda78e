"""The first phase of offer generation on Apache Spark, for member bases beyond one machine.

The model (as its plain arrays, the same ones ``ModelStore`` saves) and the offer context
(campaign, benefits, catalogue, members, compiled rules) are broadcast once; the blocks of
members are the partitions' work, each scored by :func:`recommender.offers.choose_offers`
exactly as the local engine does, so the offers are identical. The driver collects the blocks'
choices and spends the budget (:func:`recommender.offers.finish_offers`).

``pyspark`` is an optional extra: ``pip install 'loyalty-engine[spark]'``. ``--master`` takes
any Spark master URL: ``local[2]`` on one machine, ``spark://host:7077`` or ``yarn`` for a
cluster, whose executors need this package installed (the same version) and Java 17+; their
Python is ``PYSPARK_PYTHON`` (default: the driver's own interpreter).
"""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from loyalty.errors import ConfigError
from recommender.curation import compile_kernels
from recommender.model import SelectionModel
from recommender.offers import OfferContext, choose_offers

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

_MODELS: dict[str, SelectionModel] = {}


@contextmanager
def spark_started(master: str) -> Iterator[Callable[[], SparkSession]]:
    """A Spark session on ``master``, started in a thread while the caller goes on reading
    members and rules: its JVM took 8 to 10 s to start on 2 cores, its Python workers 2 to 3 s
    more. Yields a function that waits for the session; it is stopped on leaving.
    """
    try:
        import pyspark  # noqa: F401
    except ImportError:
        raise ConfigError(
            "the Spark engine needs pyspark: pip install 'loyalty-engine[spark]'"
        ) from None
    with ThreadPoolExecutor(1) as starter:
        starting = starter.submit(_session, master)
        try:
            yield starting.result
        finally:
            if starting.exception() is None:
                starting.result().stop()


def _session(master: str) -> SparkSession:
    """A session on ``master`` whose Python workers have this package and its compiled
    kernels loaded (Spark reuses its Python workers from task to task)."""
    from pyspark.sql import SparkSession

    # Spark starts its Python workers with PYSPARK_PYTHON: ours, unless the user chose one.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    spark = (
        SparkSession.builder.master(master)
        .appName("loyalty-generate-offers")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.executorEnv.OPENBLAS_NUM_THREADS", "1")
        .getOrCreate()
    )
    workers = spark.sparkContext.defaultParallelism
    spark.sparkContext.parallelize(range(workers), workers).foreach(_warm)
    return spark


def _warm(_) -> None:
    compile_kernels()  # loads them from numba's cache


def choose_on_spark(
    model: SelectionModel, context: OfferContext, blocks: list[np.ndarray], spark: SparkSession
) -> pd.DataFrame:
    """Every block's choices, computed on the ``spark`` session; blocks in their order."""
    token = uuid.uuid4().hex  # names this model in the executors' cache
    payload = (token, model.to_arrays(), model.get_params(), context)
    shared = spark.sparkContext.broadcast(payload)
    work = spark.sparkContext.parallelize(list(enumerate(blocks)), max(len(blocks), 1))
    done = work.mapPartitions(lambda part: _choose(part, shared)).collect()
    parts = [chosen for _, chosen in sorted(done, key=lambda item: item[0])]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def _choose(partition, shared):
    """On an executor: the choices of this partition's blocks (the model is built once)."""
    token, arrays, params, context = shared.value
    model = _MODELS.get(token)
    if model is None:
        model = _MODELS[token] = SelectionModel.from_arrays(arrays, params)
    for block, member_ids in partition:
        yield block, choose_offers(model, context, member_ids)
