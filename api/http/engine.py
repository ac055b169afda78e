"""The engine as a serving worker holds it: the current model and the catalogue, in memory.

A new model version (``loyalty train``) is picked up by every worker on its next request, with
no restart: the store's ``current`` pointer is a small file, read at most once a second. The
new model is loaded before it replaces the old one, so no request fails or sees half a model.
"""

from __future__ import annotations

import threading
import time
from datetime import date

import pandas as pd
from flask import Flask, current_app

from api.http.database import get_engine, get_settings
from api.http.health import add_readiness_check
from loyalty.brand_fit.compile import CompiledRules, compile_rules
from loyalty.brand_fit.store import current_rule_set, current_version
from loyalty.events import member_purchases_after
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
        self.names: pd.Series | None = None  # product name by id
        self._checked_at = 0.0
        self._compiled: CompiledRules | None = None
        self._rules_key: tuple | None = None
        self._lock = threading.RLock()
        self._events_through = 0
        self._folded: dict[str, int] = {}

    def rules(self, day: date) -> CompiledRules | None:
        """The current rule set compiled for ``day``; None before the first publish.

        Each call reads only the current rule set's number (a one-row query); the rules are
        loaded and compiled again only when the number, the day or the model (with its
        catalogue) changes, so a publish reaches the next request.
        """
        model_version, _, products = self.current()
        key = (current_version(get_engine()), day, model_version)
        if key[0] is not None and key != self._rules_key:
            version, rules = current_rule_set(get_engine())
            self._compiled = compile_rules(rules, products, day, version)
            key = (version, day, model_version)
        self._rules_key = key
        return None if key[0] is None else self._compiled

    def for_member(self, member_id: str) -> tuple[str, SelectionModel, pd.DataFrame]:
        """:meth:`current`, with the member's purchase events since training folded in.

        Any worker's ``POST /v1/events`` reaches the member's next request on every worker:
        the events table numbers events, the model's metadata says up to which number its
        training saw them, and each worker remembers what it folded in per member.
        """
        version, model, products = self.current()
        with self._lock:
            seen = self._folded.get(member_id, self._events_through)
            new = member_purchases_after(get_engine(), member_id, seen)
            if len(new):
                model.update_member(member_id, new)
                self._folded[member_id] = int(new["event_id"].max())
        return version, model, products

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
                    through = self.store.metadata(version).get("events_through", 0)
                    self.products = load_products(get_engine())
                    self.names = self.products.drop_duplicates("product_id").set_index(
                        "product_id"
                    )["name"]
                    self.version, self.model = version, model
                    self._events_through, self._folded = through, {}
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
