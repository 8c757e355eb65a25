"""Spreadsheet-safe text cells (CSV and XLSX exports).

A text cell that starts with =, +, -, @, a tab or a carriage return is read as a formula by Excel,
LibreOffice and others (CSV injection). As OWASP recommends, such a cell is written with a single
quote in front; the stored data is unchanged and only text cells are touched, so a negative number
in a numeric column stays a number.
"""
from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """The value as a spreadsheet should receive it: text that could start a formula gets a leading '."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
