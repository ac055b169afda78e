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
    """A campaign that cannot be created or generated as asked; names each field at fault."""

    def __init__(self, message: str, field: str | None = None, more: list[RowProblem] = ()):
        self.source = "campaign"
        self.problems = [RowProblem(None, field, message), *more]
        self.total = len(self.problems)
        LoyaltyError.__init__(self, "; ".join(p.describe("campaign") for p in self.problems))


class OfferNotFoundError(NotFoundError):
    """A benefit, campaign, run or offer asked for by id does not exist."""


class OfferRefusedError(LoyaltyError):
    """A redemption the offer's state forbids: expired, not yet valid, redeemed elsewhere."""
