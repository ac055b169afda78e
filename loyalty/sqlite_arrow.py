"""Arrow-speed SQLite reads and writes (ADBC), in a child process.

ADBC's SQLite driver links its own copy of SQLite. Two copies of SQLite in one process do not
see each other's POSIX locks, and closing a file releases every lock the process holds on it:
the ADBC connection's close can delete the WAL file under the process's other connections and
corrupt the database (https://www.sqlite.org/howtocorrupt.html, section 2.2.1). So ADBC only
ever runs in a child process of its own, where locking works as between any two processes;
tables travel through an Arrow IPC file. Callers keep small jobs in-process, on SQLAlchemy.
"""

from __future__ import annotations

import multiprocessing
import shutil
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager, suppress
from pathlib import Path

import pyarrow as pa

# WAL lets the API read while an import or a batch run writes; foreign keys are off by
# default in SQLite and we want the same integrity as on PostgreSQL. A page cache of up to
# 256 MB (the default is 2 MB; it grows only as pages are read) keeps the offers' keys in
# memory: writing a million members' offers took 1.5x as long with the default, and deleting
# the run they replace 2x. Pages of 16 KB (the default is 4 KB) are set before anything
# else, so a new database file gets them (an existing one keeps its own): writing a million
# members' offers took 17 % less time, reading the transactions 5 % less, and serving a
# member's offers was no slower. Every connection gets these (``loyalty.db``), ADBC's in child
# processes too; they are kept here so that a child imports nothing but Arrow.
SQLITE_PRAGMAS = (
    "PRAGMA page_size=16384",
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA cache_size=-262144",
)


class ChildJobError(RuntimeError):
    """A job failed in its child process; the message is the child's error."""


def in_child(function: Callable, *args):
    """``function(*args)`` in a fresh child process (spawned: no inherited connections)."""
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as child:
        return child.submit(_reporting, function, *args).result()


@contextmanager
def child_meanwhile(function: Callable, *args) -> Iterator[None]:
    """``function(*args)`` in a fresh child process while the block runs; at its end, waits
    for the child and raises its error (:class:`ChildJobError`)."""
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as child:
        job = child.submit(_reporting, function, *args)
        yield
        job.result()


class ChildHandle:
    """What :func:`waiting_child` yields: ``send(value)`` hands the child a value for one of
    its ``receive()`` calls and goes on; ``finish(value)`` hands it the last one and returns
    what the child's function returns (its errors raised as :class:`ChildJobError`)."""

    def __init__(self, connection) -> None:
        self._connection = connection
        self.finished = False

    def send(self, value) -> None:
        with suppress(BrokenPipeError):  # it failed already: finish() reads its error
            self._connection.send(value)

    def finish(self, value):
        self.finished = True
        return _handed(self._connection, value)


@contextmanager
def waiting_child(function: Callable, *args) -> Iterator[ChildHandle]:
    """``function(*args, receive)`` started now in a fresh child process, to do its first part
    while this process prepares the rest of its input, which it hands over with the yielded
    :class:`ChildHandle`. Leaving the block without finishing hands the child ``None``:
    ``function`` must then give up (roll back).
    """
    spawn = multiprocessing.get_context("spawn")
    ours, theirs = spawn.Pipe()
    child = spawn.Process(target=_waiting, args=(theirs, function, args), daemon=True)
    child.start()
    theirs.close()
    handle = ChildHandle(ours)
    try:
        yield handle
    finally:
        if not handle.finished:
            with suppress(ChildJobError):  # the caller's own error is the one to see
                _handed(ours, None)
        ours.close()
        child.join()


def _handed(connection, value):
    """Hand ``value`` to a :func:`waiting_child` and return its result."""
    with suppress(BrokenPipeError):  # it failed already: its error is waiting to be read
        connection.send(value)
    try:
        outcome, result = connection.recv()
    except EOFError:
        raise ChildJobError("the child process ended before finishing its job") from None
    if outcome == "error":
        raise ChildJobError(result)
    return result


def _waiting(connection, function: Callable, args: tuple) -> None:
    try:
        outcome = ("done", function(*args, connection.recv))
    except Exception as error:
        outcome = ("error", f"{type(error).__name__}: {error}")
    with suppress(BrokenPipeError):
        connection.send(outcome)
    connection.close()


