"""Experiments under what clusters do to jobs' processes: workers that die, SIGTERM and kill -9,
and a million runs. Each fault is injected deterministically (no timing race decides a
result). The store's faults are in test_store_faults.py, research code's in
test_research_code.py."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

from channelsim import experiments as ex
from channelsim.experiments import runner
from channelsim.experiments import executors
from channelsim.experiments.executors import describe_exit, execute
from channelsim.experiments.runs import RunOutcome, RunTask, resolve_setting, run_task_capturing_errors
from channelsim.params import ParameterError

DAYS = 10
FAST = dict(days=DAYS, executor="inprocess", progress=False)
ROOT = Path(__file__).resolve().parents[1]


# ------------------------------------------------------------------ work done in a worker
def crash_in_worker_on_replicate_3(task: RunTask) -> RunOutcome:
    """A run that kills its worker process (as a segfault or the OOM killer would): only in a
    worker, so that the same run succeeds when retried in this process."""
    if task.replicate == 3 and multiprocessing.parent_process() is not None:
        os._exit(7)
    return run_task_capturing_errors(task)


def slow_totals(task: RunTask) -> RunOutcome:
    time.sleep(0.05)
    return RunOutcome(task.point, task.replicate, task.seed, totals={"x": float(task.replicate)})


def _experiment(out: Path | None, work, executor, crashed="skip", replicates=6, allow_large=False):
    setting = resolve_setting(None, DAYS, None)
    identity = {"kind": "ensemble", "days": DAYS, "start": setting.start.isoformat(), "seed": 4}
    return runner.run_experiment([{}], setting=setting, replicates=replicates, seed=4,
                                 identity=identity, executor=executor, progress=False, out=out,
                                 crashed=crashed, work=work, allow_large=allow_large)


# ----------------------------------------------------------------- a dying worker
def test_a_dying_worker_costs_one_run_and_a_resume_skips_or_retries_it(tmp_path):
    reference = _experiment(None, run_task_capturing_errors, "inprocess")
    out = tmp_path / "crash"
    with pytest.warns(ex.RunFailureWarning, match=r"1 of 6 runs failed and 5 were kept; first: point 0, "
                                                  r"replicate 3 .*WorkerDied.*exit code 7.*1 killed the process"):
        runs = _experiment(out, crash_in_worker_on_replicate_3, 2)
    assert runs.summary["replicate"].tolist() == [0, 1, 2, 4, 5]
    assert runs.failures[["replicate", "exitcode"]].values.tolist() == [[3, 7]]
    expected = reference.summary[reference.summary["replicate"] != 3].reset_index(drop=True)
    pd.testing.assert_frame_equal(runs.summary, expected, check_dtype=False)
    on_disk = pd.read_csv(out / "failures.csv")
    assert on_disk[["replicate", "exitcode"]].values.tolist() == [[3, 7]]

    calls: list[tuple[int, int]] = []

    def counted(task: RunTask) -> RunOutcome:
        calls.append(task.key)
        return run_task_capturing_errors(task)

    with pytest.warns(ex.RunFailureWarning, match="1 of 6 runs failed"):
        skipped = _experiment(out, counted, "inprocess")  # skip: the default
    assert calls == [] and len(skipped.summary) == 5 and skipped.failures["exitcode"].tolist() == [7]
    retried = _experiment(out, counted, "inprocess", crashed="retry")
    assert calls == [(0, 3)] and retried.failures.empty
    pd.testing.assert_frame_equal(retried.summary, reference.summary, check_dtype=False)


def test_a_lent_process_pool_that_breaks_is_replaced_for_the_rest():
    import concurrent.futures as cf

    tasks = [RunTask(0, r, r, {}, DAYS, dt.date(2024, 1, 1)) for r in range(6)]
    outcomes = []
    context = executors._process_context()  # the fork server with the model preloaded
    with cf.ProcessPoolExecutor(2, mp_context=context) as lent:
        execute(tasks, lent, on_outcome=outcomes.append, progress=False, work=crash_in_worker_on_replicate_3)
    assert sorted(o.replicate for o in outcomes) == list(range(6))
    failed = [o for o in outcomes if o.error is not None]
    assert [(o.replicate, o.exitcode) for o in failed] == [(3, 7)]
    assert "(exit code 7)" in failed[0].error
    assert describe_exit(-9) == "signal SIGKILL (9)" and describe_exit(-11) == "signal SIGSEGV (11)"


def test_workers_that_cannot_start_stop_the_experiment_instead_of_looping():
    import types

    def work(task: RunTask) -> RunOutcome:  # importable here only: workers die taking it
        return slow_totals(task)

    module = types.ModuleType("channelsim_missing_in_workers")
    module.work = work
    work.__module__, work.__qualname__ = module.__name__, "work"
    sys.modules[module.__name__] = module
    try:
        tasks = [RunTask(0, r, r, {}, 1, dt.date(2024, 1, 1)) for r in range(4)]
        with pytest.raises(executors.WorkersFailed, match=r"worker processes die before they start a run: .*"
                                                          r"point 0, replicate \d alone died with exit code 1"):
            execute(tasks, 2, on_outcome=lambda o: None, progress=False, work=work)
    finally:
        del sys.modules[module.__name__]


def test_bad_crashed_choice_is_refused():
    with pytest.raises(ParameterError, match=r"crashed='again' is invalid: expected one of 'skip', 'retry'"):
        ex.ensemble(None, 2, crashed="again", **FAST)


def test_runs_are_submitted_as_workers_free_up():
    pulled = []
    delivered = []

    def tasks():
        for r in range(30):
            pulled.append(r)
            yield RunTask(0, r, r, {}, 1, dt.date(2024, 1, 1))

    in_queue = []
    execute(tasks(), 2, on_outcome=lambda o: (delivered.append(o), in_queue.append(len(pulled) - len(delivered))),
            progress=False, total=30, work=slow_totals)
    assert sorted(o.replicate for o in delivered) == list(range(30))
    assert max(in_queue) <= 2 * 2  # never more than twice the workers waiting or running


# ------------------------------------------------------------------- SIGTERM and orphans
def _alive_in_session(sid: int) -> list[int]:
    alive = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            if os.getsid(int(entry)) != sid:
                continue
            state = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if state != "Z":
            alive.append(int(entry))
    return alive


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc to find the job's processes")
def test_a_job_stopped_by_sigterm_leaves_no_processes_behind(tmp_path):
    script = tmp_path / "job.py"
    script.write_text(textwrap.dedent("""
        import channelsim
        if __name__ == "__main__":
            channelsim.ensemble(None, 40, days=365, executor=2, progress=False, out="out")
    """))
    job = subprocess.Popen([sys.executable, str(script)], cwd=tmp_path, start_new_session=True,
                           env={**os.environ, "PYTHONPATH": str(ROOT)}, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        # the job, the resource tracker, the fork server and two workers
        while len(_alive_in_session(job.pid)) < 5 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(_alive_in_session(job.pid)) >= 5, job.stderr.read() if job.poll() is not None else ""
        job.send_signal(signal.SIGTERM)
        job.wait(timeout=60)
        _assert_no_survivors(job.pid)
        assert "KeyboardInterrupt: stopped by SIGTERM" in job.stderr.read()
    finally:
        for pid in _alive_in_session(job.pid):
            os.kill(pid, signal.SIGKILL)


def _assert_no_survivors(sid: int) -> None:
    deadline = time.monotonic() + 30
    while _alive_in_session(sid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _alive_in_session(sid) == []


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc to find the job's processes")
def test_killed_mid_way_leaves_no_processes_and_resumes_to_the_uninterrupted_numbers(tmp_path):
    reference = ex.ensemble(None, 8, seed=3, **FAST)
    script = tmp_path / "job.py"
    script.write_text(textwrap.dedent(f"""
        import channelsim
        if __name__ == "__main__":
            channelsim.ensemble(None, 8, days={DAYS}, seed=3, executor=2, progress=False, out="out")
    """))
    job = subprocess.Popen([sys.executable, str(script)], cwd=tmp_path, start_new_session=True,
                           env={**os.environ, "PYTHONPATH": str(ROOT)})
    deadline = time.monotonic() + 120
    while not list((tmp_path / "out" / "runs").glob("part-*.parquet")) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(_alive_in_session(job.pid)) >= 4  # the job, resource tracker, fork server, workers
    job.kill()  # kill -9: no handler runs; the lock and the workers go with the process
    job.wait(timeout=60)
    try:
        _assert_no_survivors(job.pid)
    finally:
        for pid in _alive_in_session(job.pid):
            os.kill(pid, signal.SIGKILL)
    resumed = ex.ensemble(None, 8, seed=3, out=tmp_path / "out", **FAST)
    pd.testing.assert_frame_equal(resumed.summary, reference.summary, check_dtype=False)
    pd.testing.assert_frame_equal(resumed.daily, reference.daily, check_dtype=False)


def test_sigterm_takes_the_path_of_ctrl_c_and_keeps_finished_runs(tmp_path):
    delivered = []

    def terminated_on_third(task: RunTask) -> RunOutcome:
        if task.replicate == 2:
            os.kill(os.getpid(), signal.SIGTERM)
        return slow_totals(task)

    before = signal.getsignal(signal.SIGTERM)
    tasks = [RunTask(0, r, r, {}, 1, dt.date(2024, 1, 1)) for r in range(5)]
    with pytest.raises(KeyboardInterrupt, match="stopped by SIGTERM"):
        execute(tasks, "inprocess", on_outcome=delivered.append, progress=False, work=terminated_on_third)
    assert [o.replicate for o in delivered] == [0, 1]
    assert signal.getsignal(signal.SIGTERM) is before  # restored


# ------------------------------------------------------------------------ absurd sizes
def test_a_million_runs_start_at_once_when_allowed(monkeypatch):
    seen = []

    def stop_after_two(task: RunTask) -> RunOutcome:
        seen.append(task.key)
        if len(seen) == 2:
            raise KeyboardInterrupt
        return slow_totals(task)

    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        _experiment(None, stop_after_two, "inprocess", replicates=10**8, allow_large=True)
    assert seen == [(0, 0), (0, 1)] and time.monotonic() - started < 5
