"""Errors of the domain. ``LoyaltyError`` is the root; ``api`` alone maps them to exit codes."""

from __future__ import annotations

from dataclasses import dataclass


class LoyaltyError(Exception):
    """Root of every error the domain raises on purpose."""


class ConfigError(LoyaltyError):
    """A setting has a value the engine cannot use."""


class NotFoundError(LoyaltyError):
    """Something asked for by id does not exist."""


@dataclass(frozen=True)
class RowProblem:
    """One thing wrong with one value of an input file."""

    line: int | None
    column: str | None
    message: str

    def describe(self, source: str) -> str:
        """``file:line: column: message``, leaving out what is unknown."""
        where = source if self.line is None else f"{source}:{self.line}"
        return (
            f"{where}: {self.column}: {self.message}" if self.column else f"{where}: {self.message}"
        )


class InvalidInputError(LoyaltyError):
    """An input file (or request body) has values that break the data format.

    Nothing of the input is written when this is raised.
    """

    def __init__(self, source: str, problems: list[RowProblem], total: int | None = None):
        self.source = source
        self.problems = problems
        self.total = len(problems) if total is None else total
        shown = "\n".join("  " + p.describe(source) for p in problems)
        more = (
            f"\n  ... and {self.total - len(problems)} more" if self.total > len(problems) else ""
        )
        super().__init__(f"{source}: {self.total} problem(s), nothing was imported:\n{shown}{more}")
