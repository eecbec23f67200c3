"""Results: aggregation of the daily table by week, month and year, and run summaries.

Each daily column is a flow (summed over a period), a level (averaged), or a ratio that is
recomputed from its flows (people per boat = people aboard / boats; price = revenue / attempts),
never averaged from daily ratios.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["aggregate", "summary", "LEVELS", "FREQUENCIES"]

#: Columns that describe a state at the end of a day: averaged over a period.
LEVELS = frozenset({
    "in_camps", "booked", "boats_in_stock", "legal_queue", "in_detention", "beaufort",
    "bf_utilisation", "belief_stop", "belief_death", "belief_return",
})
#: Ratios recomputed from flows: column -> (numerator weight column, denominator column).
RATIOS = {"people_per_boat": "boats", "price_eur": "attempts"}
FREQUENCIES = {"day": "D", "week": "W-SUN", "month": "MS", "year": "YS"}


def _freq(freq: str) -> str:
    if freq in FREQUENCIES:
        return FREQUENCIES[freq]
    if freq in FREQUENCIES.values():
        return freq
    raise ValueError(f"freq={freq!r} is invalid: expected one of {', '.join(FREQUENCIES)}")


def aggregate(daily: pd.DataFrame, freq: str = "week") -> pd.DataFrame:
    """Aggregate a daily results table to ``freq`` ("day", "week", "month" or "year").

    Flows are summed, levels averaged, ``crossable`` counts crossable days and ratios are
    recomputed as weighted means. Periods are labelled by their first day (weeks end on Sunday
    and are labelled by it).
    """
    if not isinstance(daily.index, pd.DatetimeIndex):
        raise TypeError("aggregate() needs the daily results table, indexed by date")
    rule = _freq(freq)
    df = daily.copy()
    for col, weight in RATIOS.items():
        if col in df:
            df[col] = df[col] * df[weight]
    if "crossable" in df:
        df["crossable"] = df["crossable"].astype(int)
    grouped = df.resample(rule)
    sums = grouped.sum(numeric_only=True)
    out = sums
    levels = [c for c in df.columns if c in LEVELS]
    if levels:
        out[levels] = grouped[levels].mean()
    for col, weight in RATIOS.items():
        if col in out:
            out[col] = np.divide(out[col], out[weight], out=np.zeros(len(out)),
                                 where=out[weight].to_numpy() > 0)
    out["days"] = grouped.size()
    return out


def summary(daily: pd.DataFrame) -> pd.Series:
    """Totals of a run: the headline figures of the 2024 record and the pilot."""
    tot = daily.sum(numeric_only=True)
    boats = tot.get("boats", 0)
    attempts = tot.get("attempts", 0)
    s = {
        "days": len(daily),
        "arrivals": int(tot.get("arrivals", 0)),
        "boats": int(boats),
        "people_per_boat": float((daily["people_per_boat"] * daily["boats"]).sum() / boats) if boats else 0.0,
        "attempts": int(attempts),
        "stopped": int(tot.get("stopped", 0)),
        "stopped_share": float(tot.get("stopped", 0) / attempts) if attempts else 0.0,
        "deaths": int(tot.get("deaths", 0)),
        "rescued": int(tot.get("rescued", 0)),
        "crossable_days": int(daily["crossable"].sum()) if "crossable" in daily else 0,
        "days_with_arrivals": int((daily["arrivals"] > 0).sum()),
        "mean_in_camps": float(daily["in_camps"].mean()) if "in_camps" in daily else 0.0,
    }
    for col in ("detained", "returned", "admitted", "recrossed", "legal_applications", "net_effect"):
        if col in daily:
            s[col] = int(tot[col])
    return pd.Series(s)
