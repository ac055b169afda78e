"""Benefits, campaigns, runs and offers in the database.

A run is ``running`` while its offers are chosen; :func:`publish_run` then writes its offers,
makes it the campaign's current run and marks the run it replaces ``replaced``, all in one
transaction. Readers see the old run or the new one, never a mix. A replaced run's offers are
never shown; they stay until the campaign's next generation deletes them
(:func:`replaced_offers_deleted`; their redemptions stay). A run that never finishes (a crash,
Ctrl-C) stays ``running`` and is never shown; the next generation of the campaign deletes it.
"""

from __future__ import annotations

import functools
import io
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pyarrow import csv
from sqlalchemy import Engine, and_, bindparam, delete, insert, select, update

from loyalty.db import rows_above
from loyalty.offers.benefits import Benefit, make_benefit
from loyalty.offers.campaigns import Campaign
from loyalty.offers.errors import CampaignInputError, OfferNotFoundError
from loyalty.offers.tables import (
    benefits,
    campaigns,
    offer_reasons,
    offer_runs,
    offers,
    offers_by_id,
    redemptions,
)
from loyalty.sqlite_arrow import (
    child_meanwhile,
    connect_adbc,
    in_memory_folder,
    read_arrow,
    read_arrow_file,
    waiting_child,
    write_arrow_file,
    write_transaction,
)

# An offer's columns as written and read: as stored, with its reason's text for its number.
OFFER_COLUMNS = [c.name if c.name != "reason_id" else "reason" for c in offers.columns]
STORED_COLUMNS = [c.name for c in offers.columns]
ID_COLUMNS = [c.name for c in offers_by_id.columns]
CHUNK = 10_000
# Up to this many offers SQLite gets plain inserts in this process; more go through ADBC.
IN_PROCESS_OFFERS = 100_000


# Benefits -----------------------------------------------------------------------------------


def save_benefits(engine: Engine, items: list[Benefit]) -> dict[str, str]:
    """Save benefits; one with the same id is replaced. Returns id -> ``added``/``replaced``."""
    now = datetime.now()
    ids = [b.id for b in items]
    with engine.begin() as connection:
        existing = set(
            connection.execute(
                select(benefits.c.benefit_id).where(benefits.c.benefit_id.in_(ids))
            ).scalars()
        )
        connection.execute(delete(benefits).where(benefits.c.benefit_id.in_(ids)))
        if items:
            connection.execute(
                insert(benefits),
                [{"benefit_id": b.id, "benefit": b.to_json(), "saved_at": now} for b in items],
            )
    return {i: "replaced" if i in existing else "added" for i in ids}


def list_benefits(engine: Engine) -> list[Benefit]:
    """Every benefit, by id."""
    with engine.connect() as connection:
        rows = connection.execute(select(benefits.c.benefit).order_by(benefits.c.benefit_id))
        return [make_benefit(data) for data in rows.scalars()]


def remove_benefit(engine: Engine, benefit_id: str) -> None:
    """Delete one benefit; offers already made with it stay."""
    with engine.begin() as connection:
        gone = connection.execute(delete(benefits).where(benefits.c.benefit_id == benefit_id))
    if gone.rowcount == 0:
        raise OfferNotFoundError(f"no benefit {benefit_id!r}")


# Campaigns ----------------------------------------------------------------------------------


def create_campaign(engine: Engine, campaign: Campaign) -> Campaign:
    """Store a new campaign; its name must be new."""
    with engine.begin() as connection:
        taken = connection.execute(
            select(campaigns.c.name).where(campaigns.c.name == campaign.name)
        ).first()
        if taken:
            raise CampaignInputError(f"a campaign named {campaign.name!r} exists already", "name")
        connection.execute(
            insert(campaigns),
            {
                "name": campaign.name,
                "budget": campaign.budget,
                "offers_per_member": campaign.offers_per_member,
                "valid_from": campaign.valid_from,
                "valid_until": campaign.valid_until,
                "holdout": campaign.holdout,
                "margin_floor": campaign.margin_floor,
                "created_at": datetime.now(),
            },
        )
    return campaign


