"""Interactive API docs at ``/docs``, with Swagger UI served from the installed package.

No CDN: the page works on a machine without internet. The online spec validator badge is
switched off for the same reason.
"""

from __future__ import annotations

from flask import Blueprint, Flask
from swagger_ui_bundle import swagger_ui_path

ASSETS_URL = "/docs/assets"

DEFAULTS = {
    "OPENAPI_URL_PREFIX": "/",
    "OPENAPI_JSON_PATH": "openapi.json",
    "OPENAPI_SWAGGER_UI_PATH": "docs",
    "OPENAPI_SWAGGER_UI_URL": ASSETS_URL + "/",
    "OPENAPI_SWAGGER_UI_CONFIG": {"validatorUrl": None},
}


def init_app(app: Flask) -> None:
    """Serve Swagger UI's scripts and styles under ``/docs/assets``."""
    assets = Blueprint(
        "docs_assets", __name__, static_folder=swagger_ui_path, static_url_path=ASSETS_URL
    )
    app.register_blueprint(assets)
