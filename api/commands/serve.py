"""``loyalty serve``: the HTTP API under gunicorn, one BLAS thread per worker process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile

import click

from loyalty.db import connect
from recommender.curation import compile_kernels


def gunicorn_command(host: str, port: int, workers: int) -> list[str]:
    """The gunicorn command line that serves ``api.app:create_app()``."""
    return [
        sys.executable, "-m", "gunicorn",
        "--config", "python:api.http.serving",
        "--bind", f"{host}:{port}",
        "--workers", str(workers),
    ]  # fmt: skip


def worker_environment(settings, metrics_dir: str) -> dict[str, str]:
    """The environment of the server: the caller's, plus what the workers need."""
    environment = dict(os.environ)
    environment.update(
        OPENBLAS_NUM_THREADS="1",
        PROMETHEUS_MULTIPROC_DIR=metrics_dir,
        LOYALTY_HTTP_METRICS_DIR=metrics_dir,
    )
    if settings.as_of is not None:
        environment["LOYALTY_AS_OF"] = settings.as_of.isoformat()
    return environment


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64))
@click.pass_obj
def serve(settings, host: str, port: int, workers: int) -> None:
    """Serve the HTTP API (docs at /docs, OpenAPI at /openapi.json) until interrupted.

    The database is migrated and the compiled kernels are loaded (compiled on a machine's
    first run) once here, before the workers start.
    """
    connect(settings).dispose()
    compile_kernels()
    with tempfile.TemporaryDirectory(prefix="loyalty-metrics-") as metrics_dir:
        server = subprocess.Popen(
            gunicorn_command(host, port, workers), env=worker_environment(settings, metrics_dir)
        )
        # A service manager stops us with SIGTERM: gunicorn then finishes its requests and exits.
        signal.signal(signal.SIGTERM, lambda signum, _frame: server.send_signal(signum))
        try:
            code = server.wait()
        except KeyboardInterrupt:
            # Ctrl-C reached gunicorn too; let it finish its requests and stop.
            code = server.wait()
    sys.exit(code)
