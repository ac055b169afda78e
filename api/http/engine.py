"""The engine as a serving worker holds it: the current model and the catalogue, in memory.

A new model version (``loyalty train``) is picked up by every worker on its next request, with
no restart: the store's ``current`` pointer is a small file, read at most once a second. The
new model is loaded before it replaces the old one, so no request fails or sees half a model.
"""

from __future__ import annotations

import threading
import time

import pandas as pd
from flask import Flask, current_app

from api.http.database import get_engine, get_settings
from api.http.health import add_readiness_check
from loyalty.history import load_products
from recommender.model import SelectionModel
from recommender.store import ModelStore

EXTENSION = "loyalty.engine"
POINTER_CHECK_SECONDS = 1.0


class ServingEngine:
    """The current model and the catalogue of one worker process."""

    def __init__(self, store: ModelStore):
        self.store = store
        self.version: str | None = None
        self.model: SelectionModel | None = None
        self.products: pd.DataFrame | None = None
        self._checked_at = 0.0
        self._lock = threading.Lock()

    def current(self) -> tuple[str, SelectionModel, pd.DataFrame]:
        """The current model version, the model and the catalogue it serves.

        Raises ``ModelNotFoundError`` while no model was trained.
        """
        with self._lock:
            now = time.monotonic()
            if self.model is None or now - self._checked_at >= POINTER_CHECK_SECONDS:
                self._checked_at = now
                version = self.store.current_version()
                if version != self.version or self.model is None:
                    model = self.store.load(version)
                    self.products = load_products(get_engine())
                    self.version, self.model = version, model
            return self.version, self.model, self.products


def init_app(app: Flask) -> None:
    """Attach a serving engine over the models folder and make ``/readyz`` ask for a model."""
    app.extensions[EXTENSION] = None
    add_readiness_check(app, "model", lambda: serving_engine().current())


def serving_engine() -> ServingEngine:
    """The serving engine of the current app, made on first use in this process."""
    engine = current_app.extensions.get(EXTENSION)
    if engine is None:
        engine = ServingEngine(ModelStore(get_settings().models_dir))
        current_app.extensions[EXTENSION] = engine
    return engine
