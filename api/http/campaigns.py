"""``/v1/campaigns`` and ``/v1/runs``: campaigns, generating their offers, and their reports.

Creating a campaign whose name exists is a 422 naming ``name`` (the request is wrong, like any
other invalid field), not a 409.
"""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from api.http.auth import ADMIN, MARKETER, requires
from api.http.campaign_schemas import CampaignInfo, CampaignReport, Run
from api.http.database import get_engine, get_settings
from api.http.engine import serving_engine
from loyalty.clock import today
from loyalty.offers import store
from loyalty.offers.campaigns import CampaignSchema, make_campaign
from loyalty.offers.report import campaign_report
from recommender.campaign_runs import run_campaign

blp = Blueprint(
    "campaigns",
    __name__,
    url_prefix="/v1",
    description="Campaigns: budget, offers per member, validity, holdout; their runs and reports.",
)
NAME = "<string(maxlength=80):name>"


@blp.route("/campaigns")
class Campaigns(MethodView):
    """Every campaign."""

    @requires(blp, *MARKETER)
    @blp.response(200, CampaignInfo(many=True))
    def get(self):
        """List the campaigns and their current runs, by name."""
        return store.list_campaigns(get_engine())

    @requires(blp, *MARKETER)
    @blp.arguments(CampaignSchema)
    @blp.response(201, CampaignInfo)
    def post(self, campaign: dict):
        """Create a campaign; 422 naming ``name`` when one with that name exists."""
        return store.create_campaign(get_engine(), make_campaign(campaign))


@blp.route(f"/campaigns/{NAME}")
class CampaignByName(MethodView):
    """One campaign."""

    @requires(blp, *MARKETER)
    @blp.response(200, CampaignInfo)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, name: str):
        """Read one campaign."""
        return store.get_campaign(get_engine(), name)


@blp.route(f"/campaigns/{NAME}/report")
class Report(MethodView):
    """A campaign's results."""

    @requires(blp, *MARKETER)
    @blp.response(200, CampaignReport)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, name: str):
        """Issued, redeemed, spend against budget, and uplift over the holdout, as of today."""
        return campaign_report(get_engine(), name, today(get_settings()))


@blp.route(f"/campaigns/{NAME}/runs")
class CampaignRuns(MethodView):
    """A campaign's runs."""

    @requires(blp, *MARKETER)
    @blp.response(200, Run(many=True))
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, name: str):
        """The campaign's runs, newest first."""
        engine = get_engine()
        store.get_campaign(engine, name)  # 404 for an unknown campaign, not an empty list
        return store.list_runs(engine, name)

    @requires(blp, *ADMIN)
    @blp.response(201, Run)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
    @blp.alt_response(503, response="SERVICE_UNAVAILABLE")
    def post(self, name: str):
        """Generate the campaign's offers for every member now; the run replaces the current one.

        Synchronous: answers when the run is complete and current. 422 when the campaign has
        ended or no benefit is enabled; 503 before the first model is trained.
        """
        settings = get_settings()
        engine = get_engine()
        done = run_campaign(engine, serving_engine().store, name, today(settings), settings.journey)
        return store.get_run(engine, done.run_id)


@blp.route("/runs/<string(maxlength=100):run_id>")
class RunById(MethodView):
    """One run."""

    @requires(blp, *MARKETER)
    @blp.response(200, Run)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, run_id: str):
        """Read one run: status, times, versions and summary."""
        return store.get_run(get_engine(), run_id)
