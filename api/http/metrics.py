"""``/metrics``: Prometheus text with request counts and latencies per route.

Under gunicorn each worker is its own process; ``loyalty serve`` then sets
``PROMETHEUS_MULTIPROC_DIR`` (for prometheus_client) and ``METRICS_DIR`` (for this app) to one
folder, and ``/metrics`` adds up every worker's numbers from it.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from flask import Flask, Response, current_app, g, request
from flask.views import MethodView
from flask_smorest import Blueprint
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

EXTENSION = "loyalty.metrics"
# /v1/members/<string(maxlength=64):member_id> is labelled /v1/members/{member_id}.
VARIABLE = re.compile(r"<(?:[^:>]+:)?([^>]+)>")

blp = Blueprint("metrics", __name__, description="Prometheus metrics.")


@dataclass(frozen=True)
class RequestMetrics:
    """The app's own registry and its two request metrics."""

    registry: CollectorRegistry
    requests: Counter
    latency: Histogram


def init_app(app: Flask) -> None:
    """Count and time every request of ``app``."""
    registry = CollectorRegistry()
    app.extensions[EXTENSION] = RequestMetrics(
        registry,
        Counter(
            "loyalty_http_requests",
            "HTTP requests answered, by method, route and status code.",
            ["method", "route", "status"],
            registry=registry,
        ),
        Histogram(
            "loyalty_http_request_duration_seconds",
            "Time to answer an HTTP request, by method and route.",
            ["method", "route"],
            registry=registry,
        ),
    )
    app.before_request(_start_clock)
    app.after_request(_record)


def _start_clock() -> None:
    g.request_started = time.perf_counter()


def _record(response: Response) -> Response:
    metrics: RequestMetrics = current_app.extensions[EXTENSION]
    rule = request.url_rule
    route = VARIABLE.sub(r"{\1}", rule.rule) if rule is not None else "unmatched"
    metrics.requests.labels(request.method, route, str(response.status_code)).inc()
    started = g.get("request_started")
    if started is not None:
        metrics.latency.labels(request.method, route).observe(time.perf_counter() - started)
    return response


@blp.route("/metrics")
class Metrics(MethodView):
    """Prometheus exposition."""

    @blp.response(200, content_type="text/plain", description="Prometheus text format")
    def get(self):
        """Request counts and latencies per route, for Prometheus to scrape."""
        folder = current_app.config["METRICS_DIR"]
        if folder:
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry, path=folder)
        else:
            registry = current_app.extensions[EXTENSION].registry
        return Response(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
