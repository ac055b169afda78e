"""Ids in URL paths: text without the NUL character, which PostgreSQL cannot even compare."""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import UnicodeConverter, ValidationError


class IdText(UnicodeConverter):
    """``<string:...>`` that does not match an id holding NUL: such a path is a plain 404."""

    def to_python(self, value: str) -> str:
        if "\x00" in value:
            raise ValidationError()
        return value


def init_app(app: Flask) -> None:
    """Make every ``string`` path converter refuse NUL (before any route is added)."""
    app.url_map.converters["string"] = IdText
    app.url_map.converters["default"] = IdText
