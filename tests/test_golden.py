"""Golden numbers: short runs of three scenarios x three seeds must reproduce stored figures.

The figures in ``golden_numbers.json`` were produced by the model as it stands; a change to the
code that is meant to leave the model's behaviour alone (a refactoring) must leave them
identical. A change that alters the model on purpose (a new rule, a different order of random
draws) regenerates the file, in a commit of its own that says why:

    PYTHONPATH=. python tests/test_golden.py --regenerate
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import pytest

import channelsim
from channelsim.results import summary

GOLDEN = Path(__file__).with_name("golden_numbers.json")
SEEDS = (0, 1, 2)
#: (scenario, first day, days): a plain year's start, the pilot's first returns, and the pilot
#: with France's maritime doctrine from its first interception (January 2026), each short enough to run in well under a second.
RUNS = (
    ("baseline_2024", "2024-01-01", 120),
    ("pilot_announced", "2025-07-15", 90),
    ("sea_interceptions", "2026-01-10", 90),
)
#: Columns whose value on the last day is kept as well as their sum.
END_LEVELS = ("in_camps", "booked", "boats_in_stock", "legal_queue", "in_detention",
              "belief_stop", "belief_death", "belief_return")


def figures(scenario: str, start: str, days: int, seed: int) -> dict[str, float]:
    """Summary, column totals and end-of-run levels of one short run."""
    daily = channelsim.simulate(scenario, start=start, days=days, seed=seed)
    out = {f"summary.{k}": float(v) for k, v in summary(daily).items()}
    out.update({f"sum.{c}": float(v) for c, v in daily.sum(numeric_only=True).items()})
    out.update({f"end.{c}": float(daily[c].iloc[-1]) for c in END_LEVELS})
    return out


def _key(scenario: str, seed: int) -> str:
    return f"{scenario}/seed={seed}"


def compute_all() -> dict[str, dict[str, float]]:
    return {_key(s, seed): figures(s, start, days, seed) for s, start, days in RUNS for seed in SEEDS}


@pytest.fixture(scope="module")
def golden() -> dict[str, dict[str, float]]:
    return json.loads(GOLDEN.read_text())


@pytest.mark.parametrize("scenario,start,days", RUNS)
@pytest.mark.parametrize("seed", SEEDS)
def test_figures_match_the_stored_ones(golden, scenario, start, days, seed):
    expected = golden[_key(scenario, seed)]
    got = figures(scenario, start, days, seed)
    missing = sorted(set(expected) - set(got))
    assert not missing, f"figures no longer produced: {missing}"  # new columns may be added
    wrong = {k: (got[k], v) for k, v in expected.items()
             if not math.isclose(got[k], v, rel_tol=1e-9, abs_tol=1e-9)}
    assert not wrong, f"{scenario} seed {seed}: (got, stored) differ for {wrong}"


def test_the_runs_exercise_what_they_are_chosen_for(golden):
    """The stored runs cover boats stopped, deaths, and the pilot's detentions, returns and
    admissions, so that a change to any of those rules shows."""
    for seed in SEEDS:
        base = golden[_key("baseline_2024", seed)]
        assert base["summary.arrivals"] > 1000 and base["summary.stopped"] > 0
        for scenario in ("pilot_announced", "sea_interceptions"):
            run = golden[_key(scenario, seed)]
            assert run["summary.returned"] > 0 and run["summary.admitted"] > 0
        assert golden[_key("sea_interceptions", seed)]["sum.intercepted_sea"] > 0
        assert base.get("sum.intercepted_sea", 0) == 0


if __name__ == "__main__":
    if "--regenerate" not in sys.argv:
        sys.exit("usage: python tests/test_golden.py --regenerate")
    GOLDEN.write_text(json.dumps(compute_all(), indent=1, sort_keys=True) + "\n")
    print(f"wrote {GOLDEN}")
