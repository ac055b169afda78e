"""Versioned model store: one folder per version, a ``current`` pointer switched atomically.

Layout under the store's directory::

    v0001/model.npz       arrays only (loaded with ``allow_pickle=False``)
    v0001/metadata.json   parameters, data window, timings, evaluation figures
    current               text file naming the current version

A version is written to a temporary folder and renamed into place, and ``current`` is
replaced with ``os.replace``, so a reader never sees half a model or half a pointer.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from pathlib import Path

import numpy as np

from recommender.errors import ModelNotFoundError
from recommender.model import SelectionModel

VERSION = re.compile(r"^v(\d{4,})$")


class ModelStore:
    """Saved models under ``directory`` (created on first save)."""

    def __init__(self, directory: str | os.PathLike):
        self.directory = Path(directory)

    def versions(self) -> list[str]:
        """Saved versions, oldest first."""
        if not self.directory.is_dir():
            return []
        names = [p.name for p in self.directory.iterdir() if p.is_dir() and VERSION.match(p.name)]
        return sorted(names, key=lambda name: int(name[1:]))

    def current_version(self) -> str | None:
        """The version ``load()`` returns, or None when nothing was saved."""
        pointer = self.directory / "current"
        return pointer.read_text().strip() if pointer.exists() else None

    def save(self, model: SelectionModel, metadata: dict | None = None, make_current=True) -> str:
        """Write ``model`` as a new version (and make it current); returns the version."""
        self.directory.mkdir(parents=True, exist_ok=True)
        existing = self.versions()
        version = f"v{(int(existing[-1][1:]) + 1 if existing else 1):04d}"
        staging = Path(tempfile.mkdtemp(prefix=".saving-", dir=self.directory))
        np.savez(staging / "model.npz", **model.to_arrays())
        document = {"version": version, **model.describe(), **(metadata or {})}
        (staging / "metadata.json").write_text(json.dumps(document, indent=2, default=str))
        staging.rename(self.directory / version)
        if make_current:
            self.set_current(version)
        return version

    def set_current(self, version: str) -> None:
        """Point ``current`` at ``version`` atomically (also used to roll back)."""
        if not (self.directory / version / "model.npz").exists():
            raise ModelNotFoundError(f"no model version {version!r} in {self.directory}")
        pointer = self.directory / ".current.tmp"
        pointer.write_text(version + "\n")
        os.replace(pointer, self.directory / "current")

    def metadata(self, version: str | None = None) -> dict:
        """The metadata of a version (current by default)."""
        folder = self._folder(version)
        return json.loads((folder / "metadata.json").read_text())

    def load(self, version: str | None = None) -> SelectionModel:
        """The model of ``version`` (current by default).

        Raises
        ------
        ModelNotFoundError
            Nothing saved yet, or no such version.
        """
        folder = self._folder(version)
        params = json.loads((folder / "metadata.json").read_text())["params"]
        with np.load(folder / "model.npz", allow_pickle=False) as arrays:
            return SelectionModel.from_arrays(arrays, params)

    def prune(self, keep: int = 3) -> list[str]:
        """Delete all but the newest ``keep`` versions, never the current one; returns deleted."""
        current = self.current_version()
        doomed = [v for v in self.versions()[: max(len(self.versions()) - keep, 0)] if v != current]
        for version in doomed:
            shutil.rmtree(self.directory / version)
        return doomed

    def _folder(self, version: str | None) -> Path:
        version = version or self.current_version()
        if version is None:
            raise ModelNotFoundError(f"no model saved in {self.directory}; run training first")
        folder = self.directory / version
        if not (folder / "model.npz").exists():
            raise ModelNotFoundError(f"no model version {version!r} in {self.directory}")
        return folder
