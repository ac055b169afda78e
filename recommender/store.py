"""Versioned model store: one folder per version, a ``current`` pointer switched atomically.

Layout under the store's directory::

    v0001/model.npz       arrays only (``np.savez``; never read with pickle)
    v0001/metadata.json   parameters, data window, timings, evaluation figures
    current               text file naming the current version

A version is written to a temporary folder and renamed into place, and ``current`` is
replaced with ``os.replace``, so a reader never sees half a model or half a pointer.
"""

from __future__ import annotations

import io
import json
import math
import mmap
import os
import re
import shutil
import struct
import tempfile
import zipfile
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
        return SelectionModel.from_arrays(read_npz(folder / "model.npz"), params)

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


def read_npz(path: Path) -> dict[str, np.ndarray]:
    """The arrays of an ``np.savez`` file, memory-mapped where they lie in it.

    ``np.savez`` stores each array uncompressed in a zip member: a ``.npy`` header, then the
    values. Mapping them (copy on write: a change stays in this process) skips copying and
    checksumming the file, 3 of the 5.6 s a million members' model took to load. A file
    compressed by another tool is read by ``np.load`` (without pickle).
    """
    with zipfile.ZipFile(path) as archive:
        members = archive.infolist()
    if any(member.compress_type != zipfile.ZIP_STORED for member in members):
        with np.load(path, allow_pickle=False) as arrays:
            return {name: arrays[name] for name in arrays.files}
    with open(path, "rb") as file:
        whole = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_COPY)
    arrays = {}
    for member in members:
        at = member.header_offset  # the local header: 30 bytes, the name, an extra field
        name_length, extra_length = struct.unpack("<HH", whole[at + 26 : at + 30])
        start = at + 30 + name_length + extra_length
        header = io.BytesIO(whole[start : start + min(member.file_size, 65_536)])
        version = np.lib.format.read_magic(header)
        read_header = (
            np.lib.format.read_array_header_1_0
            if version == (1, 0)
            else np.lib.format.read_array_header_2_0
        )
        shape, fortran, dtype = read_header(header)
        if dtype.hasobject:
            raise ValueError(f"{path}: {member.filename} holds Python objects; not loaded")
        values = np.frombuffer(
            whole, dtype=dtype, count=math.prod(shape), offset=start + header.tell()
        )
        name = member.filename.removesuffix(".npy")
        arrays[name] = values.reshape(shape, order="F" if fortran else "C")
    return arrays
