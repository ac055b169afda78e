"""``/v1/status``: how much data the engine holds, like ``loyalty status --json``."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from api.http.auth import MARKETER, requires
from api.http.database import get_engine, get_settings
from api.http.schemas import DataStatus
from loyalty.clock import today
from loyalty.status import data_status

blp = Blueprint("status", __name__, url_prefix="/v1/status", description="What the engine holds.")


@blp.route("")
class Status(MethodView):
    """Counts and dates."""

    @requires(blp, *MARKETER)
    @blp.response(200, DataStatus)
    def get(self):
        """Counts of members, products and transactions, and the latest imports."""
        return {"today": today(get_settings()), **data_status(get_engine())}
