"""``/v1/events``: purchases and product views from the store and the web shop, as they happen."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields

from api.http.auth import CHANNEL_WRITE, requires
from api.http.database import get_engine
from api.http.schemas import WithoutNul
from loyalty.events import MAX_EVENTS, EventRow, record_events

blp = Blueprint(
    "events",
    __name__,
    url_prefix="/v1/events",
    description="Purchases and views from either channel; a member's next selection and "
    "offers reflect their purchases at once, on every worker.",
)


class Event(WithoutNul, EventRow):
    """One event: ``type`` purchase or view, member, product, timestamp (store's local time)."""


class EventsResult(Schema):
    """What a batch of events did."""

    purchases = fields.Integer(required=True)
    views = fields.Integer(required=True)
    lines_written = fields.Integer(
        required=True,
        metadata={"description": "New transaction lines (a line stored already is skipped)"},
    )
    last_event_id = fields.Integer(required=True)


@blp.route("")
class Events(MethodView):
    """Events from the channels."""

    @requires(blp, *CHANNEL_WRITE)
    @blp.arguments(Event(many=True), description=f"Up to {MAX_EVENTS} events, all or nothing")
    @blp.response(200, EventsResult)
    def post(self, events: list[dict]):
        """Record purchases and views; nothing is written when one is invalid."""
        if not events:
            abort(422, errors={"json": {"_schema": ["send at least one event"]}})
        if len(events) > MAX_EVENTS:
            abort(422, errors={"json": {"_schema": [f"at most {MAX_EVENTS} events per request"]}})
        return record_events(get_engine(), events, source="json")
