"""``loyalty serve``: gunicorn workers with one BLAS thread, metrics shared between them."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import date

from api.commands.serve import gunicorn_command, worker_environment
from loyalty.config import Settings


def test_workers_get_one_blas_thread_and_a_shared_metrics_folder(tmp_path):
    environment = worker_environment(Settings(as_of=date(2017, 10, 1)), str(tmp_path))
    assert environment["OPENBLAS_NUM_THREADS"] == "1"
    assert environment["PROMETHEUS_MULTIPROC_DIR"] == environment["LOYALTY_HTTP_METRICS_DIR"]
    assert environment["LOYALTY_AS_OF"] == "2017-10-01"
    command = gunicorn_command("127.0.0.1", 8000, 3)
    assert command[1:3] == ["-m", "gunicorn"] and "3" in command


def test_serve_answers_until_stopped(tmp_path):
    port = _free_port()
    environment = {
        **worker_environment(Settings(), ""),
        "LOYALTY_DATA_DIR": str(tmp_path),
        "LOYALTY_DATABASE_URL": "",
    }
    server = subprocess.Popen(
        [sys.executable, "-c", "from api.cli import main; main()", "serve", "--port", str(port)],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        health = _get_when_up(f"http://127.0.0.1:{port}/healthz")
        assert json.loads(health) == {"status": "alive"}
        metrics = _get_when_up(f"http://127.0.0.1:{port}/metrics").decode()
        assert 'route="/healthz",status="200"' in metrics
    finally:
        server.terminate()
        assert server.wait(timeout=30) == 0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get_when_up(url: str, seconds: float = 30) -> bytes:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.read()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
