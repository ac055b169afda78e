"""Commands for brand-fit rules: validate, save drafts, publish, roll back, read history, and
preview a draft on one member or see its impact on a sample of members before publishing."""

from __future__ import annotations

import getpass
import json
from pathlib import Path

import click
import pandas as pd

from loyalty.brand_fit import store
from loyalty.brand_fit.compile import compile_rules
from loyalty.brand_fit.validation import validate_rules
from loyalty.clock import today
from loyalty.db import database
from loyalty.errors import LoyaltyError, NotFoundError
from loyalty.history import load_members, load_products
from recommender.curation import compare_selections, rule_set_impact
from recommender.errors import ModelNotFoundError
from recommender.selection import recommend_with_changes
from recommender.store import ModelStore

RULES_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


def _author(_ctx, _param, value: str | None) -> str:
    return value or getpass.getuser()


AUTHOR = click.option(
    "--author", callback=_author, help="Who publishes (default: the logged-in user)."
)


@click.group()
def rules() -> None:
    """Brand-fit rules: write them as JSON, save drafts, publish numbered rule sets."""


def _read(file: Path):
    return validate_rules(file.read_text(encoding="utf-8"), source=str(file))


@rules.command()
@click.argument("file", type=RULES_FILE)
def validate(file: Path) -> None:
    """Check the rules in FILE (one rule or a list) without saving anything."""
    checked = _read(file)
    click.echo(f"{file}: {len(checked)} rule(s) valid: {', '.join(r.id for r in checked)}")


@rules.command()
@click.argument("file", type=RULES_FILE)
@click.pass_obj
def add(settings, file: Path) -> None:
    """Save the rules in FILE as drafts (a draft with the same id is replaced)."""
    checked = _read(file)
    with database(settings) as engine:
        outcome = store.add_drafts(engine, checked)
    for rule_id, what in outcome.items():
        click.echo(f"{what} draft {rule_id}")
    click.echo("drafts reach members only after `loyalty rules publish`")


@rules.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the rules as JSON.")
@click.pass_obj
def list_command(settings, as_json: bool) -> None:
    """List the draft rules and how each differs from the current rule set."""
    with database(settings) as engine:
        listed = store.list_drafts(engine)
    if as_json:
        rows = [{"status": d.status, **d.rule.to_json()} for d in listed]
        click.echo(json.dumps(rows, indent=2))
        return
    if not listed:
        click.echo("no draft rules; add some with `loyalty rules add FILE`")
    for d in listed:
        rule = d.rule
        click.echo(f"{d.status:<9} {rule.priority:>5}  {rule.effect:<12} {rule.id}  ({rule.name})")


@rules.command()
@click.argument("rule_id", metavar="ID")
@click.pass_obj
def remove(settings, rule_id: str) -> None:
    """Remove the draft rule ID."""
    with database(settings) as engine:
        store.remove_draft(engine, rule_id)
    click.echo(f"removed draft {rule_id}")


@rules.command()
@click.option("--note", required=True, help="What changed and why.")
@AUTHOR
@click.pass_obj
def publish(settings, note: str, author: str) -> None:
    """Publish the drafts as a new numbered rule set; it becomes current at once."""
    with database(settings) as engine:
        version = store.publish(engine, note=note, author=author)
    click.echo(f"published rule set {version}")


@rules.command()
@click.argument("version", type=int)
@click.option("--note", default="", help="Why (default: 'rollback to rule set VERSION').")
@AUTHOR
@click.pass_obj
def rollback(settings, version: int, note: str, author: str) -> None:
    """Publish rule set VERSION's rules again, as a new number."""
    with database(settings) as engine:
        new_version = store.rollback(engine, version, author=author, note=note)
    click.echo(f"published rule set {new_version} (the rules of rule set {version})")


@rules.command()
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
@click.pass_obj
def history(settings, as_json: bool) -> None:
    """Show every published rule set, newest first."""
    with database(settings) as engine:
        published = store.history(engine)
    rows = [
        {
            "version": s.version,
            "published_at": s.published_at.isoformat(sep=" ", timespec="seconds"),
            "author": s.author,
            "note": s.note,
            "rules": s.rules,
            "current": s.current,
            "rolled_back_from": s.rolled_back_from,
        }
        for s in published
    ]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        click.echo("no rule set published yet")
    for row in rows:
        mark = "*" if row["current"] else " "
        click.echo(
            f"{mark} {row['version']:>4}  {row['published_at']}  {row['author']:<12} "
            f"{row['rules']:>3} rule(s)  {row['note']}"
        )


DRAFT = click.option(
    "--draft",
    "draft_file",
    type=RULES_FILE,
    help="Preview the rules in this file instead of the drafts in the database.",
)
CHANNEL = click.option(
    "--channel", type=click.Choice(["web", "store"]), default="web", show_default=True
)
LENGTH = click.option("--n", type=click.IntRange(1, 1000), default=10, show_default=True)
AS_JSON = click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")


