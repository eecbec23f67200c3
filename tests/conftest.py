"""Shared fixtures: default runs computed once per test session and reused by every test file.

A default simulated year takes about a second; the realism, accounting and results tests all
read the same few runs, so they are cached here by seed instead of being recomputed.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")  # figures are built and inspected, never shown

import channelsim  # noqa: E402  (after the backend is chosen)
from channelsim.model import ChannelModel  # noqa: E402
from channelsim.population import FREE, Migrant  # noqa: E402

#: Seeds and length of the multi-year accounting runs.
LONG_RUN_SEEDS = (0, 1, 2)
LONG_RUN_YEARS = 3


@functools.cache
def _default_year(seed: int) -> pd.DataFrame:
    return channelsim.simulate(seed=seed)


@pytest.fixture(scope="session")
def default_year():
    """``default_year(seed)``: daily results of the default year from 2024-01-01 (cached, do not
    modify: copy first)."""
    return _default_year


@dataclass
class DailyAudit:
    """What a test can only see while a model runs: per-day checks of the population."""

    present: np.ndarray  #: people modelled individually at each day's end
    migrant_agents: np.ndarray  #: Migrant agents reachable through agents_by_type
    state_total: np.ndarray  #: everyone counted over all states, each day
    entered: np.ndarray  #: everyone who ever entered, each day
    capacity: np.ndarray  #: slots allocated by the population store, each day


@dataclass
class LongRun:
    seed: int
    model: ChannelModel
    daily: pd.DataFrame
    audit: DailyAudit


@functools.cache
def _long_run(seed: int) -> LongRun:
    """The default model (as :func:`channelsim.simulate` builds it) stepped day by day for
    ``LONG_RUN_YEARS`` years, with the accounting checked and recorded after every day."""
    model = channelsim.build_model(seed=seed)
    days = LONG_RUN_YEARS * 365
    cols = {k: np.zeros(days, dtype=np.int64) for k in DailyAudit.__dataclass_fields__}
    pop = model.population
    for d in range(days):
        model.step()
        pop.check()  # raises AccountingError if anyone was created or lost
        cols["present"][d] = np.count_nonzero(pop.state != FREE)
        cols["migrant_agents"][d] = len(model.agents_by_type.get(Migrant, ()))
        cols["state_total"][d] = pop.counts().sum()
        cols["entered"][d] = pop.entered
        cols["capacity"][d] = pop.capacity
    return LongRun(seed, model, model.results(), DailyAudit(**cols))


@pytest.fixture(scope="session")
def long_runs() -> list[LongRun]:
    """Three-year default runs for :data:`LONG_RUN_SEEDS` (cached for the session)."""
    return [_long_run(s) for s in LONG_RUN_SEEDS]
