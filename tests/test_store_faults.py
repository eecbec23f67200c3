"""The experiment store under what clusters do to it: two writers on one folder, damaged or
foreign files, a deleted record, another package version, and absurd sizes. Each fault is
injected deterministically; every one is reported by name, with what to do about it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import channelsim
import channelsim.params
from channelsim import experiments as ex
from channelsim.experiments import runner, store as store_module
from channelsim.params import ParameterError

DAYS = 10
FAST = dict(days=DAYS, executor="inprocess", progress=False)


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
        # another process sees the lock too (and the holder's name in it)
        code = ("import fcntl\nf = open(%r, 'a+')\ntry:\n    fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)\n"
                "except BlockingIOError:\n    f.seek(0)\n    print('refused:', f.read())\n" % str(out / ".lock"))
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
        assert done.stdout.startswith(f"refused: pid {os.getpid()} on "), done.stderr
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


def test_a_daily_table_of_another_experiment_is_refused_by_name(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    first = ex.ensemble(None, 2, seed=1, out=a, **FAST)
    ex.ensemble(None, 2, seed=1, out=b, **FAST)
    stray = a / "daily" / "point-0-replicate-1.parquet"
    target = b / "daily" / "point-0-replicate-1.parquet"
    target.write_bytes(stray.read_bytes())
    with pytest.raises(ex.StoreError, match=rf"{target}: the daily table of experiment '[0-9a-f]{{32}}', "
                                            r"not of this folder's"):
        ex.ensemble(None, 2, seed=1, out=b, **FAST)
    assert first.daily.attrs == {}  # the tag stays in the file


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


def test_per_run_files_are_merged_as_the_experiment_goes(tmp_path, monkeypatch):
    monkeypatch.setattr(store_module, "MERGE_EVERY", 3)
    with ex.RunStore(tmp_path / "s", {"kind": "test"}) as s:
        counts = []
        for r in range(8):
            s.add({"point": 0, "replicate": r, "seed": r, "x": 1.0})
            counts.append(len(list((tmp_path / "s" / "runs").glob("part-*.parquet"))))
        assert max(counts) <= 3 and sorted(s.finished()["replicate"]) == list(range(8))


# ------------------------------------------------------------------------ absurd sizes
def test_absurd_sizes_are_refused_up_front_with_the_size():
    with pytest.raises(ParameterError, match=r"1,000,000 runs is more than 100,000.*allow_large=True"):
        ex.ensemble(None, 1_000_000, **FAST)
    with pytest.raises(ParameterError, match=r"20,000 runs keeping their daily tables would take about "
                                             r"72 MB and 20,000 files in .*daily.*keep_daily=False"):
        ex.ensemble(None, 20_000, out="somewhere", **FAST)
    runner.check_size(20_000, days=DAYS, keep_daily=True, out="x", allow_large=True)  # confirmed
    runner.check_size(20_000, days=DAYS, keep_daily=False, out="x", allow_large=False)


def test_a_file_system_without_locks_is_named(tmp_path, monkeypatch):
    import errno

    def no_locks(*args):
        raise OSError(errno.ENOLCK, os.strerror(errno.ENOLCK))

    monkeypatch.setattr(store_module.fcntl, "flock", no_locks)
    with pytest.raises(ex.StoreError, match=rf"{tmp_path / 'e' / '.lock'}: cannot lock the folder for "
                                            r"this experiment \(No locks available\).*choose a local folder"):
        ex.ensemble(None, 2, out=tmp_path / "e", **FAST)
