"""Experiments under what clusters do to jobs: two writers on one folder, workers that die,
SIGTERM and kill -9, damaged files, absurd sizes, scripts without a main guard, and runs that
all fail. Each fault is injected deterministically (no timing races decide a result)."""

from __future__ import annotations

import datetime as dt
import json
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

import channelsim
import channelsim.params
from channelsim import experiments as ex
from channelsim.experiments import runner, store as store_module
from channelsim.experiments.executors import execute
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


# ----------------------------------------------------------------- one writer per folder
def test_a_second_writer_is_refused_at_once_naming_the_holder(tmp_path):
    out = tmp_path / "ens"
    ex.ensemble(None, 2, seed=1, out=out, **FAST)
    identity = json.loads((out / "experiment.json").read_text())
    with ex.RunStore(out, identity) as first:
        assert first.id and len(first.id) == 32
        with pytest.raises(ex.ExperimentLocked, match=rf"{out} is being written by another "
                                                      rf"experiment \(pid {os.getpid()} on "):
            ex.RunStore(out, identity)
        # from another process too, and for a different experiment
        code = ("from channelsim import experiments as ex\n"
                "try:\n    ex.RunStore(%r, {'kind': 'ensemble', 'seed': 2})\n"
                "except ex.ExperimentLocked as err:\n    print('refused:', err)\n" % str(out))
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
        assert done.stdout.startswith(f"refused: {out} is being written by another experiment"), done.stderr
        with pytest.raises(ex.ExperimentLocked):
            ex.ensemble(None, 2, seed=1, out=out, **FAST)
    again = ex.ensemble(None, 2, seed=1, out=out, **FAST)  # released: the folder is usable
    assert len(again.summary) == 2


def test_the_experiment_record_is_created_exclusively(tmp_path):
    path = tmp_path / "experiment.json"
    store_module._create_exclusively(path, '{"seed": 7}\n')
    with pytest.raises(ex.StoreError, match="appeared while this experiment was being created"):
        store_module._create_exclusively(path, '{"seed": 8}\n')
    assert json.loads(path.read_text()) == {"seed": 7}
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left


