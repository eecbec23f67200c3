"""Results: what each daily column means, its aggregation by week, month and year, and run
summaries.

Each daily column is declared once, with the module that produces it
(:class:`channelsim.world.base.Result`: unit, kind, description); :data:`COLUMNS` gathers them.
A flow is summed over a period, a level averaged, a ratio recomputed from its flows (people per
boat = people aboard / boats; price = revenue / attempts), never averaged from daily ratios,
a flag counts the days it holds, and a maximum (the day's largest load) is the largest of the
days.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .geography import geography
from .world import MODULES, Result

__all__ = ["aggregate", "summary", "SUMMARY_NAMES", "TOTAL_NAMES", "COLUMNS", "DAILY_COLUMNS", "LEVELS", "RATIOS", "MAXIMA", "FREQUENCIES",
           "Result", "unit"]

#: The daily result columns declared by the modules, in the order of the daily table.
DAILY_COLUMNS: dict[str, Result] = {r.name: r for module in MODULES for r in module.RESULTS}


def _launch_columns() -> dict[str, Result]:
    return {f"launches_{name}": Result(f"launches_{name}", "boats", "flow",
                                       f"boats launched at {name}, including those stopped")
            for name in geography().points.name}


#: Every column of the daily results table, name -> :class:`Result` (unit, kind, description):
#: the modules' columns, then boats launched at each crossing point (``launches_<point>``).
COLUMNS: dict[str, Result] = {**DAILY_COLUMNS, **_launch_columns()}
#: Columns that describe a state at the end of a day: averaged over a period.
LEVELS = frozenset(name for name, r in COLUMNS.items() if r.kind == "level")
#: Ratios recomputed from flows: column -> the flow that weights it.
RATIOS = {name: r.weight for name, r in COLUMNS.items() if r.kind == "ratio"}
FLAGS = frozenset(name for name, r in COLUMNS.items() if r.kind == "flag")
#: Columns that hold the day's largest of something (``largest_load``): the largest of the days
#: over a period.
MAXIMA = frozenset(name for name, r in COLUMNS.items() if r.kind == "max")


def unit(name: str) -> str:
    """The unit of result column ``name`` ("" if it is not a daily column)."""
    r = COLUMNS.get(name)
    return r.unit if r is not None else ""


#: Frequencies accepted by ``aggregate``: name -> pandas offset alias (weeks end on Sunday;
#: months and years are labelled by their first day).
FREQUENCIES = {"day": "D", "week": "W-SUN", "month": "MS", "year": "YS"}


def _freq(freq: str) -> str:
    if freq in FREQUENCIES:
        return FREQUENCIES[freq]
    if freq in FREQUENCIES.values():
        return freq
    raise ValueError(f"freq={freq!r} is invalid: expected one of {', '.join(FREQUENCIES)}")


def aggregate(daily: pd.DataFrame, freq: str = "week") -> pd.DataFrame:
    """Aggregate a daily results table to ``freq`` ("day", "week", "month" or "year", or the
    pandas offset alias they stand for: see ``FREQUENCIES``).

    Returns a new table, one row per period, in the daily columns' units: flows (people, boats)
    are summed over the period, levels (e.g. ``in_camps``, people) averaged, ``crossable``
    counts crossable days, ratios (e.g. ``people_per_boat``) are recomputed as means weighted
    by their denominator, maxima (``largest_load``) are the largest of the days, and a column
    ``days`` gives the days of the period in the table.
    Months and years are labelled by their first day; weeks end on Sunday and are labelled by
    it. The daily table is not changed.

    Raises ``TypeError`` if ``daily`` is not indexed by date, and ``ValueError`` naming the
    value and the accepted names for any other ``freq``.

    >>> import pandas as pd
    >>> daily = pd.DataFrame({"arrivals": [10, 0, 30]},
    ...                      index=pd.date_range("2024-01-30", periods=3))
    >>> aggregate(daily, "month")["arrivals"].tolist()
    [10, 30]
    >>> aggregate(daily, "fortnight")
    Traceback (most recent call last):
    ...
    ValueError: freq='fortnight' is invalid: expected one of day, week, month, year
    """
    if not isinstance(daily.index, pd.DatetimeIndex):
        raise TypeError("aggregate() needs the daily results table, indexed by date")
    rule = _freq(freq)
    df = daily.copy()
    for col, weight in RATIOS.items():
        if col in df:
            df[col] = df[col] * df[weight]
    for col in FLAGS & set(df.columns):
        df[col] = df[col].astype(int)
    grouped = df.resample(rule)
    sums = grouped.sum(numeric_only=True)
    out = sums
    levels = [c for c in df.columns if c in LEVELS]
    if levels:
        out[levels] = grouped[levels].mean()
    maxima = [c for c in df.columns if c in MAXIMA]
    if maxima:
        out[maxima] = grouped[maxima].max()
    for col, weight in RATIOS.items():
        if col in out:
            out[col] = np.divide(out[col], out[weight], out=np.zeros(len(out)),
                                 where=out[weight].to_numpy() > 0)
    out["days"] = grouped.size()
    return out


#: The figures :func:`summary` reports, in order.
SUMMARY_NAMES: tuple[str, ...] = (
    "days", "arrivals", "boats", "people_per_boat", "attempts", "stopped", "stopped_share",
    "deaths", "rescued", "crossable_days", "days_with_arrivals", "mean_in_camps", "detained",
    "returned", "admitted", "recrossed", "legal_applications", "net_effect",
)
#: The totals of a run (:func:`channelsim.experiments.run_totals`), in order: the summary,
#: then every other numeric column (a flag is only counted, in ``crossable_days``).
TOTAL_NAMES: tuple[str, ...] = tuple(dict.fromkeys(
    [*SUMMARY_NAMES, *(name for name, r in COLUMNS.items() if r.kind != "flag")]))


def summary(daily: pd.DataFrame) -> pd.Series:
    """Totals of a run (``daily``, the table of ``simulate`` or ``ChannelModel.results``): the
    headline figures of the 2024 record and the pilot, as a Series indexed by
    ``SUMMARY_NAMES``.

    Units: ``days``, ``crossable_days`` (wind below Beaufort 7) and ``days_with_arrivals`` in
    days; ``boats`` (boats whose people reached the UK) in boats; ``people_per_boat`` in
    people/boat (mean over those boats, 0 if none); ``stopped_share`` a fraction of
    ``attempts`` (0 to 1); ``mean_in_camps`` the mean of the daily count of people waiting on
    the French coast; every other figure in people, summed over the run: ``arrivals``,
    ``attempts`` (each attempt counted), ``stopped`` (on the beach or at sea), ``deaths``,
    ``rescued``, and, when the table has them, the pilot's ``detained``, ``returned``,
    ``admitted``, ``recrossed``, ``legal_applications`` and ``net_effect`` (arrivals - returned
    + admitted).

    >>> from channelsim import simulate
    >>> summary(simulate(days=28, seed=1))["arrivals"]  # doctest: +SKIP
    """
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
