"""Running a campaign: load what generation reads, generate, write a run, make it current.

The command line (``loyalty generate-offers``) and the API (``POST /v1/campaigns/{name}/runs``)
both call :func:`run_campaign`. Members are chosen for in blocks (:mod:`recommender.batch`,
or on Spark with :mod:`recommender.spark`), staged in ``<staging>/<run id>/``; the run's
offers are then written, and it becomes the campaign's current run, in one transaction
(``loyalty.offers.store.publishing``); the run it replaces keeps its offers until the next
generation deletes them while its members are chosen. An interrupted generation leaves the
previous run serving; ``resume=True`` continues the unfinished run from its staged blocks.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine

from loyalty.brand_fit.compile import compile_current
from loyalty.history import load_members, load_products
from loyalty.journey import DEFAULT_THRESHOLDS, JourneyThresholds
from loyalty.offers.campaigns import Campaign
from loyalty.offers.errors import CampaignInputError
from loyalty.offers.store import (
    get_campaign,
    list_benefits,
    publishing,
    replaced_offers_deleted,
    running_run,
    start_run,
)
from recommender.batch import BLOCK_MEMBERS, Staging, Workers, choose_in_blocks, member_blocks
from recommender.errors import ModelNotFoundError
from recommender.model import SelectionModel
from recommender.offers import OfferContext, count_members, finish_offers, with_rules
from recommender.store import ModelStore


@dataclass(frozen=True)
class CampaignRun:
    """A finished run: its id, its offers (the holdout's would-be offers included), summary."""

    run_id: str
    offers: pd.DataFrame
    summary: dict


@dataclass(frozen=True)
class Generation:
    """How to generate: processes, resuming, Spark, block size, progress callback."""

    workers: int = 1
    resume: bool = False
    spark_master: str | None = None
    block_members: int = BLOCK_MEMBERS
    progress: Callable[[int], None] | None = None
    staging: Path | None = None


def run_campaign(
    engine: Engine,
    models: ModelStore,
    name: str,
    today: date,
    journey: JourneyThresholds = DEFAULT_THRESHOLDS,
    how: Generation = Generation(),
) -> CampaignRun:
    """Generate campaign ``name``'s offers for every member as of ``today``; replaces its run.

    Raises ``CampaignInputError`` when no benefit is defined, the campaign has ended, or there
    is nothing to resume; ``ModelNotFoundError`` before the first ``loyalty train``.
    """
    campaign, benefits = _open_campaign(engine, name, today)
    model_version = models.current_version()
    if model_version is None:
        raise ModelNotFoundError(f"no model saved in {models.directory}; run training first")
    staging_root = how.staging or models.directory.parent / "runs"
    with _spark(how) as spark, _scorer(models, model_version, how) as scorer:
        products, members = load_products(engine), load_members(engine)
        rules = compile_current(engine, products, today)
        ruleset_version = rules and rules.version
        if not how.resume and (stale := running_run(engine, name)) is not None:
            Staging(staging_root / stale["run_id"]).remove()  # its run is dropped below
        run_id = _run_id(engine, campaign, how, today, model_version, ruleset_version)
        context = with_rules(
            OfferContext(
                campaign, benefits, products, members, rules, today, run_id, model_version, journey
            )
        )
        ids = members["member_id"].astype(str).to_numpy()
        blocks = member_blocks(ids, how.block_members)
        # Meanwhile: the replaced run's offers are deleted and the members counted.
        with ThreadPoolExecutor(1) as side, replaced_offers_deleted(engine, name):
            counting = side.submit(count_members, ids, campaign)
            if spark is not None:
                from recommender.spark import choose_on_spark

                chosen = choose_on_spark(scorer, context, blocks, spark())
                staging = None
            else:
                staging = Staging(staging_root / run_id)
                chosen = choose_in_blocks(scorer, context, blocks, staging, progress=how.progress)
    # The writing child starts (Python and a connection) while the budget is spent, and
    # writes each part of the offer rows while the next is made.
    with publishing(engine, run_id, len(chosen)) as publisher:
        offers, summary = finish_offers(chosen, context, counting.result(), publisher.add)
        publisher.finish(summary)
    if staging is not None:
        staging.remove()
    return CampaignRun(run_id, offers, summary)


@contextmanager
def _spark(how: Generation) -> Iterator[Callable | None]:
    """With a Spark master: the session, started now (``recommender.spark.spark_started``)."""
    if how.spark_master is None:
        yield None
        return
    from recommender.spark import spark_started

    with spark_started(how.spark_master) as session:
        yield session


@contextmanager
def _scorer(
    models: ModelStore, version: str, how: Generation
) -> Iterator[SelectionModel | Workers]:
    """The model, or with several workers (and not Spark) :class:`Workers`, started now: they
    load the model while this process reads members and rules."""
    if how.spark_master is not None or how.workers <= 1:
        yield models.load(version)
        return
    with Workers(functools.partial(models.load, version), how.workers) as workers:
        yield workers


def _open_campaign(engine: Engine, name: str, today: date) -> tuple[Campaign, list]:
    """The campaign and the benefits, refused when it has ended or no benefit is enabled."""
    campaign = get_campaign(engine, name)
    if campaign.valid_until < today:
        raise CampaignInputError(
            f"campaign {name!r} ended on {campaign.valid_until.isoformat()}; nothing to generate",
            "valid_until",
        )
    benefits = list_benefits(engine)
    if not any(b.enabled for b in benefits):
        raise CampaignInputError(
            "no benefit is defined; add some with loyalty benefits add FILE", "benefits"
        )
    return campaign, benefits


def _run_id(engine, campaign: Campaign, how: Generation, today, model_version, ruleset_version):
    """A new run, or with ``resume`` the unfinished one, if it was made from the same inputs."""
    if not how.resume:
        return start_run(engine, campaign, today, model_version, ruleset_version)
    unfinished = running_run(engine, campaign.name)
    if unfinished is None:
        raise CampaignInputError(f"campaign {campaign.name!r} has no unfinished run to resume")
    was = (unfinished["as_of"], unfinished["model_version"], unfinished["ruleset_version"])
    if was != (today, model_version, ruleset_version):
        raise CampaignInputError(
            f"run {unfinished['run_id']} was made as of {was[0]} with model {was[1]} and rule "
            f"set {was[2]}; today's inputs differ, so it cannot be resumed: generate anew"
        )
    return unfinished["run_id"]