def test_rows_of_another_experiment_are_refused_by_name(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    ex.ensemble(None, 2, seed=1, out=a, **FAST)
    ex.ensemble(None, 2, seed=1, out=b, **FAST)
    ids = [json.loads((d / "experiment.json").read_text())["experiment_id"] for d in (a, b)]
    assert ids[0] != ids[1]
    stray = next((a / "runs").glob("part-*.parquet"))
    target = b / "runs" / "part-0000.parquet"
    target.write_bytes(stray.read_bytes())
    with pytest.raises(ex.StoreError, match=rf"{target}: 2 run\(s\) of experiment '{ids[0]}', "
                                            rf"not of this folder's '{ids[1]}'"):
        ex.ensemble(None, 2, seed=1, out=b, **FAST)


def test_the_record_holds_version_and_every_parameter_and_a_version_change_is_refused(tmp_path):
    out = tmp_path / "ens"
    first = ex.ensemble(None, 2, seed=1, out=out, officers_per_day=900, **FAST)
    record = json.loads((out / "experiment.json").read_text())
    assert record["channelsim_version"] == channelsim.__version__
    defaults = json.loads(json.dumps(channelsim.params.Params().as_dict(), default=str))
    assert record["params"] == defaults  # every parameter, in full
    assert record["overrides"] == {"officers_per_day": 900.0}
    assert len(record["params"]) > 40
    record["channelsim_version"] = "0.0.1"
    (out / "experiment.json").write_text(json.dumps(record))
    with pytest.raises(ex.ExperimentMismatch, match=r"written by channelsim 0\.0\.1, this is .*"
                                                    r"allow_version_change=True"):
        ex.ensemble(None, 2, seed=1, out=out, officers_per_day=900, **FAST)
    resumed = ex.ensemble(None, 2, seed=1, out=out, officers_per_day=900, allow_version_change=True, **FAST)
    pd.testing.assert_frame_equal(resumed.summary, first.summary)


# --------------------------------------------------------------------- damaged stores
@pytest.fixture()
def csv_store(tmp_path) -> Path:
    out = tmp_path / "csv"
    ex.ensemble(None, 3, seed=2, out=out, format="csv", **FAST)
    return out


def _reopen(out: Path, fmt: str = "csv"):
    return ex.ensemble(None, 3, seed=2, out=out, format=fmt, **FAST)


def test_a_garbage_line_is_reported_with_file_and_line(csv_store):
    path = csv_store / "runs.csv"
    lines = path.read_text().splitlines(keepends=True)
    lines.insert(2, "garbage," * (lines[1].count(",")) + "x\n")
    path.write_text("".join(lines))
    with pytest.raises(ex.StoreError, match=rf"{path}, line 3: point='garbage' is not a run's point.*"
                                            "delete that line"):
        _reopen(csv_store)


def test_a_garbled_header_is_reported(csv_store):
    path = csv_store / "runs.csv"
    text = path.read_text()
    path.write_text(text.replace("point,replicate", "pint,replcate", 1))
    with pytest.raises(ex.StoreError, match=rf"{path}: header lacks point, replicate"):
        _reopen(csv_store)


def test_non_utf8_bytes_are_reported(csv_store):
    path = csv_store / "runs.csv"
    data = path.read_bytes()
    path.write_bytes(data[:40] + b"\xff\xfe" + data[42:])
    with pytest.raises(ex.StoreError, match=rf"{path}, line 1: not UTF-8 text"):
        _reopen(csv_store)


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_a_truncated_daily_table_is_reported(fmt, tmp_path):
    out = tmp_path / fmt
    ex.ensemble(None, 3, seed=2, out=out, format=fmt, **FAST)
    path = out / "daily" / f"point-0-replicate-1.{fmt}"
    if fmt == "csv":
        lines = path.read_text().splitlines(keepends=True)
        path.write_text("".join(lines[:5]))
    else:
        pd.read_parquet(path).iloc[:4].to_parquet(path)
    with pytest.raises(ex.StoreError, match=rf"{path}: holds 4 of the experiment's {DAYS} days"):
        _reopen(out, fmt)


def test_a_damaged_part_file_is_reported(tmp_path):
    out = tmp_path / "p"
    ex.ensemble(None, 3, seed=2, out=out, **FAST)
    part = next((out / "runs").glob("part-*.parquet"))
    part.write_bytes(part.read_bytes()[:100])
    with pytest.raises(ex.StoreError, match=rf"{part}: unreadable Parquet file .*delete it"):
        _reopen(out, "parquet")


def test_a_deleted_record_is_not_recreated_silently(csv_store):
    (csv_store / "experiment.json").unlink()
    with pytest.raises(ex.StoreError, match=r"experiment.json is missing but the folder holds results"):
        _reopen(csv_store)
    assert not (csv_store / "experiment.json").exists()


def test_leftover_temporary_files_are_cleaned(csv_store):
    left = [csv_store / ".experiment.json.1234.tmp", csv_store / "daily" / ".point-0-replicate-0.csv.99.tmp"]
    for p in left:
        p.write_text("half")
    _reopen(csv_store)
    assert not any(p.exists() for p in left)


def test_a_damaged_store_is_one_line_on_the_command_line(csv_store, capsys):
    from channelsim.cli import main

    path = csv_store / "runs.csv"
    path.write_text(path.read_text().replace("point,replicate", "pint,replcate", 1))
    code = main(["ensemble", "-n", "3", "--seed", "2", "--days", str(DAYS), "--workers", "1",
                 "--format", "csv", "--out", str(csv_store), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1
    assert err.startswith(f"channelsim: error: {path}: header lacks point, replicate")


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


def test_per_run_files_are_merged_as_the_experiment_goes(tmp_path, monkeypatch):
    monkeypatch.setattr(store_module, "MERGE_EVERY", 3)
    with ex.RunStore(tmp_path / "s", {"kind": "test"}) as s:
        counts = []
        for r in range(8):
            s.add({"point": 0, "replicate": r, "seed": r, "x": 1.0})
            counts.append(len(list((tmp_path / "s" / "runs").glob("part-*.parquet"))))
        assert max(counts) <= 3 and sorted(s.finished()["replicate"]) == list(range(8))


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
@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL])
def test_a_stopped_job_leaves_no_processes_behind(how, tmp_path):
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
        job.send_signal(how)
        job.wait(timeout=60)
        deadline = time.monotonic() + 30
        while _alive_in_session(job.pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _alive_in_session(job.pid) == []
        if how == signal.SIGTERM:
            assert "KeyboardInterrupt: stopped by SIGTERM" in job.stderr.read()
    finally:
        for pid in _alive_in_session(job.pid):
            os.kill(pid, signal.SIGKILL)


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
def test_absurd_sizes_are_refused_up_front_with_the_size():
    with pytest.raises(ParameterError, match=r"1,000,000 runs is more than 100,000.*allow_large=True"):
        ex.ensemble(None, 1_000_000, **FAST)
    with pytest.raises(ParameterError, match=r"20,000 runs keeping their daily tables would take about "
                                             r"72 MB and 20,000 files in .*daily.*keep_daily=False"):
        ex.ensemble(None, 20_000, out="somewhere", **FAST)
    runner.check_size(20_000, days=DAYS, keep_daily=True, out="x", allow_large=True)  # confirmed
    runner.check_size(20_000, days=DAYS, keep_daily=False, out="x", allow_large=False)


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


# ------------------------------------------------------------------ research code fails loudly
def test_an_ensemble_whose_runs_all_fail_raises_with_the_first_traceback(monkeypatch):
    from channelsim.experiments import runs as runs_module

    def broken(*args, **kwargs):
        raise RuntimeError("boat supply exhausted")

    monkeypatch.setattr(runs_module, "simulate", broken)
    with pytest.raises(ex.ExperimentFailed, match=r"(?s)all 3 runs failed .*The first, point 0, replicate 0 "
                                                  r"\(no parameters changed\), failed with RuntimeError: boat "
                                                  r"supply exhausted:\nTraceback.*in broken"):
        ex.ensemble(None, 3, **FAST)


def _script(tmp_path: Path, body: str) -> subprocess.CompletedProcess:
    script = tmp_path / "study.py"
    script.write_text(textwrap.dedent(body))
    return subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=300)


def test_a_script_without_main_guard_runs_and_says_where_the_guard_goes(tmp_path):
    done = _script(tmp_path, """
        import channelsim

        base = channelsim.ensemble(None, 2, days=5, seed=0, progress=False)
        print("runs", len(base.summary))
    """)
    assert done.returncode == 0, done.stderr
    assert "runs 2" in done.stdout
    assert f"{tmp_path / 'study.py'}, line 4: this experiment is started outside " \
           "`if __name__ == \"__main__\":`" in done.stderr


def test_asking_for_workers_without_main_guard_is_refused_naming_the_line(tmp_path):
    done = _script(tmp_path, """
        import channelsim

        channelsim.ensemble(None, 2, days=5, seed=0, progress=False, executor=2)
    """)
    assert done.returncode == 1
    assert f"executor=2 starts worker processes, which import the main script again: " \
           f"{tmp_path / 'study.py'}, line 4 starts the experiment outside" in done.stderr


def test_a_guarded_script_uses_worker_processes(tmp_path):
    done = _script(tmp_path, """
        import warnings
        import channelsim
        from channelsim.experiments import guard

        def main():
            assert guard.default_executor() == "processes"
            return channelsim.ensemble(None, 2, days=5, seed=0, progress=False)

        if __name__ == "__main__":
            warnings.simplefilter("error")
            print("runs", len(main().summary))
    """)
    assert done.returncode == 0, done.stderr
    assert "runs 2" in done.stdout
