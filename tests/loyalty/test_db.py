"""The embedded database as ``connect`` makes it: a write-ahead log and 16 KB pages."""

from __future__ import annotations

import sqlite3

from loyalty.config import Settings
from loyalty.db import connect


def _pragma(path, name: str):
    with sqlite3.connect(path) as connection:
        return connection.execute(f"PRAGMA {name}").fetchone()[0]


def test_a_new_sqlite_database_gets_16_kb_pages_and_a_write_ahead_log(tmp_path):
    settings = Settings(data_dir=tmp_path / "data")
    connect(settings).dispose()
    path = tmp_path / "data" / "loyalty.db"
    assert _pragma(path, "page_size") == 16384
    assert _pragma(path, "journal_mode") == "wal"


def test_an_existing_sqlite_database_keeps_its_pages(tmp_path):
    path = tmp_path / "data" / "loyalty.db"
    path.parent.mkdir()
    with sqlite3.connect(path) as connection:  # made elsewhere, with the default 4 KB pages
        connection.execute("CREATE TABLE made_before (x INTEGER)")
    connect(Settings(data_dir=tmp_path / "data")).dispose()
    assert _pragma(path, "page_size") == 4096
    assert _pragma(path, "journal_mode") == "wal"
