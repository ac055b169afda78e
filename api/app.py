"""The HTTP API's application factory: ``create_app()``, as in Flask's tutorial.

Configuration: the defaults below, then ``LOYALTY_HTTP_*`` environment variables (for example
``LOYALTY_HTTP_MAX_CONTENT_LENGTH=4194304``), then ``test_config``. The engine's own settings
(database, data folder, today) come from ``loyalty.config.Settings``.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask import Flask

from api.http import (
    auth,
    benefits,
    campaigns,
    database,
    docs,
    engine,
    errors,
    events,
    health,
    imports,
    marketer,
    members,
    metrics,
    offers,
    paths,
    products,
    rules,
    schemas,
    selections,
)
from api.http import status as data_status
from loyalty.config import Settings

DEFAULTS = {
    "API_TITLE": "Loyalty personalization engine",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "API_SPEC_OPTIONS": {
        "info": {
            "description": (
                "Personal selections and offers for every loyalty member. Send an API key as "
                "`Authorization: Bearer KEY` (make one with `loyalty keys create`). Roles: "
                "`channel` reads selections, offers and products, sends events and redeems; "
                "`marketer` manages rules and benefits and reads members and reports; `admin` "
                "imports data and may do everything. Every error has the shape "
                "`{code, status, message, errors}`."
            )
        }
    },
    # Bodies of ordinary requests; file uploads to /v1/imports have their own, larger limit.
    "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
    "IMPORT_MAX_CONTENT_LENGTH": 512 * 1024 * 1024,
    # How long an accepted API key is trusted without asking the database again.
    "KEY_CACHE_SECONDS": 5.0,
    # Folder shared by gunicorn workers for Prometheus metrics; empty for one process.
    "METRICS_DIR": "",
    **docs.DEFAULTS,
}

BLUEPRINTS = (
    health.blp,
    metrics.blp,
    members.blp,
    products.blp,
    imports.blp,
    data_status.blp,
    selections.blp,
    rules.blp,
    offers.blp,
    events.blp,
    benefits.blp,
    campaigns.blp,
)


def create_app(
    settings: Settings | None = None, test_config: Mapping[str, object] | None = None
) -> Flask:
    """Build the HTTP API for the engine configured by ``settings`` (default: the environment)."""
    app = Flask(__name__)
    paths.init_app(app)
    app.json.sort_keys = False
    app.config.from_mapping(DEFAULTS)
    app.config.from_prefixed_env("LOYALTY_HTTP")
    if test_config is not None:
        app.config.from_mapping(test_config)
    database.init_app(app, Settings.from_env() if settings is None else settings)
    metrics.init_app(app)
    api = errors.LoyaltyApi(app)
    errors.init_app(app)
    auth.init_app(app, api)
    schemas.init_app(api)
    docs.init_app(app)
    health.init_app(app)
    engine.init_app(app)
    for blueprint in BLUEPRINTS:
        api.register_blueprint(blueprint)
    app.register_blueprint(marketer.blp)  # a page, not an API operation: not in the document
    return app
