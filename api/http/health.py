"""``/healthz`` (the process answers) and ``/readyz`` (every readiness check passes).

Readiness is a list of named checks; other parts of the app add theirs with
``add_readiness_check`` (the model store will add "model loaded").
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from sqlalchemy import select

from api.http.database import get_engine
from api.http.schemas import Health, Readiness

CHECKS = "loyalty.readiness"

blp = Blueprint("health", __name__, description="Probes for load balancers and orchestrators.")


def init_app(app: Flask) -> None:
    """Start the list of readiness checks with the database."""
    app.extensions[CHECKS] = {}
    add_readiness_check(app, "database", database_reachable)


def add_readiness_check(app: Flask, name: str, check: Callable[[], None]) -> None:
    """Make ``/readyz`` also call ``check``, which raises when the app is not ready."""
    app.extensions[CHECKS][name] = check


def database_reachable() -> None:
    """The database answers a query (and is migrated, on first use in this process)."""
    with get_engine().connect() as connection:
        connection.execute(select(1))


@blp.route("/healthz")
class Alive(MethodView):
    """Liveness."""

    @blp.response(200, Health)
    def get(self):
        """The process is alive (checks nothing else)."""
        return {"status": "alive"}


@blp.route("/readyz")
class Ready(MethodView):
    """Readiness."""

    @blp.response(200, Readiness)
    @blp.alt_response(503, response="SERVICE_UNAVAILABLE")
    def get(self):
        """Every readiness check passes: the database is reachable."""
        failures = {}
        for name, check in current_app.extensions[CHECKS].items():
            try:
                check()
            # A probe must answer whatever broke; the cause goes to the log, not the client.
            except Exception as error:
                current_app.logger.warning("readiness check %s failed: %r", name, error)
                failures[name] = [f"failed: {type(error).__name__}"]
        if failures:
            abort(503, message=f"not ready: {', '.join(failures)}", errors=failures)
        return {"status": "ready", "checks": dict.fromkeys(current_app.extensions[CHECKS], "ok")}