def list_campaigns(engine: Engine) -> list[Campaign]:
    """Every campaign, by name."""
    with engine.connect() as connection:
        rows = connection.execute(select(campaigns).order_by(campaigns.c.name)).mappings()
        return [_campaign(row) for row in rows]


def get_campaign(engine: Engine, name: str) -> Campaign:
    """One campaign by name."""
    with engine.connect() as connection:
        row = connection.execute(select(campaigns).where(campaigns.c.name == name)).mappings()
        found = row.first()
    if found is None:
        raise OfferNotFoundError(f"no campaign {name!r} (loyalty campaigns list shows them)")
    return _campaign(found)


def _campaign(row) -> Campaign:
    fields = Campaign.__dataclass_fields__
    return Campaign(**{k: v for k, v in row.items() if k in fields})


# Runs ---------------------------------------------------------------------------------------


def start_run(
    engine: Engine, campaign: Campaign, as_of: date, model_version, ruleset_version
) -> str:
    """Open a new run of ``campaign`` (``<campaign>-r<number>``); unfinished ones are dropped."""
    with engine.begin() as connection:
        runs = connection.execute(
            select(offer_runs.c.run_id, offer_runs.c.status).where(
                offer_runs.c.campaign == campaign.name
            )
        ).all()
        stale = [run_id for run_id, status in runs if status == "running"]
        if stale:
            _delete_offers(connection, stale)
            connection.execute(delete(offer_runs).where(offer_runs.c.run_id.in_(stale)))
        number = 1 + max((int(r.rsplit("-r", 1)[1]) for r, _ in runs), default=0)
        run_id = f"{campaign.name}-r{number:04d}"
        connection.execute(
            insert(offer_runs),
            {
                "run_id": run_id,
                "campaign": campaign.name,
                "status": "running",
                "started_at": datetime.now(),
                "as_of": as_of,
                "model_version": model_version,
                "ruleset_version": ruleset_version,
            },
        )
    return run_id


def running_run(engine: Engine, campaign: str) -> dict | None:
    """The campaign's unfinished run (to resume), or None."""
    query = (
        select(offer_runs)
        .where(offer_runs.c.campaign == campaign, offer_runs.c.status == "running")
        .order_by(offer_runs.c.run_id.desc())
    )
    with engine.connect() as connection:
        found = connection.execute(query).mappings().first()
    return None if found is None else dict(found)


def publish_run(engine: Engine, run_id: str, rows: pd.DataFrame, summary: dict) -> None:
    """Store run ``run_id``'s offer rows (columns as the ``offers`` table) and make it its
    campaign's current run, in one transaction: readers see the run it replaces or this one.

    The replaced run is marked ``replaced``; its offers stay (never shown) until the next
    generation deletes them. Rows the run already has (a resumed run writes them again) are
    replaced. On any error nothing changes. One transaction, not a write and then a switch: a
    million members' run took 2 s less. Each distinct reason is stored once
    (``offer_reasons``); offers keep its number.
    """
    with publishing(engine, run_id, len(rows)) as publisher:
        publisher.add(rows)
        publisher.finish(summary)


class Publisher:
    """:func:`publish_run` in parts: ``add(rows)`` each part of the offer rows as it is made
    (each member's rows in one part; at least one part, which may be empty), then
    ``finish(summary)``. Made by :func:`publishing`."""

    def __init__(self, run_id: str, write: Callable, hand_over: Callable | None = None) -> None:
        self.run_id = run_id
        self._write, self._hand_over = write, hand_over
        self._parts: list[pd.DataFrame] = []
        self._ids: list[pa.Table] = []
        self._reasons: list[pd.DataFrame] = []
        self._reason_count = 0

    def add(self, rows: pd.DataFrame) -> None:
        if self._hand_over is None:
            self._parts.append(rows)
            return
        stored, reasons = _with_reason_ids(self.run_id, rows, self._reason_count)
        self._reasons.append(reasons)
        self._reason_count += len(reasons)
        table = _sqlite_table(stored)
        self._ids.append(table.select(ID_COLUMNS))
        self._hand_over(table)

    def finish(self, summary: dict) -> None:
        if self._hand_over is None:
            self._write(pd.concat(self._parts, ignore_index=True), summary)
            return
        # The ids in id order, sorted here while the child still writes the last parts.
        ids = pa.concat_tables(self._ids).sort_by("offer_id")
        reasons = pa.Table.from_pandas(pd.concat(self._reasons), preserve_index=False)
        self._write(ids, reasons, summary)


