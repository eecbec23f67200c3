"""The ``channelsim`` command line end to end: run, ensemble, sweep (resumed), scenarios, and
bad input as one line on stderr with exit status 2."""

from __future__ import annotations

import re
import subprocess
import sys

import pandas as pd
import pytest

from channelsim import scenarios
from channelsim.cli import main
from channelsim.experiments import runs as runs_module

SPEC = """\
days = 14
seed = 4
design = "grid"
replicates = 2
outputs = ["arrivals", "deaths", "stopped_share"]

[parameters]
officers_per_day = { low = 400, high = 1600, levels = 3 }
bf_vessels = [2, 6]
"""


def _errors(capsys) -> list[str]:
    return capsys.readouterr().err.strip().splitlines()


def test_scenarios_and_bad_input_as_a_real_process(tmp_path):
    done = subprocess.run([sys.executable, "-m", "channelsim", "scenarios"], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0
    lines = done.stdout.strip().splitlines()
    assert [line.split()[0] for line in lines] == scenarios.names()
    assert lines[0].split(None, 1)[1] == scenarios.get(scenarios.names()[0]).description

    two = subprocess.run([sys.executable, "-m", "channelsim", "ensemble", "-n", "2", "--days", "5",
                          "--workers", "2", "--quiet", "--out", str(tmp_path / "two")],
                         capture_output=True, text=True, timeout=300)
    assert two.returncode == 0, two.stderr  # worker processes from the command line: no guard needed
    assert len(pd.read_csv(tmp_path / "two" / "summary.csv")) == 2

    bad = subprocess.run([sys.executable, "-m", "channelsim", "ensemble", "--scenario", "pilot",
                          "-n", "2", "--days", "5", "--out", str(tmp_path / "x")],
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr.count("\n") == 1 and "Traceback" not in bad.stderr
    assert bad.stderr.startswith("channelsim: error: unknown scenario 'pilot'")


def test_run_writes_daily_data_and_overview(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", "--days", "20", "--seed", "3", "--out", str(out),
                 "--set", "officers_per_day=1200"]) == 0
    daily = pd.read_csv(out / "daily.csv", index_col="date", parse_dates=True)
    assert len(daily) == 20 and (out / "overview.png").stat().st_size > 10_000
    table = capsys.readouterr().out.split("\n\nwrote")[0]
    values = dict(line.split() for line in table.splitlines()[1:])
    assert float(values["arrivals"].replace(",", "")) == daily["arrivals"].sum()


def test_ensemble_end_to_end_and_resume(tmp_path, capsys, monkeypatch):
    out = tmp_path / "ens"
    args = ["ensemble", "--scenario", "baseline_2024", "-n", "3", "--days", "14", "--seed", "2",
            "--out", str(out), "--workers", "1", "--quiet"]
    assert main(args) == 0
    summary = pd.read_csv(out / "summary.csv", index_col="replicate")
    assert summary.index.tolist() == [0, 1, 2] and summary["days"].eq(14).all()
    assert pd.read_parquet(out / "summary.parquet")["arrivals"].tolist() == summary["arrivals"].tolist()
    assert (out / "fan_arrivals.png").stat().st_size > 10_000
    printed = capsys.readouterr().out
    assert "3 of 3 runs finished" in printed and "arrivals" in printed

    calls = []
    real = runs_module.simulate
    monkeypatch.setattr(runs_module, "simulate", lambda *a, **kw: calls.append(kw) or real(*a, **kw))
    assert main(args[:4] + ["5"] + args[5:]) == 0  # five runs: the first three are on disk
    assert len(calls) == 2
    more = pd.read_csv(out / "summary.csv", index_col="replicate")
    pd.testing.assert_frame_equal(more.loc[[0, 1, 2]], summary)


def test_sweep_end_to_end_and_resume(tmp_path, capsys, monkeypatch):
    spec = tmp_path / "sweep.toml"
    spec.write_text(SPEC)
    out = tmp_path / "sweep"
    assert main(["sweep", str(spec), "--out", str(out), "--workers", "1", "--quiet",
                 "--format", "csv"]) == 0
    summary = pd.read_csv(out / "summary.csv")
    assert len(summary) == 3 * 2 * 2
    assert list(summary.columns) == ["point", "replicate", "seed", "officers_per_day", "bf_vessels",
                                     "arrivals", "deaths", "stopped_share"]
    means = pd.read_csv(out / "means.csv", index_col="point")
    assert means["runs"].eq(2).all()
    assert means.loc[0, "arrivals"] == summary.query("point == 0")["arrivals"].mean()
    assert (out / "runs.csv").exists()
    capsys.readouterr()

    calls = []
    real = runs_module.simulate
    monkeypatch.setattr(runs_module, "simulate", lambda *a, **kw: calls.append(kw) or real(*a, **kw))
    assert main(["sweep", str(spec), "--out", str(out), "--workers", "1", "--quiet",
                 "--format", "csv"]) == 0
    assert calls == []  # all twelve runs were on disk
    pd.testing.assert_frame_equal(pd.read_csv(out / "summary.csv"), summary)


def test_sweep_with_a_failing_run_exits_1_and_keeps_the_rest(tmp_path, capsys, monkeypatch):
    spec = tmp_path / "sweep.toml"
    spec.write_text(SPEC)
    real = runs_module.simulate

    def flaky(*a, **kw):
        if kw.get("officers_per_day") == 1000.0 and kw.get("bf_vessels") == 6:
            raise RuntimeError("engine seized")
        return real(*a, **kw)

    monkeypatch.setattr(runs_module, "simulate", flaky)
    out = tmp_path / "sweep"
    assert main(["sweep", str(spec), "--out", str(out), "--workers", "1", "--quiet"]) == 1
    err = _errors(capsys)
    assert err[0].startswith("channelsim: 2 runs failed (the others were kept")
    assert err[1:] == ["  point 3, replicate 0: RuntimeError: engine seized",
                       "  point 3, replicate 1: RuntimeError: engine seized"]
    assert len(pd.read_csv(out / "summary.csv")) == 10
    assert len(pd.read_csv(out / "failures.csv")) == 2


@pytest.mark.parametrize("argv,message", [
    (["ensemble", "-n", "zero"], "argument -n/--runs: invalid whole number: 'zero'"),
    (["ensemble", "-n", "0"], "argument -n/--runs: 0 is invalid: expected a whole number >= 1"),
    (["run", "--days", "-3"], "argument --days: -3 is invalid"),
    (["ensemble", "--days", "5", "--set", "officers_per_dy=3"],
     "unknown parameter 'officers_per_dy' (did you mean 'officers_per_day'?)"),
    (["ensemble", "--days", "5", "--set", "bf_vessels=-1"], "bf_vessels=-1 is out of range"),
    (["ensemble", "--days", "5", "--set", "novalue"], "expected NAME=VALUE"),
    (["ensemble", "--days", "5", "--seed", "-2"], "seed=-2 is invalid"),
    (["ensemble", "--days", "5", "--start", "2024-13-01"], "start='2024-13-01' is invalid"),
    (["ensemble", "--days", "5", "--workers", "2", "--scheduler", "tcp://x:1"], "not both"),
    (["sweep", "missing.toml"], "missing.toml: cannot read the sweep specification"),
    (["frobnicate"], "argument COMMAND: invalid choice: 'frobnicate'"),
    (["run", "--days", "5", "--set", "params=1"], "--set params=1: unknown parameter 'params'"),
    (["run", "--days", "5", "--set", "seed=5"], "--set seed=...: seed is not a model parameter: use --seed"),
    (["ensemble", "--days", "5", "--set", "days=5"], "days is not a model parameter: use --days"),
    (["run", "--days", "5", "--set", "weather=gales.csv"], "--set weather='gales.csv': unknown parameter 'weather'"),
    (["run", "--days", "5", "--set", "bf_vessels=2", "--set", "bf_vessels=3"],
     "--set bf_vessels is given twice (2 and 3): expected each parameter once"),
    (["ensemble", "-n", "2", "--days", "5", "--column", "nosuch"],
     "--column 'nosuch' is not a daily result: expected one of arrivals, "),
    (["ensemble", "-n", "1000000", "--days", "1"], "1,000,000 runs is more than 100,000"),
    (["ensemble", "-n", "20000", "--days", "1"], "20,000 runs keeping their daily tables would take about"),
])
def test_bad_input_is_one_line_and_exit_2(argv, message, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert _exit_status(argv) == 2
    err = _errors(capsys)
    assert len(err) == 1 and err[0].startswith("channelsim: error: ")
    assert message in err[0]


def test_bad_input_is_refused_before_any_run(tmp_path, capsys, monkeypatch):
    calls = []
    monkeypatch.setattr(runs_module, "simulate", lambda *a, **k: calls.append(k))
    argv = ["ensemble", "-n", "3", "--days", "5", "--out", str(tmp_path / "e"), "--workers", "1"]
    assert main(argv + ["--column", "nosuch"]) == 2
    assert main(argv + ["--set", "weather=x"]) == 2
    assert calls == [] and not (tmp_path / "e").exists()


def test_an_ensemble_whose_runs_all_fail_exits_1_with_the_first_traceback(tmp_path, capsys, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("engine seized")

    monkeypatch.setattr(runs_module, "simulate", broken)
    argv = ["ensemble", "-n", "2", "--days", "5", "--out", str(tmp_path / "e"), "--workers", "1", "--quiet"]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith("channelsim: error: all 2 runs failed (details in .failures and in ")
    assert "failed with RuntimeError: engine seized:\nTraceback" in err and "in broken" in err


def test_resilience_options_reach_the_experiment():
    from channelsim.cli import _resilience, build_parser

    parse = build_parser().parse_args
    assert _resilience(parse(["ensemble"])) == {"crashed": "skip", "allow_large": False,
                                                "allow_version_change": False}
    assert _resilience(parse(["sweep", "s.toml", "--retry-crashed", "--allow-large",
                              "--allow-version-change"])) == {
        "crashed": "retry", "allow_large": True, "allow_version_change": True}


def _exit_status(argv: list[str]) -> int:
    """``main``'s return value, or the status argparse exits with."""
    try:
        return main(argv)
    except SystemExit as exit:
        return exit.code


@pytest.mark.parametrize("text,message", [
    ('days = 14\ndesign = "grid\n', "malformed TOML: .* \\(at line 2, column 15\\)"),
    ('days = 14\n[parameters]\nbf_vessels = [2, 6]\nstop_effectiveness = { low = 0, high = 3 }\n',
     r"sweep.toml, line 4: \[parameters\] stop_effectiveness: high=3 is outside the registry's range"),
    ('days = 14\n[parameters]\nofficers = {}\n', r"line 3: \[parameters\] unknown parameter 'officers'"),
    ('days = 14\ndesign = "lhs"\n[parameters]\nofficers_per_day = {}\n', r"line 2: design 'lhs' needs samples"),
    ('days = 14\n', "missing \\[parameters\\]"),
])
def test_bad_sweep_specifications_name_file_and_line(text, message, tmp_path, capsys):
    spec = tmp_path / "sweep.toml"
    spec.write_text(text)
    assert main(["sweep", str(spec), "--out", str(tmp_path / "o"), "--workers", "1"]) == 2
    err = _errors(capsys)
    assert len(err) == 1
    assert re.search(message, err[0]), err[0]


def test_an_output_folder_of_another_experiment_is_refused(tmp_path, capsys):
    out = tmp_path / "ens"
    base = ["ensemble", "-n", "2", "--days", "7", "--out", str(out), "--workers", "1", "--quiet"]
    assert main(base + ["--seed", "1"]) == 0
    capsys.readouterr()
    assert main(base + ["--seed", "2"]) == 2
    err = _errors(capsys)
    assert len(err) == 1 and "holds the results of a different experiment (seed: folder has 1, now 2)" in err[0]
