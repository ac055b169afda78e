"""Worker processes of a batch run: a worker that dies fails the run instead of hanging it."""

from __future__ import annotations

import os

import numpy as np
import pytest

from recommender.batch import Staging, Workers
from recommender.errors import WorkerLostError


def _die():
    os._exit(9)  # as a process killed while loading the model (out of memory, say)


def test_a_worker_that_dies_fails_the_run_and_keeps_the_staging(tmp_path):
    staging = Staging(tmp_path / "run")
    with Workers(_die, 2) as workers, pytest.raises(WorkerLostError, match="--resume"):
        list(workers.choose(None, staging, {0: np.array(["M1"]), 1: np.array(["M2"])}))
    assert staging.directory.exists() and staging.done(2) == []
