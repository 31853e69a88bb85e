"""The one error family: every message names the problem and the fix."""

from __future__ import annotations


class WorkbenchError(Exception):
    """Base class; front ends print ``str(error)`` on one line, without a traceback."""

    exit_code = 1


class UsageError(WorkbenchError):
    """The user asked for something that cannot be done as asked."""

    exit_code = 2


class StoreError(WorkbenchError):
    """The store is missing, foreign, or incompatible."""


class InputError(WorkbenchError):
    """An input file or value is unusable."""


class ModelError(WorkbenchError):
    """A model could not be loaded or mixed with another."""
