"""Gunicorn configuration for ``loyalty serve`` (loaded with ``-c python:api.http.serving``).

Workers are processes, each with one BLAS thread: scoring one member is a small matrix
product, which thread start-up would only slow down (see DESIGN.md, "Serving").
"""

from __future__ import annotations

wsgi_app = "api.app:create_app()"
worker_class = "sync"
# The engine is opened in each worker after the fork, never in the master.
preload_app = False
# Gunicorn's control socket sits at one path per user, so two servers on a machine would clash.
control_socket_disable = True


def post_fork(server, worker) -> None:
    """Limit BLAS to one thread in the new worker, whatever was loaded before the fork."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")


def child_exit(server, worker) -> None:
    """Let the Prometheus numbers of a finished worker stop counting as live."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
