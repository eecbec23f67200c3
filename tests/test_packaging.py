"""The wheel ships its data: someone who installs channelsim (not a clone) can run every named
scenario.

The wheel is built offline from a copy of the sources (``pip wheel --no-build-isolation``, so no
build requirement is downloaded and the repository is left untouched), installed into a
temporary folder, and imported in a fresh interpreter whose only copy of channelsim is that
folder; the installed dependencies come from the running environment.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

from channelsim import scenarios

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "channelsim" / "data"

pytest.importorskip("setuptools", minversion="70.1", reason="building the wheel needs setuptools")


def _pip(*args: str, cwd: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "pip", *args, "--no-deps", "--no-index",
                           "--disable-pip-version-check", "--quiet"],
                          cwd=cwd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """A wheel built from a copy of the sources (build/ and egg-info stay out of the clone)."""
    src = tmp_path_factory.mktemp("src")
    shutil.copy(ROOT / "pyproject.toml", src)
    shutil.copy(ROOT / "README.md", src)
    shutil.copytree(ROOT / "channelsim", src / "channelsim",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    out = tmp_path_factory.mktemp("dist")
    _pip("wheel", "--no-build-isolation", "--wheel-dir", str(out), str(src), cwd=src)
    (built,) = out.glob("channelsim-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("site")
    _pip("install", "--target", str(target), str(wheel), cwd=target)
    return target


def test_the_wheel_holds_every_data_file(wheel: Path):
    """Every CSV of channelsim/data and every named scenario, whatever is added later."""
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {f"channelsim/data/{p.name}" for p in [*DATA.glob("*.csv"), *DATA.glob("*.json")]}
    expected |= {f"channelsim/data/scenarios/{p.name}" for p in (DATA / "scenarios").glob("*.toml")}
    assert len(expected) >= 13  # 6 tables and 7 scenarios today
    templates = ROOT / "channelsim" / "dashboard" / "jupyter"  # the app's Voila page
    expected |= {f"channelsim/{p.relative_to(ROOT / 'channelsim').as_posix()}"
                 for p in templates.rglob("*") if p.is_file()}
    missing = sorted(expected - names)
    assert not missing, f"not in the wheel: {missing}"
    assert not any(n.startswith(("tests/", "notebooks/")) for n in names)


def test_an_installed_wheel_runs_every_named_scenario(installed: Path):
    script = textwrap.dedent("""
        import json, channelsim
        from importlib import resources
        from channelsim import scenarios
        data = resources.files("channelsim.data")
        tables = {e.name: len(e.read_text("utf-8").splitlines())
                  for e in data.iterdir() if e.name.endswith(".csv")}
        runs = {}
        for name in scenarios.names():
            daily = channelsim.simulate(name, days=30, seed=1)
            runs[name] = [len(daily), str(daily.index[0].date()), int(daily.inflow.sum() + daily.in_camps.iloc[-1])]
        tables["posterior"] = len(channelsim.posterior.shipped())
        print(json.dumps({"file": channelsim.__file__, "runs": runs, "tables": tables}))
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=installed.parent, timeout=300,
                          env={"PYTHONPATH": str(installed), "PATH": "/usr/bin:/bin",
                               "PYTHONDONTWRITEBYTECODE": "1"},
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert Path(report["file"]).is_relative_to(installed), report["file"]  # not the clone
    toml_names = {p.stem for p in (DATA / "scenarios").glob("*.toml")}
    assert set(report["runs"]) == toml_names and len(toml_names) >= 7
    for name, (days, first, inflow) in report["runs"].items():
        own_start = scenarios.get(name).start.isoformat()  # each runs over its own period
        assert days == 30 and first == own_start, (name, days, first, own_start)
        assert inflow > 0, name  # people on the coast: the scenario really ran
    assert set(report["tables"]) == {p.name for p in DATA.glob("*.csv")} | {"posterior"}
    assert all(lines > 1 for lines in report["tables"].values()), report["tables"]
