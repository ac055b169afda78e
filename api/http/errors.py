"""One JSON shape for every error: ``{"code", "status", "message", "errors"}``.

``api`` alone turns the domain's and the engine's errors into HTTP status codes; a failure
nobody planned for becomes a 500 whose message says nothing of its cause (the cause is logged).
"""

from __future__ import annotations

from http import HTTPStatus

from flask import Flask, current_app
from flask_smorest import Api
from marshmallow import Schema, fields
from werkzeug.exceptions import HTTPException, InternalServerError, MethodNotAllowed

from loyalty.db import DatabaseUnavailableError
from loyalty.errors import ConfigError, InvalidInputError, LoyaltyError, NotFoundError
from loyalty.offers.errors import OfferRefusedError
from recommender.errors import ModelNotFoundError, RecommenderError, UnknownMemberError

# Most specific first: the first class an error is an instance of gives its status.
STATUS_OF_ERROR: list[tuple[type[Exception], int]] = [
    (InvalidInputError, 422),
    (NotFoundError, 404),
    (UnknownMemberError, 404),
    (OfferRefusedError, 409),
    (DatabaseUnavailableError, 503),
    (ModelNotFoundError, 503),
    (ConfigError, 500),
    (LoyaltyError, 400),
    (RecommenderError, 400),
]
# Their text may name hosts or paths of the server: the client gets the status's own words.
HIDDEN = (DatabaseUnavailableError, ModelNotFoundError, ConfigError)


class ErrorSchema(Schema):
    """What every error response holds."""

    code = fields.Integer(required=True, metadata={"description": "HTTP status code"})
    status = fields.String(required=True, metadata={"description": "HTTP status name"})
    message = fields.String(required=True, metadata={"description": "What went wrong"})
    errors = fields.Dict(
        required=True,
        metadata={
            "description": "Problems per location and field, e.g. "
            '{"json": {"tier": ["Missing data for required field."]}}; '
            "for files: {file: {line: {column: [...]}}}"
        },
    )


class LoyaltyApi(Api):
    """flask-smorest's ``Api`` with the engine's error shape (message and errors always set)."""

    ERROR_SCHEMA = ErrorSchema

    def handle_http_exception(self, error: HTTPException):
        """Return any HTTP error, 500 included, in the one JSON shape."""
        data = getattr(error, "data", None) or {}
        message = data.get("message") or error.description or error.name
        if isinstance(error, InternalServerError):
            message = InternalServerError.description
        payload = {
            "code": error.code,
            "status": error.name,
            "message": message,
            "errors": data.get("errors") or data.get("messages") or {},
        }
        headers = dict(data.get("headers") or {})
        if isinstance(error, MethodNotAllowed) and error.valid_methods:
            headers["Allow"] = ", ".join(sorted(error.valid_methods))
        return payload, error.code, headers


def init_app(app: Flask) -> None:
    """Map the domain's and the engine's errors to HTTP responses."""
    app.register_error_handler(LoyaltyError, handle_domain_error)
    app.register_error_handler(RecommenderError, handle_domain_error)


def handle_domain_error(error: Exception):
    """An error raised on purpose by ``loyalty`` or ``recommender``, as JSON."""
    code = next(status for kind, status in STATUS_OF_ERROR if isinstance(error, kind))
    phrase = HTTPStatus(code).phrase
    message = str(error)
    if isinstance(error, HIDDEN) or code >= 500:
        current_app.logger.error("%s: %s", type(error).__name__, error)
        message = phrase
    payload = {
        "code": code,
        "status": phrase,
        "message": message,
        "errors": problems_by_place(error) if isinstance(error, InvalidInputError) else {},
    }
    return payload, code


def problems_by_place(error: InvalidInputError) -> dict:
    """``{source: {line: {column: [messages]}}}``, the shape webargs gives request bodies."""
    places: dict = {}
    for problem in error.problems:
        at = places.setdefault(error.source, {})
        if problem.line is not None:
            at = at.setdefault(str(problem.line), {})
        at.setdefault(problem.column or "_schema", []).append(problem.message)
    return places
