"""Errors of the pure computations, for callers to map (app.core.errors maps them to HTTP statuses).

Both are ValueErrors, so code that catches ValueError around a computation keeps working."""
from __future__ import annotations


class InvalidInput(ValueError):
    """The data or parameters given to a computation cannot be used (empty, non-finite, out of range)."""


class RuleViolation(ValueError):
    """Well-formed input that breaks a rule of the plan (e.g. a zone outside the district)."""
