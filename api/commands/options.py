"""Option types shared by the commands."""

from __future__ import annotations

from datetime import date

import click

from loyalty.config import parse_date
from loyalty.errors import ConfigError


class DateType(click.ParamType):
    """A ``YYYY-MM-DD`` date; anything else is a usage error naming the option."""

    name = "DATE"

    def convert(self, value, param, ctx) -> date:
        if isinstance(value, date):
            return value
        try:
            return parse_date(str(value), f"--{param.name.replace('_', '-')}" if param else "date")
        except ConfigError as error:
            self.fail(str(error), param, ctx)


DATE = DateType()