@rules.command()
@click.argument("member_id")
@DRAFT
@CHANNEL
@LENGTH
@AS_JSON
@click.pass_obj
def preview(settings, member_id: str, draft_file, channel: str, n: int, as_json: bool) -> None:
    """MEMBER_ID's selection with the published rules and with the draft, side by side."""
    context = _Context.load(settings, draft_file)
    if member_id not in set(context.members["member_id"].astype(str)):
        raise NotFoundError(f"unknown member: {member_id}; see `loyalty status`")
    published, published_changes = context.select([member_id], channel, n, draft=False)
    draft, draft_changes = context.select([member_id], channel, n, draft=True)
    # What the draft does explains a difference first; what only the published set did, next.
    reasons = [frame for frame in (draft_changes, published_changes) if len(frame)]
    changes = compare_selections(
        published, draft, pd.concat(reasons, ignore_index=True) if reasons else draft_changes
    )
    report = {
        "member_id": member_id,
        "channel": channel,
        "published_rule_set": context.version,
        "published": _listed(published),
        "draft": _listed(draft),
        "changes": _records(changes.drop(columns="member_id")),
        "rules_published": _records(published_changes.drop(columns="member_id")),
        "rules_draft": _records(draft_changes.drop(columns="member_id")),
    }
    click.echo(json.dumps(report, indent=2) if as_json else _preview_text(report))


@rules.command()
@DRAFT
@click.option(
    "--sample", type=click.IntRange(1), default=1000, show_default=True, help="Members compared."
)
@CHANNEL
@LENGTH
@AS_JSON
@click.pass_obj
def impact(settings, draft_file, sample: int, channel: str, n: int, as_json: bool) -> None:
    """What the draft would change, against the published rules, on a sample of members."""
    context = _Context.load(settings, draft_file)
    member_ids = _sample(context.members["member_id"], sample)
    published, _ = context.select(member_ids, channel, n, draft=False, explain=False)
    draft, draft_changes = context.select(member_ids, channel, n, draft=True)
    report = {
        "published_rule_set": context.version,
        "channel": channel,
        "n": n,
        **rule_set_impact(member_ids, published, draft, draft_changes, n, len(context.products)),
    }
    if as_json:
        click.echo(json.dumps(report, indent=2))
        return
    for key, value in report.items():
        if key != "removed_by_rule":
            click.echo(f"{key:>20}: {value}")
    click.echo(f"{'removed_by_rule':>20}:")
    for rule_id, count in report["removed_by_rule"].items():
        click.echo(f"{count:>20}  {rule_id}")


class _Context:
    """The model, catalogue, members and both rule sets a preview compares."""

    def __init__(self, settings, model, products, members, version, published, draft):
        day = today(settings)
        self.as_of = pd.Timestamp(day)
        self.model, self.products, self.members, self.version = model, products, members, version
        self.published = compile_rules(published, products, day, version)
        self.draft = compile_rules(draft, products, day, None)

    @classmethod
    def load(cls, settings, draft_file: Path | None) -> _Context:
        try:
            model = ModelStore(settings.models_dir).load()
        except ModelNotFoundError:
            raise LoyaltyError("no trained model yet: run loyalty train first") from None
        drafted = _read(draft_file) if draft_file is not None else None
        with database(settings) as engine:
            products, members = load_products(engine), load_members(engine)
            version, published = store.current_rule_set(engine)
            if drafted is None:
                listed = store.list_drafts(engine)
                drafted = [d.rule for d in listed if d.status != "removed"]
        return cls(settings, model, products, members, version, published, drafted)

    def select(self, member_ids, channel: str, n: int, *, draft: bool, explain: bool = True):
        return recommend_with_changes(
            self.model,
            member_ids,
            n=n,
            channel=channel,
            products=self.products,
            members=self.members,
            as_of=self.as_of,
            rules=self.draft if draft else self.published,
            explain_rules=explain,
        )


def _sample(member_ids: pd.Series, size: int) -> list[str]:
    """The same members every time: the first ``size`` by a hash of their id."""
    ids = member_ids.astype(str).drop_duplicates()
    order = pd.util.hash_pandas_object(ids, index=False).to_numpy().argsort(kind="stable")
    return ids.to_numpy()[order[:size]].tolist()


def _listed(selection: pd.DataFrame) -> list[dict]:
    columns = ["rank", "product_id", "score", "kind", "reason", "personalized"]
    return _records(selection[columns].round({"score": 4}))


def _records(frame: pd.DataFrame) -> list[dict]:
    """JSON-ready rows: numpy scalars as Python ones, missing values as None."""
    return json.loads(frame.to_json(orient="records"))


def _preview_text(report: dict) -> str:
    published = [row["product_id"] for row in report["published"]]
    draft = [row["product_id"] for row in report["draft"]]
    version = report["published_rule_set"]
    lines = [
        f"member {report['member_id']}, channel {report['channel']}",
        f"{'rank':>4}  {f'published (rule set {version})':<28}  draft",
    ]
    for rank in range(max(len(published), len(draft))):
        before = published[rank] if rank < len(published) else "-"
        after = draft[rank] if rank < len(draft) else "-"
        lines.append(f"{rank + 1:>4}  {before:<28}  {after}")
    lines.append("changes by the draft:" if report["changes"] else "the draft changes nothing")
    for change in report["changes"]:
        rule = f" by rule {change['rule_id']}" if change["rule_id"] else ""
        lines.append(f"  {change['product_id']}: {change['change']}{rule}")
    return "\n".join(lines)