@contextmanager
def publishing(engine: Engine, run_id: str, offers_expected: int) -> Iterator[Publisher]:
    """:func:`publish_run` begun while the caller still makes the rows; yields a
    :class:`Publisher`. Leaving the block without finishing changes nothing.

    On SQLite, with more than ``IN_PROCESS_OFFERS`` offers expected, ADBC writes them in a
    child process (see ``loyalty.sqlite_arrow``), started now: it starts Python and connects
    (2 to 3 s) while the budget is spent, and writes each part as it comes, while the next
    parts are made (a million members' rows take 3 s to make and 7 s to write).
    """
    if engine.dialect.name != "sqlite" or offers_expected <= IN_PROCESS_OFFERS:
        yield Publisher(run_id, functools.partial(_publish_here, engine, run_id))
        return
    with (
        # Room for the parts, twice over: about 400 bytes an offer as Arrow.
        tempfile.TemporaryDirectory(
            prefix="loyalty-offers-", dir=in_memory_folder(800 * offers_expected)
        ) as folder,
        waiting_child(_adbc_publish, engine.url.database, run_id) as child,
    ):
        parts = _PartFiles(Path(folder), child.send)
        finish = functools.partial(_publish_through, child.finish, parts, engine.dialect, run_id)
        yield Publisher(run_id, finish, parts.hand_over)


def _publish_here(engine: Engine, run_id: str, rows: pd.DataFrame, summary: dict) -> None:
    switch = _Switch(run_id, summary, datetime.now())
    stored, reasons = _with_reason_ids(run_id, rows)
    with engine.begin() as connection:
        switch.make_current(connection)
        _delete_offers(connection, [run_id])
        by_id = rows[ID_COLUMNS].sort_values("offer_id")
        for table, frame in ((offers, stored), (offers_by_id, by_id), (offer_reasons, reasons)):
            # Chunk by chunk: a million offers as Python objects at once would take GBs.
            for start in range(0, len(frame), CHUNK):
                _insert(connection, table, frame.iloc[start : start + CHUNK])


@dataclass
class _PartFiles:
    """Parts of the offers handed to the writing child as Arrow files in ``folder`` (each
    stays until the child has finished: it may read it late)."""

    folder: Path
    send: Callable
    count: int = 0

    def hand_over(self, table: pa.Table) -> None:
        path = self.folder / f"part-{self.count:04d}.arrow"
        write_arrow_file(table, path)
        self.count += 1
        self.send(("part", str(path)))


def _publish_through(finish, parts: _PartFiles, dialect, run_id, ids, reasons, summary) -> None:
    """Hand the child :func:`_adbc_publish` the ids, the reasons and the switch; wait for its
    commit."""
    finished = _Switch(run_id, summary, datetime.now()).stored_on_sqlite(dialect)
    paths = [str(parts.folder / f"{name}.arrow") for name in ("ids", "reasons")]
    for table, path in zip((ids, reasons), paths, strict=True):
        write_arrow_file(table, path)
    finish(("finish", *paths, finished))


