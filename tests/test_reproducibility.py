"""Reproducibility: one seed, one result, in any process.

The same seed gives identical daily results (every column, every dtype) across repeated calls
in one process, in fresh interpreters with different hash seeds, after the package is imported
again or reloaded, in a pool of worker processes and in concurrent threads. The ensemble, the
unit researchers share, is compared run by run between two fresh interpreters (one of them
running it on a process pool) and this process. Results travel between processes as pickles,
which keep every dtype (Parquet would turn the date index from seconds into milliseconds).
"""

from __future__ import annotations

import concurrent.futures as cf
import importlib
import multiprocessing
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

import channelsim

#: A run that exercises the pilot, the legal route and dated levers: the summer the pilot begins.
SCENARIO, START, DAYS = "crackdown_and_disruption", "2025-07-01", 100
SEEDS = (3, 2**40 + 17, 987_654_321)
ENSEMBLE = dict(n=3, seed=5, days=60, start="2025-07-20")


def run(seed: int) -> pd.DataFrame:
    return channelsim.simulate(SCENARIO, days=DAYS, start=START, seed=seed)


def assert_identical(a: pd.DataFrame, b: pd.DataFrame) -> None:
    """Same columns, dtypes, index and values, bit for bit."""
    assert_frame_equal(a, b, check_exact=True, check_freq=False)


@pytest.fixture(scope="module")
def reference() -> dict[int, pd.DataFrame]:
    """The runs of :data:`SEEDS`, computed once in this process."""
    return {seed: run(seed) for seed in SEEDS}


# ----------------------------------------------------------------------------- one process
def test_same_seed_same_results_whatever_ran_before(reference):
    first = SEEDS[0]
    assert reference[first].detained.sum() > 0 and reference[first].admitted.sum() > 0
    for seed in reversed(SEEDS):  # other runs in between leave nothing behind
        assert_identical(run(seed), reference[seed])
    assert not reference[SEEDS[0]].arrivals.equals(reference[SEEDS[1]].arrivals)


# ----------------------------------------------------------------------------- fresh interpreters
CHILD = textwrap.dedent("""
    import sys
    import channelsim

    out, executor = sys.argv[1], sys.argv[2]
    executor = int(executor) if executor.isdigit() else executor
    daily = channelsim.simulate({scenario!r}, days={days}, start={start!r}, seed={seed})
    daily.to_pickle(out + "/simulate.pkl")
    ens = channelsim.ensemble({scenario!r}, executor=executor, progress=False, **{ensemble!r})
    assert ens.failures.empty, ens.failures
    ens.daily.to_pickle(out + "/ensemble_daily.pkl")
    ens.summary.to_pickle(out + "/ensemble_summary.pkl")
""")


