"""``/metrics``: Prometheus text with request counts and latencies per route, and the model
and rule-set versions serving (``loyalty_model_version_info``, ``loyalty_ruleset_version``).

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
from prometheus_client.core import GaugeMetricFamily

from api.http.database import get_engine, get_settings
from loyalty.brand_fit.store import current_version
from recommender.store import ModelStore

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
        versions = CollectorRegistry()
        versions.register(_Versions())
        text = generate_latest(registry) + generate_latest(versions)
        return Response(text, content_type=CONTENT_TYPE_LATEST)


class _Versions:
    """What serves now: read at scrape time, so every worker reports the same."""

    def collect(self):
        model = ModelStore(get_settings().models_dir).current_version()
        info = GaugeMetricFamily(
            "loyalty_model_version_info", "The current model version (1).", labels=["version"]
        )
        info.add_metric([model or "none"], 1.0)
        yield info
        rule_set = current_version(get_engine())
        yield GaugeMetricFamily(
            "loyalty_ruleset_version",
            "The current published rule set's number (0 before the first publish).",
            value=float(rule_set or 0),
        )
