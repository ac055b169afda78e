"""Errors of benefits, campaigns and offers, under the domain's root ``LoyaltyError``."""

from __future__ import annotations

from loyalty.errors import InvalidInputError, LoyaltyError, NotFoundError, RowProblem


class BenefitValidationError(InvalidInputError):
    """Benefits that break the benefit format; nothing of them was saved."""

    def __init__(self, source: str, problems: list[RowProblem]):
        self.source, self.problems, self.total = source, problems, len(problems)
        shown = "\n".join("  " + problem.describe(source) for problem in problems)
        LoyaltyError.__init__(
            self,
            f"{source}: {len(problems)} problem(s) in the benefits, nothing was saved:\n{shown}",
        )


class CampaignInputError(InvalidInputError):
    """A campaign that cannot be created or generated as asked."""

    def __init__(self, message: str, field: str | None = None):
        self.source, self.total = "campaign", 1
        self.problems = [RowProblem(None, field, message)]
        LoyaltyError.__init__(self, f"{field}: {message}" if field else message)


class OfferNotFoundError(NotFoundError):
    """A benefit, campaign, run or offer asked for by id does not exist."""


class OfferRefusedError(LoyaltyError):
    """A redemption the offer's state forbids: expired, not yet valid, redeemed elsewhere."""
