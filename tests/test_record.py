"""The Home Office daily record shipped with the package."""

from __future__ import annotations

import pandas as pd

from channelsim import data


def test_record_is_every_day_from_2018_to_july_2025():
    rec = data.record()
    assert rec.index[0] == pd.Timestamp("2018-01-01") and rec.index[-1] == pd.Timestamp("2025-07-31")
    assert len(rec) == 2769 and rec.index.is_unique and (rec.index.to_series().diff().dropna()
                                                          == pd.Timedelta(days=1)).all()
    assert list(rec.columns) == ["people", "boats"]
    assert (rec >= 0).all().all()
    # a boat is counted only when people arrive in it, and people only in boats
    assert ((rec.people > 0) == (rec.boats > 0)).all()
    assert "Open Government Licence" in rec.attrs["source"]


def test_record_totals_match_the_published_figures():
    rec = data.record()
    yearly = rec.people.groupby(rec.index.year).sum()
    assert yearly[2018] == 299 and yearly[2019] == 1843 and yearly[2021] == 28526
    assert yearly[2023] == 29437 and yearly[2024] == 36816
    assert rec.loc["2025-01-01":"2025-06-30", "people"].sum() == 19982
    assert rec.loc["2024-01-01":"2024-06-30", "people"].sum() == 13489
    boats = rec.boats.groupby(rec.index.year).sum()
    assert boats[2018] == 43 and boats[2019] == 164 and boats[2020] == 641
    # people per boat rose from 7 (2018) to 53 (2024)
    assert round(yearly[2018] / boats[2018]) == 7 and round(yearly[2024] / boats[2024]) == 53


def test_record_is_a_copy_callers_may_change():
    rec = data.record()
    rec.loc["2024-01-01", "people"] = -1
    assert data.record().loc["2024-01-01", "people"] >= 0