@dataclass(frozen=True)
class _Switch:
    """Making a complete run its campaign's current one; the run it replaces: ``replaced``."""

    run_id: str
    summary: dict
    finished_at: datetime

    def make_current(self, connection) -> None:
        """The switch in ``connection``'s transaction (a run published again replaces
        nothing)."""
        campaign = select(offer_runs.c.campaign).where(offer_runs.c.run_id == self.run_id)
        name = connection.execute(campaign).scalar_one()
        now = select(campaigns.c.current_run).where(campaigns.c.name == name)
        previous = connection.execute(now).scalar_one()
        connection.execute(
            update(offer_runs)
            .where(offer_runs.c.run_id == self.run_id)
            .values(status="complete", finished_at=self.finished_at, summary=self.summary)
        )
        connection.execute(
            update(campaigns).where(campaigns.c.name == name).values(current_run=self.run_id)
        )
        if previous not in (None, self.run_id):
            replaced = update(offer_runs).where(offer_runs.c.run_id == previous)
            connection.execute(replaced.values(status="replaced"))

    def stored_on_sqlite(self, dialect) -> tuple:
        """``finished_at`` and ``summary`` as SQLAlchemy stores them on SQLite (as text), for
        :meth:`make_current` in a child's ADBC connection (``_adbc_publish``)."""
        columns = (offer_runs.c.finished_at, offer_runs.c.summary)
        values = (self.finished_at, self.summary)
        return tuple(
            c.type.dialect_impl(dialect).bind_processor(dialect)(v)
            for c, v in zip(columns, values, strict=True)
        )


