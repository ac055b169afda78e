"""Errors of brand-fit rules, under the domain's root ``LoyaltyError``."""

from __future__ import annotations

from loyalty.errors import InvalidInputError, LoyaltyError, NotFoundError, RowProblem


class RuleValidationError(InvalidInputError):
    """Rules that break the rule language; nothing of them was saved."""

    def __init__(self, source: str, problems: list[RowProblem]):
        self.source, self.problems, self.total = source, problems, len(problems)
        shown = "\n".join("  " + problem.describe(source) for problem in problems)
        LoyaltyError.__init__(
            self, f"{source}: {len(problems)} problem(s) in the rules, nothing was saved:\n{shown}"
        )


class RuleSetInputError(InvalidInputError):
    """A publish or rollback that cannot be done as asked (no note, nothing changed)."""

    def __init__(self, message: str):
        self.source, self.problems, self.total = "drafts", [], 0
        LoyaltyError.__init__(self, message)


class RuleNotFoundError(NotFoundError):
    """A draft rule or a rule set asked for by id or version does not exist."""