def _reporting(function: Callable, *args):
    """Run ``function`` and raise its errors as ``ChildJobError``: ADBC's errors cannot be
    pickled back to the parent, which would see only a broken process pool."""
    try:
        return function(*args)
    except Exception as error:
        raise ChildJobError(f"{type(error).__name__}: {error}") from None


def read_arrow(database: str, *sql: str) -> pa.Table:
    """The results of the ``sql`` queries on the SQLite file ``database``, one after the other.

    Each query is read by ADBC in a child of its own, all at once: parts of one table (key
    ranges) are read on as many cores.
    """
    spawn = multiprocessing.get_context("spawn")
    with (
        tempfile.TemporaryDirectory(prefix="loyalty-read-") as folder,
        ProcessPoolExecutor(len(sql), mp_context=spawn) as children,
    ):
        paths = [str(Path(folder) / f"part-{i}.arrow") for i in range(len(sql))]
        reads = [
            children.submit(_reporting, _read_to_file, database, q, p)
            for q, p in zip(sql, paths, strict=True)
        ]
        for read in reads:
            read.result()
        parts = [read_arrow_file(path) for path in paths]
        # ADBC types a column by its values: an empty part comes back all int64, and a part
        # may hold whole numbers where another holds fractions.
        filled = [part for part in parts if part.num_rows] or parts[:1]
        return pa.concat_tables(filled, promote_options="permissive")


@contextmanager
def arrow_file(table: pa.Table, prefix: str) -> Iterator[Path]:
    """``table`` as an Arrow IPC file for a child to read, removed afterwards: in memory
    (:func:`in_memory_folder`) when there is room for twice the table."""
    room = in_memory_folder(2 * table.nbytes)
    with tempfile.TemporaryDirectory(prefix=prefix, dir=room) as folder:
        path = Path(folder) / "table.arrow"
        write_arrow_file(table, path)
        yield path


def in_memory_folder(room: int) -> str | None:
    """``/dev/shm`` when it has ``room`` bytes free, else ``None`` (the temporary folder).

    In memory, files handed to a child never go to the disk, where they competed with the
    database's own writes: a million members' offers (1.1 GB) took 0.5 to 0.8 s to write
    there, and 0.5 to 2.6 s to the temporary folder.
    """
    memory = Path("/dev/shm")
    return str(memory) if memory.is_dir() and shutil.disk_usage(memory).free > room else None


def write_arrow_file(table: pa.Table, path: Path) -> None:
    """Write ``table`` as an Arrow IPC file (for a child to read)."""
    with pa.ipc.new_file(path, table.schema) as writer:
        writer.write_table(table)


def read_arrow_file(path: str | Path) -> pa.Table:
    """The table of an Arrow IPC file (:func:`write_arrow_file`), memory-mapped."""
    with pa.memory_map(str(path)) as source:
        return pa.ipc.open_file(source).read_all()


def connect_adbc(database: str):
    """An ADBC connection to the SQLite file ``database``, tuned as the engine's connections
    are; it waits up to 30 s for another process's write to end. Only in a child process.

    It commits each statement (some pragmas cannot be set in a transaction): a write of
    several statements runs in a :func:`write_transaction`.
    """
    import adbc_driver_sqlite.dbapi as adbc

    connection = adbc.connect(database, autocommit=True)
    with connection.cursor() as cursor:
        for pragma in ("PRAGMA busy_timeout = 30000", *SQLITE_PRAGMAS):
            cursor.execute(pragma)
    return connection


@contextmanager
def write_transaction(cursor) -> Iterator[None]:
    """One all-or-nothing write on a :func:`connect_adbc` cursor (rolled back on any error)."""
    cursor.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        cursor.execute("ROLLBACK")
        raise
    cursor.execute("COMMIT")


def _read_to_file(database: str, sql: str, path: str) -> None:
    with connect_adbc(database) as connection, connection.cursor() as cursor:
        cursor.execute(sql)
        write_arrow_file(cursor.fetch_arrow_table(), Path(path))
