"""Numbers and tables as people read them.

Results tables hold counts in the tens of thousands next to shares and rates below one, and
outputs a scenario never has (no returns without a pilot) are missing. Printed raw they show
``3.46e+04``, ``NaN`` and ``299.00``. :func:`number` writes a value with thousands separators,
no exponent and about three significant digits; :func:`table_html` and :func:`styled` apply it
to every number of a table, with a dash where a value is missing.

>>> number(34_612.4), number(0.04471), number(53.0), number(float("nan"))
('34,612', '0.0447', '53', '—')
"""

from __future__ import annotations

import math
from numbers import Real
from typing import Any

import pandas as pd

__all__ = ["MISSING", "number", "table_html", "styled"]

MISSING = "\u2014"  #: shown where a value is missing (an em dash)
MAX_DECIMALS = 6  #: smaller values are shown as 0 with this many decimals


def number(value: Any, digits: int = 3) -> str:
    """``value`` for a table or a sentence: whole numbers and anything of 100 or more without
    decimals and with thousands separators; smaller values with at most ``digits`` significant
    digits and six decimals, without trailing zeros (0.5, not 0.500), never in exponent
    notation; :data:`MISSING` for None or NaN.
    Anything that is not a real number is returned as ``str(value)``."""
    if value is None:
        return MISSING
    if isinstance(value, bool) or not isinstance(value, Real):
        return str(value)
    v = float(value)
    if math.isnan(v):
        return MISSING
    if math.isinf(v):
        return "\u221e" if v > 0 else "\u2212\u221e"
    if abs(v) >= 100 or v == round(v):
        return f"{v:,.0f}"
    decimals = min(MAX_DECIMALS, max(0, digits - 1 - math.floor(math.log10(abs(v)))))
    return f"{v:,.{decimals}f}".rstrip("0").rstrip(".")  # 0.5, not 0.500


def _float_columns(table: pd.DataFrame) -> list:
    return [c for c in table.columns if pd.api.types.is_float_dtype(table[c])]


def table_html(table: pd.DataFrame) -> str:
    """``table`` as HTML with every float written by :func:`number`."""
    return table.to_html(float_format=number, na_rep=MISSING)


def styled(table: pd.DataFrame) -> Any:
    """A pandas ``Styler`` of ``table`` with every float written by :func:`number` and
    right-aligned (for notebooks: ``styled(table)`` as the last line of a cell)."""
    return (table.style.format(number, subset=_float_columns(table), na_rep=MISSING)
            .set_properties(subset=_float_columns(table), **{"text-align": "right"}))
