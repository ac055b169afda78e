"""Errors of the engine. ``RecommenderError`` is the root; only ``api`` maps them to codes."""

from __future__ import annotations

from collections.abc import Iterable


class RecommenderError(Exception):
    """Root of every error the engine raises on purpose."""


class EmptyHistoryError(RecommenderError):
    """There is nothing to learn from: no transactions (in the window asked for)."""


class TrainingFailedError(RecommenderError):
    """A fit produced factors the engine must not serve (NaN or infinite values)."""


class WorkerLostError(RecommenderError):
    """A worker process of a batch run ended without finishing its block."""


class ModelNotFoundError(RecommenderError):
    """No saved model (or not the version asked for) in the model store."""


def _some(ids: Iterable[str], shown: int = 5) -> str:
    ids = list(ids)
    more = f" and {len(ids) - shown} more" if len(ids) > shown else ""
    return ", ".join(repr(str(i)) for i in ids[:shown]) + more


class UnknownMemberError(RecommenderError, KeyError):
    """A member id the model has never seen."""

    def __init__(self, member_ids: Iterable[str]):
        self.member_ids = list(member_ids)
        super().__init__(f"unknown member id(s): {_some(self.member_ids)}")

    def __str__(self) -> str:
        return self.args[0]


class UnknownProductError(RecommenderError, KeyError):
    """A product id the model has never seen."""

    def __init__(self, product_ids: Iterable[str]):
        self.product_ids = list(product_ids)
        super().__init__(f"unknown product id(s): {_some(self.product_ids)}")

    def __str__(self) -> str:
        return self.args[0]
