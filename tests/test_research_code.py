"""Research code fails loudly: an experiment whose runs all fail raises with the first run's
traceback, and a script pasted without ``if __name__ == "__main__":`` runs (in this process,
saying which line to move under the guard) instead of crashing every worker."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from channelsim import experiments as ex

DAYS = 10
FAST = dict(days=DAYS, executor="inprocess", progress=False)
ROOT = Path(__file__).resolve().parents[1]


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


def test_workers_asked_for_without_main_guard_are_refused_naming_the_line(tmp_path):
    done = _script(tmp_path, """
        import channelsim
        from channelsim.experiments import guard
        try:
            channelsim.ensemble(None, 2, days=5, seed=0, progress=False, executor=2)
        except channelsim.params.ParameterError as err:
            print("refused:", err)

        def main():
            print("default:", guard.default_executor())

        if __name__ == "__main__":
            main()
    """)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == (f"refused: executor=2 starts worker processes, which import the main script "
                        f"again: {tmp_path / 'study.py'}, line 5 starts the experiment outside "
                        "`if __name__ == \"__main__\":`. Move it under that guard, or use executor='inprocess'")
    assert lines[1] == "default: processes"  # under the guard: worker processes


def test_a_package_run_with_python_m_may_start_workers_from_its_top_level(tmp_path):
    # workers never run a package's __main__ again, so the command line needs no guard
    (tmp_path / "study").mkdir()
    (tmp_path / "study" / "__init__.py").write_text("")
    (tmp_path / "study" / "__main__.py").write_text(
        "import warnings\nwarnings.simplefilter('error')\nfrom channelsim.experiments import guard\n"
        "print(guard.default_executor())\n")
    done = subprocess.run([sys.executable, "-m", "study"], cwd=tmp_path, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "processes"
