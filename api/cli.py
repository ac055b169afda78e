"""The ``loyalty`` command line: parse, call one domain or engine function, print."""

from __future__ import annotations

import sys

import click

from api.commands import (
    benefits,
    campaigns,
    data,
    fixtures,
    keys,
    offers,
    recommender,
    rules,
    serve,
)
from api.commands.options import DATE
from loyalty.config import Settings
from loyalty.errors import ConfigError, InvalidInputError, LoyaltyError, NotFoundError
from recommender.errors import ModelNotFoundError, RecommenderError, UnknownMemberError

EXIT_BAD_INPUT = 2
EXIT_NOT_FOUND = 3


class LoyaltyGroup(click.Group):
    """Turns the domain's errors into a clear message and an exit code, never a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except InvalidInputError as error:
            _fail(str(error), EXIT_BAD_INPUT)
        except (NotFoundError, UnknownMemberError) as error:
            _fail(str(error), EXIT_NOT_FOUND)
        except ModelNotFoundError as error:
            _fail(f"{error} (loyalty train makes one)", 1)
        except (LoyaltyError, RecommenderError) as error:
            _fail(str(error), 1)


def _fail(message: str, code: int) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


@click.group(cls=LoyaltyGroup)
@click.option(
    "--as-of",
    type=DATE,
    help="Take this date as today (replays history). Default: LOYALTY_AS_OF, else the clock.",
)
@click.version_option(package_name="loyalty-engine")
@click.pass_context
def cli(ctx: click.Context, as_of) -> None:
    """Loyalty personalization engine: personal selections and offers for every member."""
    try:
        settings = Settings.from_env()
    except ConfigError as error:
        _fail(str(error), EXIT_BAD_INPUT)
    ctx.obj = settings.with_overrides(as_of=as_of)


cli.add_command(benefits.benefits)
cli.add_command(fixtures.fixtures)
cli.add_command(keys.keys)
cli.add_command(rules.rules)
cli.add_command(serve.serve)
for command in data.COMMANDS + recommender.COMMANDS + offers.COMMANDS + campaigns.COMMANDS:
    cli.add_command(command)


def main() -> None:
    """Entry point of the ``loyalty`` console script."""
    cli(prog_name="loyalty")
