"""The app's database engine: one per process, opened on first use, closed with the app.

Gunicorn forks its workers after importing the app; a connection pool must never cross a fork,
so the engine is made lazily in the process that serves the request.
"""

from __future__ import annotations

import os
import threading

from flask import Flask, current_app
from sqlalchemy import Engine

from loyalty.config import Settings
from loyalty.db import connect

EXTENSION = "loyalty"


class Database:
    """The settings of one app and the engine of the process serving it."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._engine: Engine | None = None
        self._pid: int | None = None
        self._lock = threading.Lock()

    @property
    def engine(self) -> Engine:
        """The engine of this process, migrated to the newest schema on first use."""
        with self._lock:
            if self._engine is None or self._pid != os.getpid():
                self._engine = connect(self.settings)
                self._pid = os.getpid()
            return self._engine

    def close(self) -> None:
        """Close every pooled connection (tests call this; workers simply exit)."""
        with self._lock:
            if self._engine is not None:
                self._engine.dispose()
                self._engine = None


def init_app(app: Flask, settings: Settings) -> None:
    """Attach the settings and a lazily opened engine to ``app``."""
    app.extensions[EXTENSION] = Database(settings)


def get_database() -> Database:
    """The ``Database`` of the current app."""
    return current_app.extensions[EXTENSION]


def get_engine() -> Engine:
    """The engine of the current app in this process."""
    return get_database().engine


def get_settings() -> Settings:
    """The settings of the current app."""
    return get_database().settings
