"""``/v1/rules``: brand-fit rules for marketers: drafts, validation, publishing, history, and
previews of a draft on one member or a sample of members before publishing."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint, abort

from api.http.auth import MARKETER, requires
from api.http.database import get_engine, get_settings
from api.http.engine import serving_engine
from api.http.rule_schemas import (
    DraftResult,
    DraftRule,
    ImpactReport,
    ImpactRequest,
    PreviewReport,
    PreviewRequest,
    PublishRequest,
    PublishResult,
    RollbackRequest,
    RuleSet,
    RuleSetInfo,
)
from loyalty.brand_fit import store
from loyalty.brand_fit.errors import RuleNotFoundError
from loyalty.brand_fit.schema import RuleSchema
from loyalty.brand_fit.validation import rules_from_loaded
from loyalty.catalog_store import find_member
from loyalty.clock import today
from recommender.rule_preview import RulePreview

blp = Blueprint(
    "rules",
    __name__,
    url_prefix="/v1/rules",
    description="Brand-fit rules: drafts until published as a numbered rule set.",
)


@blp.route("/drafts")
class Drafts(MethodView):
    """The working copy of all rules."""

    @requires(blp, *MARKETER)
    @blp.response(200, DraftRule(many=True))
    def get(self):
        """List the drafts and how each differs from the current rule set."""
        return [
            {"status": d.status, "rule": d.rule.to_json()} for d in store.list_drafts(get_engine())
        ]

    @requires(blp, *MARKETER)
    @blp.arguments(RuleSchema(many=True), description="Rules to save as drafts")
    @blp.response(200, DraftResult)
    def post(self, rules: list[dict]):
        """Save rules as drafts (a draft with the same id is replaced); nothing is published."""
        return {"drafts": store.add_drafts(get_engine(), rules_from_loaded(rules, "request"))}


@blp.route("/drafts/<string(maxlength=80):rule_id>")
class DraftById(MethodView):
    """One draft."""

    @requires(blp, *MARKETER)
    @blp.response(200, DraftRule)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, rule_id: str):
        """Read one draft and how it differs from the current rule set."""
        return _one_draft(rule_id)

    @requires(blp, *MARKETER)
    @blp.arguments(RuleSchema, description="The rule (its id, if given, must be the path's)")
    @blp.response(200, DraftRule)
    def put(self, rule: dict, rule_id: str):
        """Save one rule as a draft under this id (added, or replacing the draft)."""
        if rule.setdefault("id", rule_id) != rule_id:
            abort(422, errors={"json": {"id": [f"must be {rule_id!r}, as in the path"]}})
        store.add_drafts(get_engine(), rules_from_loaded([rule], "request"))
        return _one_draft(rule_id)

    @requires(blp, *MARKETER)
    @blp.response(204)
    @blp.alt_response(404, response="NOT_FOUND")
    def delete(self, rule_id: str):
        """Remove a draft (it leaves the rules with the next publish)."""
        store.remove_draft(get_engine(), rule_id)


def _one_draft(rule_id: str) -> dict:
    found = [d for d in store.list_drafts(get_engine()) if d.rule.id == rule_id]
    if not found or found[0].status == "removed":
        raise RuleNotFoundError(f"no draft rule with id {rule_id!r}")
    return {"status": found[0].status, "rule": found[0].rule.to_json()}


@blp.route("/validate")
class Validate(MethodView):
    """Checking rules without saving them."""

    @requires(blp, *MARKETER)
    @blp.arguments(RuleSchema(many=True), description="Rules to check")
    @blp.response(200, DraftRule(many=True))
    def post(self, rules: list[dict]):
        """Check rules: 200 with the rules as they would be saved, or 422 naming each problem."""
        return [{"status": "valid", "rule": r.to_json()} for r in rules_from_loaded(rules)]


@blp.route("/publish")
class Publish(MethodView):
    """Publishing the drafts."""

    @requires(blp, *MARKETER)
    @blp.arguments(PublishRequest)
    @blp.response(200, PublishResult)
    def post(self, request: dict):
        """Publish the drafts as a new numbered rule set, at once for every member."""
        return {"version": store.publish(get_engine(), request["note"], request["author"])}


@blp.route("/rollback")
class Rollback(MethodView):
    """Publishing an older rule set again."""

    @requires(blp, *MARKETER)
    @blp.arguments(RollbackRequest)
    @blp.response(200, PublishResult)
    @blp.alt_response(404, response="NOT_FOUND")
    def post(self, request: dict):
        """Publish an older rule set's rules again as a new number; they become the drafts."""
        version = store.rollback(
            get_engine(), request["version"], request["author"], request.get("note", "")
        )
        return {"version": version}


@blp.route("/history")
class History(MethodView):
    """Every published rule set."""

    @requires(blp, *MARKETER)
    @blp.response(200, RuleSetInfo(many=True))
    def get(self):
        """Every published rule set, newest first."""
        return store.history(get_engine())


@blp.route("/current")
class Current(MethodView):
    """The rule set members get now."""

    @requires(blp, *MARKETER)
    @blp.response(200, RuleSet)
    def get(self):
        """The current rule set's version and rules (version null before the first publish)."""
        version, rules = store.current_rule_set(get_engine())
        return {"version": version, "rules": [r.to_json() for r in rules]}


@blp.route("/preview")
class Preview(MethodView):
    """A draft on one member, before publishing."""

    @requires(blp, *MARKETER)
    @blp.arguments(PreviewRequest)
    @blp.response(200, PreviewReport)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(503, response="SERVICE_UNAVAILABLE")
    def post(self, request: dict):
        """The member's selection with the published rules and with the draft, side by side,
        and which rule removed or moved which product; 503 before the first model is trained."""
        member_id = request["member_id"]
        draft = _draft(request)
        find_member(get_engine(), member_id)  # 404 for an unknown member
        preview = _preview(draft, *serving_engine().for_member(member_id)[1:])
        return preview.member_report(member_id, request["channel"], request["n"])


@blp.route("/impact")
class Impact(MethodView):
    """A draft on a sample of members, before publishing."""

    @requires(blp, *MARKETER)
    @blp.arguments(ImpactRequest)
    @blp.response(200, ImpactReport)
    @blp.alt_response(503, response="SERVICE_UNAVAILABLE")
    def post(self, request: dict):
        """What the draft would change against the published rules on a sample of members
        (always the same ones); 503 before the first model is trained."""
        preview = _preview(_draft(request), *serving_engine().current()[1:])
        return preview.impact_report(request["sample"], request["channel"], request["n"])


def _draft(request: dict):
    """The rules sent, checked for repeated ids; None (the saved drafts) when none were sent."""
    return rules_from_loaded(request["rules"], "request") if "rules" in request else None


def _preview(draft, model, products) -> RulePreview:
    settings = get_settings()
    return RulePreview.load(
        get_engine(), model, products, today(settings), draft, journey=settings.journey
    )