def _with_reason_ids(
    run_id: str, rows: pd.DataFrame, first: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The offer rows as stored (``reason_id`` for ``reason``), and their reasons, numbered
    from ``first`` (a run published in parts numbers each part's reasons after the last's;
    a text in two parts is stored twice)."""
    reason = pa.array(pd.array(rows["reason"], dtype="str"))
    reason = reason.combine_chunks() if isinstance(reason, pa.ChunkedArray) else reason
    encoded = pc.dictionary_encode(reason.cast(pa.string()))
    ids = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64) + first
    stored = rows.assign(reason=ids)
    stored = stored.rename(columns={"reason": "reason_id"})[STORED_COLUMNS]
    reasons = pd.DataFrame(
        {
            "run_id": run_id,
            "reason_id": np.arange(first, first + len(encoded.dictionary), dtype=np.int64),
            "reason": pd.array(encoded.dictionary, dtype="str"),
        }
    )
    return stored, reasons


# A run's rows, in every table that holds some (redemptions stay).
RUN_TABLES = (offers, offers_by_id, offer_reasons)


def _delete_offers(connection, run_ids: list[str]) -> None:
    for table in RUN_TABLES:
        connection.execute(delete(table).where(table.c.run_id.in_(run_ids)))


def _insert(connection, table, part: pd.DataFrame) -> None:
    if connection.dialect.name == "sqlite":
        values = zip(*(c.to_pylist() for c in _sqlite_table(part).columns), strict=True)
        columns = ", ".join(part.columns)
        marks = ", ".join("?" for _ in part.columns)
        sql = f"INSERT INTO {table.name} ({columns}) VALUES ({marks})"
        connection.exec_driver_sql(sql, list(values))
    elif connection.dialect.name == "postgresql":
        _copy_postgresql(connection, table, part)
    else:
        values = part.astype(object).where(part.notna(), None)
        connection.execute(insert(table), values.to_dict("records"))


def _sqlite_table(rows: pd.DataFrame) -> pa.Table:
    """Offer columns as SQLAlchemy stores them in SQLite: dates as ISO text, booleans as 0/1."""
    changes = {
        **{name: _iso_dates(rows[name]) for name in ("valid_from", "valid_until") if name in rows},
        **{
            name: rows[name].astype(np.int64)
            for name in ("personalized", "holdout")
            if name in rows
        },
    }
    return pa.Table.from_pandas(rows.assign(**changes), preserve_index=False)


def _iso_dates(days: pd.Series) -> np.ndarray:
    """Dates as ``YYYY-MM-DD`` text; each distinct day (a campaign has one or two) once."""
    codes, distinct = pd.factorize(days)
    texts = pd.to_datetime(pd.Series(distinct, dtype=object)).dt.strftime("%Y-%m-%d")
    return texts.to_numpy(dtype=object)[codes]


def _by_member(table: pa.Table) -> pa.Table:
    """Offer rows in key order (run, member, rank). They usually come so: each member's
    offers together, ranked. Sorting them anyway would cost seconds a million members."""
    members = table["member_id"]
    ordered = (
        len(members) < 2
        or pc.all(pc.less_equal(members.slice(0, len(members) - 1), members.slice(1))).as_py()
    )
    if ordered:
        return table
    return table.sort_by([("member_id", "ascending"), ("rank", "ascending")])


def _adbc_publish(database: str, run_id: str, receive: Callable) -> None:
    """In a child process (:func:`publishing`): connect, then ``receive()`` the parts of the
    offers (``("part", path)``, Arrow files) and write each as it comes; then ``("finish",
    ids path, reasons path, finished)``: the ids, the reasons and the switch (``finished`` is
    its stored time and summary, as :meth:`_Switch.make_current` stores them). All in one
    transaction, which first deletes the run's offers (a resumed run has some). ``None``
    received: roll back and stop.

    Each table's rows go in its key order: each lands next to the one before. The offers
    come in member order; the parent sorts the ids while the last parts are written.
    """
    with connect_adbc(database) as connection, connection.cursor() as cursor:
        handed = receive()
        if handed is None:
            return
        try:
            with write_transaction(cursor):
                _adbc_delete(cursor, [run_id])
                while handed is not None and handed[0] == "part":
                    table = read_arrow_file(handed[1])
                    cursor.adbc_ingest("offers", _by_member(table), mode="append")
                    handed = receive()
                if handed is None:
                    raise _AbandonedError
                _, ids_path, reasons_path, finished = handed
                for table, path in (("offers_by_id", ids_path), ("offer_reasons", reasons_path)):
                    cursor.adbc_ingest(table, read_arrow_file(path), mode="append")
                _adbc_switch(cursor, run_id, finished)
        except _AbandonedError:
            return


class _AbandonedError(Exception):
    """The parent left :func:`publishing` without finishing: the writes roll back."""


def _adbc_switch(cursor, run_id: str, finished: tuple) -> None:
    """:meth:`_Switch.make_current` on an ADBC cursor."""
    campaign = "(SELECT campaign FROM offer_runs WHERE run_id = ?)"
    cursor.execute(f"SELECT current_run FROM campaigns WHERE name = {campaign}", (run_id,))
    previous = [found for (found,) in cursor.fetchall() if found not in (None, run_id)]
    complete = "UPDATE offer_runs SET status = 'complete', finished_at = ?, summary = ?"
    cursor.execute(f"{complete} WHERE run_id = ?", (*finished, run_id))
    cursor.execute(f"UPDATE campaigns SET current_run = ? WHERE name = {campaign}", (run_id,) * 2)
    for run in previous:
        cursor.execute("UPDATE offer_runs SET status = 'replaced' WHERE run_id = ?", (run,))


@contextmanager
def replaced_offers_deleted(engine: Engine, campaign: str) -> Iterator[None]:
    """Delete the offers of ``campaign``'s replaced runs (their redemptions stay) before the
    block runs or, on SQLite with more than ``IN_PROCESS_OFFERS`` of them, while it runs: ADBC
    deletes them in a child. A generation does it while its members are chosen (a million
    members' run took 2 to 10 s to delete, most of it reading its pages back from the disk),
    and its own offers then take their pages.
    """
    replaced = select(offer_runs.c.run_id).where(
        offer_runs.c.campaign == campaign, offer_runs.c.status == "replaced"
    )
    with engine.connect() as connection:
        runs = connection.execute(replaced).scalars().all()
    if engine.dialect.name == "sqlite" and _offers_above(engine, runs, IN_PROCESS_OFFERS):
        with child_meanwhile(_deleted_by_adbc, engine.url.database, runs):
            yield
        return
    if runs:
        with engine.begin() as connection:
            _delete_offers(connection, runs)
    yield


def _deleted_by_adbc(database: str, run_ids: list[str]) -> None:
    with (
        connect_adbc(database) as connection,
        connection.cursor() as cursor,
        write_transaction(cursor),
    ):
        _adbc_delete(cursor, run_ids)


def _adbc_delete(cursor, run_ids: list[str]) -> None:
    for run in run_ids:
        for table in RUN_TABLES:
            cursor.execute(f"DELETE FROM {table.name} WHERE run_id = ?", (run,))


def _copy_postgresql(connection, table, part: pd.DataFrame) -> None:
    """``COPY`` from the CSV Arrow writes, in the connection's transaction: 3x faster than
    inserting the rows (missing values go as unquoted empty fields, which are NULL)."""
    buffer = io.BytesIO()
    values = pa.Table.from_pandas(part, preserve_index=False)
    csv.write_csv(values, buffer, csv.WriteOptions(include_header=False))
    sql = f"COPY {table.name} ({', '.join(part.columns)}) FROM STDIN WITH (FORMAT csv)"
    with connection.connection.driver_connection.cursor() as cursor, cursor.copy(sql) as copy:
        copy.write(buffer.getvalue())


def get_run(engine: Engine, run_id: str) -> dict:
    """One run: id, campaign, status, times, versions and summary."""
    with engine.connect() as connection:
        row = connection.execute(select(offer_runs).where(offer_runs.c.run_id == run_id))
        found = row.mappings().first()
    if found is None:
        raise OfferNotFoundError(f"no run {run_id!r}")
    return dict(found)


def list_runs(engine: Engine, campaign: str | None = None) -> list[dict]:
    """Runs, newest first, of one campaign or all."""
    query = select(offer_runs).order_by(offer_runs.c.started_at.desc(), offer_runs.c.run_id.desc())
    if campaign is not None:
        query = query.where(offer_runs.c.campaign == campaign)
    with engine.connect() as connection:
        return [dict(row) for row in connection.execute(query).mappings()]


# Offers -------------------------------------------------------------------------------------


# Offers with their reasons' text, in the columns of OFFER_COLUMNS.
_WITH_REASONS = offers.join(
    offer_reasons,
    and_(
        offer_reasons.c.run_id == offers.c.run_id, offer_reasons.c.reason_id == offers.c.reason_id
    ),
)
_OFFER_FIELDS = [offers.c[c] if c != "reason" else offer_reasons.c.reason for c in OFFER_COLUMNS]


def _current(query):
    """Only offers of their campaign's current run, never the holdout's.

    Written as ``run_id IN (current runs)``, not as a join with ``campaigns``: SQLite then
    looks each member's offers up by key, run by run, rather than scanning every offer.
    """
    runs = select(campaigns.c.current_run).where(campaigns.c.current_run.is_not(None))
    return query.where(offers.c.run_id.in_(runs), offers.c.holdout.is_(False))


def current_offers(
    engine: Engine,
    *,
    member_id: str | None = None,
    campaign: str | None = None,
    valid_on: date | None = None,
) -> pd.DataFrame:
    """The offers members see now: current runs only, holdout left out, by member and rank;
    with ``valid_on``, only offers not expired on that day.

    Columns as the ``offers`` table plus ``redeemed_at`` (None while not redeemed).
    """
    rows = current_offer_records(engine, member_id=member_id, campaign=campaign, valid_on=valid_on)
    return pd.DataFrame(rows, columns=[*OFFER_COLUMNS, "redeemed_at"])


def current_offer_records(
    engine: Engine,
    *,
    member_id: str | None = None,
    campaign: str | None = None,
    valid_on: date | None = None,
) -> list[dict]:
    """:func:`current_offers` as a list of dicts (what serving one member wants: no frame)."""
    if member_id is not None and campaign is None and valid_on is not None:
        with engine.connect() as connection:  # serving: a statement built once
            found = connection.execute(_MEMBER_OFFERS, {"member_id": member_id, "day": valid_on})
            return [dict(row) for row in found.mappings()]
    joined = _WITH_REASONS.outerjoin(redemptions, redemptions.c.offer_id == offers.c.offer_id)
    query = _current(select(*_OFFER_FIELDS, redemptions.c.redeemed_at).select_from(joined))
    if member_id is not None:
        query = query.where(offers.c.member_id == member_id)
    if campaign is not None:
        query = query.where(offers.c.campaign == campaign)
    if valid_on is not None:
        query = query.where(offers.c.valid_until >= valid_on)
    query = query.order_by(offers.c.member_id, offers.c.campaign, offers.c.rank)
    with engine.connect() as connection:
        return [dict(row) for row in connection.execute(query).mappings()]


_MEMBER_OFFERS = (
    _current(
        select(*_OFFER_FIELDS, redemptions.c.redeemed_at).select_from(
            _WITH_REASONS.outerjoin(redemptions, redemptions.c.offer_id == offers.c.offer_id)
        )
    )
    .where(offers.c.member_id == bindparam("member_id"), offers.c.valid_until >= bindparam("day"))
    .order_by(offers.c.campaign, offers.c.rank)
)


def run_offers(engine: Engine, run_id: str, columns: list[str] | None = None) -> pd.DataFrame:
    """Every offer of one run, the holdout's would-be offers included, by member and rank:
    ``columns`` of ``OFFER_COLUMNS`` (all by default; the reasons are joined only when asked).

    On SQLite a large run is read by ADBC in a child (``loyalty.sqlite_arrow``): a million
    members' 2.8 million offers took 56 s as Python rows.
    """
    columns = OFFER_COLUMNS if columns is None else columns
    fields = [_OFFER_FIELDS[OFFER_COLUMNS.index(name)] for name in columns]
    source = _WITH_REASONS if "reason" in columns else offers
    query = select(*fields).select_from(source).where(offers.c.run_id == run_id)
    query = query.order_by(offers.c.member_id, offers.c.rank)
    if engine.dialect.name == "sqlite" and _offers_above(engine, [run_id], IN_PROCESS_OFFERS):
        sql = str(query.compile(engine, compile_kwargs={"literal_binds": True}))
        return _as_read_in_process(read_arrow(engine.url.database, sql))[columns]
    with engine.connect() as connection:
        rows = connection.execute(query).mappings().all()
    return pd.DataFrame(rows, columns=columns)


def _offers_above(engine: Engine, run_ids: list[str], limit: int) -> bool:
    """Whether runs ``run_ids`` hold more than ``limit`` offers."""
    some = select(offers.c.run_id).where(offers.c.run_id.in_(run_ids))
    return bool(run_ids) and rows_above(engine, some, limit)


def _as_read_in_process(table: pa.Table) -> pd.DataFrame:
    """Offer rows read by ADBC with the types SQLAlchemy's rows give them: dates as dates
    (SQLite stores ISO text), booleans as booleans (stored as 0 and 1), a column of missing
    versions as None (ADBC types it by its values)."""
    frame = table.to_pandas()
    for name in frame.columns.intersection(["valid_from", "valid_until"]):
        codes, days = pd.factorize(frame[name])
        frame[name] = np.array([date.fromisoformat(day) for day in days], dtype=object)[codes]
    for name in frame.columns.intersection(["personalized", "holdout"]):
        frame[name] = frame[name].astype(bool)
    for name in frame.columns.intersection(["model_version", "ruleset_version"]):
        if frame[name].isna().all():
            frame[name] = pd.Series([None] * len(frame), index=frame.index, dtype=object)
    return frame


def find_offer(engine: Engine, offer_id: str) -> dict | None:
    """One offer members can see now, by id (None when no current run has it)."""
    with engine.connect() as connection:
        found = connection.execute(_OFFER_BY_ID, {"offer_id": offer_id}).mappings().first()
    return None if found is None else dict(found)


_OFFER_BY_ID = _current(
    select(*_OFFER_FIELDS).select_from(
        _WITH_REASONS.join(
            offers_by_id,
            and_(
                offers_by_id.c.run_id == offers.c.run_id,
                offers_by_id.c.member_id == offers.c.member_id,
                offers_by_id.c.rank == offers.c.rank,
            ),
        )
    )
).where(offers_by_id.c.offer_id == bindparam("offer_id"))
