"""Data shipped with the package, and the loader of the Home Office daily record.

The record (``arrivals_daily.csv``): people and boats detected arriving in the UK by small
boat each day from 2018-01-01 to 2025-07-31. Source: Home Office, "Migrants detected crossing
the English Channel in small boats", Open Government Licence v3.0, as compiled by The
National's ``uk_small_boats`` repository, CC BY 4.0.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from importlib import resources

import pandas as pd

__all__ = ["record", "RECORD_FIRST", "RECORD_LAST", "RECORD_SOURCE"]

#: First and last day of the daily record.
RECORD_FIRST, RECORD_LAST = dt.date(2018, 1, 1), dt.date(2025, 7, 31)
#: Attribution of the daily record.
RECORD_SOURCE = ('Home Office, "Migrants detected crossing the English Channel in small boats", '
                 "Open Government Licence v3.0, as compiled by The National's uk_small_boats "
                 "repository, CC BY 4.0")


@lru_cache(maxsize=1)
def _load() -> pd.DataFrame:
    with resources.files(__name__).joinpath("arrivals_daily.csv").open(encoding="utf-8") as fh:
        df = pd.read_csv(fh, parse_dates=["date"], dtype={"people": "int64", "boats": "int64"})
    df = df.set_index("date").sort_index()
    full = pd.date_range(RECORD_FIRST, RECORD_LAST, freq="D", name="date")
    if df.index.has_duplicates or not df.index.isin(full).all():
        raise ValueError("arrivals_daily.csv: dates must be unique days from "
                         f"{RECORD_FIRST} to {RECORD_LAST}")
    # The Home Office publishes a row for every day; a day absent from the file had no crossings.
    return df.reindex(full, fill_value=0)[["people", "boats"]]


def record() -> pd.DataFrame:
    """The Home Office daily record of small-boat arrivals, 2018-01-01 to 2025-07-31.

    Returns a DataFrame indexed by ``date`` (every day, a ``DatetimeIndex``) with columns
    ``people`` (people detected arriving) and ``boats`` (boats they arrived in); a day without
    crossings is a row of zeros. ``attrs['source']`` holds the attribution.

    Source: Home Office, "Migrants detected crossing the English Channel in small boats",
    Open Government Licence v3.0, as compiled by The National's ``uk_small_boats`` repository,
    CC BY 4.0.

    >>> rec = record()
    >>> int(rec.loc["2024", "people"].sum())
    36816
    """
    df = _load().copy()
    df.attrs["source"] = RECORD_SOURCE
    return df
