"""The same experiment gives the same numbers whatever runs it: in this process, a pool of
local processes, or a Dask cluster (a LocalCluster of two worker processes, started once)."""

from __future__ import annotations

import concurrent.futures as cf
import datetime as dt
import multiprocessing

import pandas as pd
import pytest

from channelsim import experiments as ex
from channelsim import scenarios
from channelsim.params import ParameterError

distributed = pytest.importorskip("distributed")

DAYS = 21
SWEEP = dict(parameters={"officers_per_day": (400.0, 2000.0), "n_gangs": (2, 12)}, design="lhs",
             samples=3, replicates=2, seed=11, days=DAYS)


@pytest.fixture(scope="module")
def dask_client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        yield client


@pytest.fixture(scope="module")
def reference() -> tuple[ex.Ensemble, ex.SweepResult]:
    ens = ex.ensemble("baseline_2024", 4, days=DAYS, seed=5, executor="inprocess", progress=False)
    swp = ex.sweep(SWEEP["parameters"], executor="inprocess", progress=False,
                   **{k: v for k, v in SWEEP.items() if k != "parameters"})
    return ens, swp


def _same(reference, executor) -> None:
    ens_ref, swp_ref = reference
    ens = ex.ensemble("baseline_2024", 4, days=DAYS, seed=5, executor=executor, progress=False)
    pd.testing.assert_frame_equal(ens.summary, ens_ref.summary)
    pd.testing.assert_frame_equal(ens.daily, ens_ref.daily)
    swp = ex.sweep(SWEEP["parameters"], executor=executor, progress=False,
                   **{k: v for k, v in SWEEP.items() if k != "parameters"})
    pd.testing.assert_frame_equal(swp.summary, swp_ref.summary)


def test_local_processes_match_in_process(reference):
    _same(reference, 2)


def test_a_given_process_pool_matches_and_is_left_open(reference):
    with cf.ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("spawn")) as pool:
        _same(reference, pool)
        assert pool.submit(sum, [1, 2]).result() == 3  # still usable: not shut down


def test_dask_cluster_matches_in_process(reference, dask_client):
    executor = dask_client.get_executor()
    _same(reference, executor)
    assert executor.submit(sum, [1, 2]).result() == 3
    # the runs were spread over both workers
    assert len(dask_client.scheduler_info()["workers"]) == 2


def test_dask_scheduler_address_matches_in_process(reference, dask_client):
    _same(reference, dask_client.scheduler.address)


def test_a_scenario_made_in_a_session_travels_as_plain_data(dask_client):
    """A scenario built at run time (as in a notebook) reaches workers that never saw it."""
    mine = scenarios.Scenario("coast_guard_surge", "More Border Force vessels", start=dt.date(2024, 6, 1),
                              days=DAYS, params={"bf_vessels": 12, "officers_per_day": 1500.0})
    local = ex.ensemble(mine, 2, seed=1, executor="inprocess", progress=False)
    remote = ex.ensemble(mine, 2, seed=1, executor=dask_client.get_executor(), progress=False)
    pd.testing.assert_frame_equal(local.summary, remote.summary)
    assert local.daily["date"].min() == pd.Timestamp("2024-06-01")
    assert local.scenario == "coast_guard_surge"


@pytest.mark.parametrize("where", ["processes", "dask"])
def test_a_run_failing_on_a_worker_comes_back_as_its_failure(where, dask_client):
    """The work unit's error (here: a parameter no experiment would let through) returns from
    the worker as text with its traceback; the other runs finish."""
    tasks = [ex.RunTask(point=i, replicate=0, seed=ex.run_seed(0, 0), params=params, days=DAYS,
                        start=dt.date(2024, 1, 1))
             for i, params in enumerate([{}, {"bf_vessels": -1}, {"officers_per_day": 2000.0}])]
    outcomes: dict[int, ex.RunOutcome] = {}
    executor = 2 if where == "processes" else dask_client.get_executor()
    ex.execute(tasks, executor, on_outcome=lambda o: outcomes.__setitem__(o.point, o), progress=False)
    assert sorted(outcomes) == [0, 1, 2]
    failed = outcomes[1]
    assert failed.totals is None
    assert failed.error.startswith("ParameterError: bf_vessels=-1 is out of range")
    assert "Traceback" in failed.traceback and "run_task" in failed.traceback
    for i in (0, 2):
        assert outcomes[i].error is None
        assert outcomes[i].totals == ex.run_task(tasks[i]).totals


def test_bad_executors_are_refused():
    for bad in (0, "threads", object()):
        with pytest.raises(ParameterError, match="executor=.* is invalid"):
            with ex.open_executor(bad, 3):
                pass


def test_from_a_notebook_with_a_scenario_defined_there(tmp_path):
    """A Jupyter kernel runs an ensemble of a scenario made in the notebook on local processes
    (the default executor's kind), with its progress bar, and gets the in-process numbers."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    code = (
        "import channelsim\n"
        "from channelsim.scenarios import Scenario\n"
        "mine = Scenario('notebook_surge', params={'officers_per_day': 1500.0}, days=14)\n"
        "ens = channelsim.ensemble(mine, 3, seed=2, executor=2)\n"
        "print(ens.summary['attempts'].tolist())"
    )
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    streams = [o.get("text", "") for o in nb.cells[0].outputs if o.output_type == "stream"
               and o.name == "stdout"]
    mine = scenarios.Scenario("notebook_surge", params={"officers_per_day": 1500.0}, days=14)
    expected = ex.ensemble(mine, 3, seed=2, executor="inprocess", progress=False)
    assert streams[-1].strip() == str(expected.summary["attempts"].tolist())
