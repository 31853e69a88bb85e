"""Stance judges: (claim, passage) pairs → supports / refutes / neutral with probabilities."""

from workbench.judges.base import Judge, available_judges, get_judge, register_judge

__all__ = ["Judge", "available_judges", "get_judge", "register_judge"]
