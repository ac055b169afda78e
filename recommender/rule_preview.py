"""Draft rules against the published rule set, before publishing: on one member (before and
after, and which rule removed or moved which product) or on a sample of members.

The command line (``loyalty rules preview`` and ``impact``) and the API (``POST
/v1/rules/preview`` and ``/impact``) build the same reports here; only where the model and the
catalogue come from differs (the model store, or the serving worker's current model).
"""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
from sqlalchemy import Engine

from loyalty.brand_fit import store
from loyalty.brand_fit.compile import compile_rules
from loyalty.brand_fit.schema import Rule
from loyalty.history import load_members
from loyalty.journey import DEFAULT_THRESHOLDS, JourneyThresholds
from recommender.curation import compare_selections, rule_set_impact
from recommender.model import SelectionModel
from recommender.selection import recommend_with_changes

SELECTED_COLUMNS = ["rank", "product_id", "score", "kind", "reason", "personalized"]


def saved_drafts(engine: Engine) -> list[Rule]:
    """The draft rules in the database, without those marked for removal."""
    return [d.rule for d in store.list_drafts(engine) if d.status != "removed"]


class RulePreview:
    """The model, catalogue, members and both rule sets (published, draft) a preview compares.

    Parameters
    ----------
    model, products
        The model and the catalogue it serves.
    members
        The members that may be previewed or sampled (all, or only the one previewed).
    day
        The engine's today: rules active that day apply, history counts up to it.
    version, published
        The current rule set's number (None before the first publish) and its rules.
    draft
        The rules to try instead.
    """

    def __init__(
        self,
        model: SelectionModel,
        products: pd.DataFrame,
        members: pd.DataFrame,
        day: date,
        version: int | None,
        published: list[Rule],
        draft: list[Rule],
        journey: JourneyThresholds = DEFAULT_THRESHOLDS,
    ):
        self.model, self.products, self.members, self.version = model, products, members, version
        self.as_of, self.journey = pd.Timestamp(day), journey
        self.published = compile_rules(published, products, day, version)
        self.draft = compile_rules(draft, products, day, None)

    @classmethod
    def load(
        cls,
        engine: Engine,
        model: SelectionModel,
        products: pd.DataFrame,
        day: date,
        draft: list[Rule] | None = None,
        members: pd.DataFrame | None = None,
        journey: JourneyThresholds = DEFAULT_THRESHOLDS,
    ) -> RulePreview:
        """A preview of ``draft`` (default: the saved drafts) against the current rule set;
        ``members`` default to every member in the database."""
        version, published = store.current_rule_set(engine)
        if draft is None:
            draft = saved_drafts(engine)
        if members is None:
            members = load_members(engine)
        return cls(model, products, members, day, version, published, draft, journey)

    def member_report(self, member_id: str, channel: str | None, n: int) -> dict:
        """One member's selection with the published rules and with the draft, and each
        difference with the rule that made it (JSON-ready)."""
        published, published_changes = self.select([member_id], channel, n, draft=False)
        draft, draft_changes = self.select([member_id], channel, n, draft=True)
        # What the draft does explains a difference first; what only the published set did, next.
        reasons = [frame for frame in (draft_changes, published_changes) if len(frame)]
        changes = compare_selections(
            published, draft, pd.concat(reasons, ignore_index=True) if reasons else draft_changes
        )
        return {
            "member_id": member_id,
            "channel": channel,
            "published_rule_set": self.version,
            "published": _listed(published),
            "draft": _listed(draft),
            "changes": _records(changes.drop(columns="member_id")),
            "rules_published": _records(published_changes.drop(columns="member_id")),
            "rules_draft": _records(draft_changes.drop(columns="member_id")),
        }

    def impact_report(self, sample: int, channel: str | None, n: int) -> dict:
        """What the draft changes on ``sample`` members (always the same ones), JSON-ready."""
        member_ids = sample_members(self.members["member_id"], sample)
        published, _ = self.select(member_ids, channel, n, draft=False, explain=False)
        draft, draft_changes = self.select(member_ids, channel, n, draft=True)
        return {
            "published_rule_set": self.version,
            "channel": channel,
            "n": n,
            **rule_set_impact(member_ids, published, draft, draft_changes, n, len(self.products)),
        }

    def select(self, member_ids, channel: str | None, n: int, *, draft: bool, explain=True):
        """``recommend_with_changes`` with the draft or the published rules."""
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
            journey=self.journey,
        )


def sample_members(member_ids: pd.Series, size: int) -> list[str]:
    """The same members every time: the first ``size`` by a hash of their id."""
    ids = member_ids.astype(str).drop_duplicates()
    order = pd.util.hash_pandas_object(ids, index=False).to_numpy().argsort(kind="stable")
    return ids.to_numpy()[order[:size]].tolist()


def _listed(selection: pd.DataFrame) -> list[dict]:
    return _records(selection[SELECTED_COLUMNS].round({"score": 4}))


def _records(frame: pd.DataFrame) -> list[dict]:
    """JSON-ready rows: numpy scalars as Python ones, missing values as None."""
    return json.loads(frame.to_json(orient="records"))
