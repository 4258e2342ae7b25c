"""The inference runtime's own errors: what the agent catches, each naming what is wrong."""

from __future__ import annotations


class WindowRejected(ValueError):
    """A window cannot be scored as given (wrong length, NaN reading, fraction out of range)."""


class ModelUnusable(RuntimeError):
    """The model file or its metadata cannot be used (missing, inconsistent, unreadable)."""
