"""``loyalty generate-offers`` and ``loyalty offers``: making a campaign's offers, showing and
redeeming them."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import click
from tqdm import tqdm

from api.commands.exports import check_export_path, write_rows
from api.commands.options import DATE
from loyalty.clock import today
from loyalty.db import database
from loyalty.offers import store
from loyalty.offers.redemption import redeem_offer
from loyalty.status import member_count
from recommender.batch import BLOCK_MEMBERS
from recommender.campaign_runs import Generation, run_campaign
from recommender.store import ModelStore

EXPORT_COLUMNS = [
    "offer_id",
    "member_id",
    "product_id",
    "benefit_type",
    "benefit_value",
    "face_value",
    "valid_from",
    "valid_until",
    "channels",
    "journey_stage",
    "reason",
    "campaign",
    "run_id",
    "model_version",
    "ruleset_version",
    "rank",
    "benefit_id",
    "kind",
    "personalized",
    "expected_value",
    "score",
]


@click.command("generate-offers")
@click.option("--campaign", "name", required=True, help="The campaign to generate.")
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    callback=check_export_path,
    help="Also write the offers to a .jsonl, .csv or .parquet file.",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Processes scoring blocks of members in parallel.",
)
@click.option("--resume", is_flag=True, help="Continue the campaign's interrupted run.")
@click.option(
    "--engine",
    type=click.Choice(["local", "spark"]),
    default="local",
    show_default=True,
    help="Score on this machine, or on Apache Spark (pip install 'loyalty-engine[spark]').",
)
@click.option(
    "--master", default="local[2]", show_default=True, help="Spark master URL (--engine spark)."
)
@click.option(
    "--block-members",
    type=click.IntRange(1),
    default=BLOCK_MEMBERS,
    show_default=True,
    help="Members scored together (memory grows with it; results do not change).",
)
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.pass_obj
def generate_offers_command(
    settings, name, out, workers, resume, engine, master, block_members, quiet
) -> None:
    """Give every eligible member up to K personal offers; replaces the campaign's run.

    The run becomes current only when complete: until then the previous run keeps serving.
    The holdout gets no offer.
    """
    with database(settings) as db, _progress(settings, db, quiet or engine == "spark") as bar:
        how = Generation(
            workers=workers,
            resume=resume,
            spark_master=master if engine == "spark" else None,
            block_members=block_members,
            progress=bar,
        )
        run = run_campaign(
            db, ModelStore(settings.models_dir), name, today(settings), settings.journey, how
        )
    s = run.summary
    click.echo(
        f"run {run.run_id} is current: {s['offers']} offers to {s['members_with_offers']} of "
        f"{s['members']} members ({s['holdout_members']} in the holdout), face value "
        f"{s['face_value']:.2f} of budget {s['budget']:.2f}",
        err=out is not None,
    )
    if out is not None:
        issued = run.offers[~run.offers["holdout"]]
        write_rows(issued[EXPORT_COLUMNS], out)


@contextmanager
def _progress(settings, engine, quiet: bool):
    """A progress bar over members (members per second, time left) on standard error."""
    if quiet:
        yield None
        return
    with tqdm(total=member_count(engine), unit=" members", unit_scale=True, file=sys.stderr) as bar:
        yield bar.update


@click.group()
def offers() -> None:
    """Offers members hold: show them, redeem them."""


@offers.command("show")
@click.argument("member_id")
@click.option("--channel", type=click.Choice(["web", "store"]), help="Only what it sells.")
@click.pass_obj
def show_offers(settings, member_id: str, channel: str | None) -> None:
    """The current offers of MEMBER_ID, in every campaign."""
    with database(settings) as engine:
        held = store.current_offers(engine, member_id=member_id)
    if channel is not None:
        held = held[held["channels"].str.split(";").apply(lambda c: channel in c)]
    write_rows(held[[*EXPORT_COLUMNS, "redeemed_at"]], None)


@offers.command("redeem")
@click.argument("offer_id")
@click.option("--channel", type=click.Choice(["web", "store"]), required=True)
@click.option("--basket", "basket_id", help="The basket (receipt) it was redeemed in.")
@click.option("--on", "day", type=DATE, help="Day of redemption (default: today).")
@click.pass_obj
def redeem(settings, offer_id: str, channel: str, basket_id: str | None, day: date | None) -> None:
    """Redeem OFFER_ID once; the same redemption again changes nothing."""
    with database(settings) as engine:
        done = redeem_offer(engine, offer_id, channel, day or today(settings), basket_id)
    again = " (already recorded: nothing changed)" if done["replayed"] else ""
    click.echo(
        f"redeemed {offer_id}: {done['product_id']} for member {done['member_id']} in "
        f"{done['channel']}, face value {done['face_value']:.2f}{again}"
    )


COMMANDS = [generate_offers_command, offers]
