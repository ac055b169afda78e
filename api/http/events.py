"""``/v1/events``: purchases and product views from the store and the web shop, as they happen."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint, abort
from marshmallow import RAISE, Schema, fields, validate

from api.http.auth import CHANNEL_WRITE, requires
from api.http.database import get_engine
from api.http.schemas import WithoutNul
from loyalty.errors import InvalidInputError
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


class EventBatch(Schema):
    """A batch of events, all or nothing."""

    class Meta:
        unknown = RAISE

    events = fields.List(
        fields.Nested(Event), required=True, validate=validate.Length(min=1, max=MAX_EVENTS)
    )


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
    @blp.arguments(EventBatch, description=f"1 to {MAX_EVENTS} events, all or nothing")
    @blp.response(200, EventsResult)
    def post(self, batch: dict):
        """Record purchases and views; nothing is written when one is invalid.

        An unknown member or product is a 422 naming the event by its position in ``events``.
        """
        try:
            return record_events(get_engine(), batch["events"], source="events")
        except InvalidInputError as error:
            named = {
                str(p.line): {p.column: [p.message]} for p in error.problems if p.line is not None
            }
            abort(422, message=str(error), errors={"json": {"events": named}})