def _child(folder: Path, executor: str, hash_seed: str) -> subprocess.Popen:
    folder.mkdir()
    code = CHILD.format(scenario=SCENARIO, days=DAYS, start=START, seed=SEEDS[1], ensemble=ENSEMBLE)
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    return subprocess.Popen([sys.executable, "-c", code, str(folder), executor], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_the_same_ensemble_in_two_fresh_interpreters(tmp_path, reference):
    """Two new interpreters with different hash seeds, one running the ensemble in this way
    and the other on a pool of two processes, write the same results as this process."""
    children = {"inprocess": _child(tmp_path / "a", "inprocess", "0"),
                "pool": _child(tmp_path / "b", "2", "4242")}
    ours = channelsim.ensemble(SCENARIO, executor="inprocess", progress=False, **ENSEMBLE)
    assert ours.failures.empty and len(ours.summary) == ENSEMBLE["n"]
    for name, child in children.items():
        _, err = child.communicate(timeout=300)
        assert child.returncode == 0, f"{name}: {err}"

    for folder in (tmp_path / "a", tmp_path / "b"):
        assert_identical(pd.read_pickle(folder / "simulate.pkl"), reference[SEEDS[1]])
        assert_identical(pd.read_pickle(folder / "ensemble_summary.pkl"), ours.summary)
        assert_identical(pd.read_pickle(folder / "ensemble_daily.pkl"), ours.daily)
    # a run's seed, read back from the summary table (a numpy integer), reproduces that run
    seed = ours.summary.seed.loc[1]
    assert isinstance(seed, np.integer)
    again = channelsim.simulate(SCENARIO, days=ENSEMBLE["days"], start=ENSEMBLE["start"], seed=seed)
    assert_identical(again, ours.daily_of(1))
    # the runs of an ensemble differ from one another: each has its own stream
    per_run = ours.daily.groupby("replicate").arrivals.sum()
    assert per_run.nunique() == ENSEMBLE["n"], per_run


# ----------------------------------------------------------------------------- imports
def _channelsim_modules() -> dict[str, object]:
    return {k: m for k, m in sys.modules.items() if k == "channelsim" or k.startswith("channelsim.")}


def test_importing_again_or_reloading_changes_nothing(reference):
    """Module-level caches (geography, weather levels, built-in scenarios) start empty in a
    fresh import and are refilled after a reload: the results do not depend on them."""
    seed = SEEDS[2]
    saved = _channelsim_modules()
    try:
        for attempt in range(2):  # import the package from scratch, twice
            for name in _channelsim_modules():
                del sys.modules[name]
            fresh = importlib.import_module("channelsim")
            assert fresh is not channelsim
            daily = fresh.simulate(SCENARIO, days=DAYS, start=START, seed=seed)
            assert_identical(daily, reference[seed])
        for name in ("channelsim.geography", "channelsim.weather", "channelsim.scenarios", "channelsim"):
            importlib.reload(sys.modules[name])
        daily = sys.modules["channelsim"].simulate(SCENARIO, days=DAYS, start=START, seed=seed)
        assert_identical(daily, reference[seed])
    finally:  # give the rest of the session back the modules (and classes) it imported
        for name in _channelsim_modules():
            del sys.modules[name]
        sys.modules.update(saved)
    assert sys.modules["channelsim"] is channelsim


# ----------------------------------------------------------------------------- executors
def _simulate(seed: int) -> pd.DataFrame:
    return channelsim.simulate(SCENARIO, days=DAYS, start=START, seed=seed)


def test_a_process_pool_gives_the_in_process_results(reference):
    context = multiprocessing.get_context("spawn")  # a fresh interpreter per worker
    with cf.ProcessPoolExecutor(max_workers=2, mp_context=context) as pool:
        futures = {seed: pool.submit(channelsim.simulate, SCENARIO, days=DAYS, start=START, seed=seed)
                   for seed in SEEDS}
        for seed, future in futures.items():
            assert_identical(future.result(timeout=300), reference[seed])


def test_concurrent_threads_give_the_in_process_results(reference):
    """Runs sharing one interpreter at the same time do not disturb one another."""
    with cf.ThreadPoolExecutor(max_workers=len(SEEDS)) as pool:
        results = dict(zip(SEEDS, pool.map(_simulate, SEEDS)))
    for seed in SEEDS:
        assert_identical(results[seed], reference[seed])


# ----------------------------------------------------------------------------- bad seeds
@pytest.mark.parametrize("seed", [-1, np.int64(-1), 1.5, float("nan"), "42", True, object(), [1, -2]])
def test_a_value_that_cannot_seed_a_generator_is_refused(seed):
    """A seed is a whole number >= 0 (or a numpy Generator, or None); anything else is named,
    before any day is simulated, instead of reaching numpy as an anonymous TypeError."""
    with pytest.raises(channelsim.ParameterError, match=r"seed=.* is invalid: expected a whole number >= 0"):
        channelsim.simulate(days=5, seed=seed)


@pytest.mark.parametrize("seed", [0, 2**63 - 1, 2**70, np.int64(7), np.uint64(2**63), [1, 2]])
def test_every_form_numpy_can_seed_from_is_accepted_and_reproducible(seed):
    """Including numpy integers, as read back from a results table's ``seed`` column."""
    a = channelsim.simulate(days=20, start="2024-07-01", seed=seed)
    b = channelsim.simulate(days=20, start="2024-07-01", seed=seed)
    assert_identical(a, b)
