"""The example scripts run from research code (no Jupyter) and do what their docstrings say.

Each runs as a user would run it, in a subprocess, on a short period.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def run(script: str, *args: str, cwd: Path, check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, str(EXAMPLES / script), *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300)
    if check and proc.returncode != 0:
        pytest.fail(f"{script} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return proc


def test_every_example_is_tested():
    tested = {"single_run.py", "compare_scenarios.py", "custom_weather.py"}
    assert {p.name for p in EXAMPLES.glob("*.py")} == tested


def test_single_run_writes_the_daily_table_and_the_overview(tmp_path):
    out = tmp_path / "run"
    proc = run("single_run.py", "--days", "40", "--seed", "2", "--out", str(out), cwd=tmp_path)
    daily = pd.read_csv(out / "daily.csv", index_col="date", parse_dates=True)
    assert len(daily) == 40 and daily.index[0] == pd.Timestamp("2024-01-01")
    assert (out / "overview.png").read_bytes()[:8] == PNG_SIGNATURE
    assert f"{int(daily['arrivals'].sum())}" in proc.stdout.replace(",", "")
    assert "busiest week" in proc.stdout


def test_compare_scenarios_prints_means_and_differences(tmp_path):
    proc = run("compare_scenarios.py", "--scenarios", "baseline_2024", "pilot_scaled",
               "--runs", "2", "--days", "30", cwd=tmp_path)
    assert "Mean totals over 2 runs each" in proc.stdout
    assert "pilot_scaled minus baseline_2024 (90% interval)" in proc.stdout
    for output in ("arrivals", "deaths", "net_effect"):
        assert output in proc.stdout


def test_custom_weather_runs_the_sample_and_a_windier_copy(tmp_path):
    proc = run("custom_weather.py", "--days", "90", cwd=tmp_path)
    row = next(line for line in proc.stdout.splitlines() if line.startswith("crossable days"))
    given, windier = map(int, row.split()[2:])
    sample = pd.read_csv(EXAMPLES / "data" / "weather_synthetic_2024.csv").head(90)
    assert given == int((sample["beaufort"] < 6.5).sum())
    assert windier == int((sample["beaufort"] + 1 < 6.5).sum()) and windier < given


def test_custom_weather_names_the_file_and_line_of_a_bad_value(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("date,beaufort\n2024-01-01,3\n2024-01-02,windy\n")
    proc = run("custom_weather.py", "--weather", str(bad), cwd=tmp_path, check=False)
    assert proc.returncode != 0
    assert "bad.csv, line 3: beaufort 'windy' is not a number between 0 and 12" in proc.stderr
