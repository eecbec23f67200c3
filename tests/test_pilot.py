"""The pilot as it ran: calibration of ``pilot_as_run`` to the published cumulative returns and
admissions, the scenarios on the pipeline, and applicants who keep choosing while they wait."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

import channelsim
from channelsim import scenarios
from channelsim.policies import OneInOneOut

#: Published cumulative (returned, admitted) by date (channel_facts.csv:
#: pilot_returns_cumulative, pilot_returns_admissions_cumulative).
PUBLISHED = {"2025-10-09": (26, 18), "2025-10-19": (42, 23), "2025-10-31": (75, 51),
             "2025-11-05": (94, 57), "2025-11-15": (113, 84)}


@pytest.fixture(scope="module")
def as_run():
    """pilot_as_run from July to mid-November 2025, three seeds."""
    runs = [channelsim.simulate("pilot_as_run", start="2025-07-01", days=138, seed=s)
            for s in range(3)]
    return [r[["returned", "admitted"]].cumsum() for r in runs]


def test_pilot_as_run_lands_near_the_published_cumulative_figures(as_run):
    for day, (returned, admitted) in PUBLISHED.items():
        model_returned = np.mean([c.loc[day, "returned"] for c in as_run])
        model_admitted = np.mean([c.loc[day, "admitted"] for c in as_run])
        # flights run at their pace from the first: the slow first month is overshot by ~15
        assert abs(model_returned - returned) <= max(20, 0.2 * returned), (day, model_returned)
        assert abs(model_admitted - admitted) <= max(15, 0.3 * admitted), (day, model_admitted)


def test_pilot_as_run_first_return_and_admission_dates(as_run):
    for c in as_run:
        first_return = c.index[c.returned > 0][0].date().isoformat()
        first_admission = c.index[c.admitted > 0][0].date().isoformat()
        assert first_return == "2025-09-18"  # pilot_first_return
        assert "2025-09-19" <= first_admission <= "2025-10-09"  # 24 Sep 2025 published


def test_pilot_scenarios_round_trip_through_toml():
    for name in ("pilot_as_run", "pilot_announced", "pilot_scaled"):
        scen = scenarios.get(name)
        assert scenarios.loads(scenarios.dumps(scen)) == scen
        pilots = [p for p in scen.make_policies(scen.make_params()) if isinstance(p, OneInOneOut)]
        assert len(pilots) == 1 and (pilots[0].start, pilots[0].end) == (dt.date(2025, 8, 4),
                                                                        dt.date(2026, 6, 30))


def test_announced_and_scaled_return_more_than_as_run():
    weekly = {}
    for name in ("pilot_as_run", "pilot_announced", "pilot_scaled"):
        d = channelsim.simulate(name, start="2025-07-15", days=120, seed=1)
        weekly[name] = d.loc["2025-09-22":"2025-11-09", "returned"].sum() / 7  # 7 whole weeks
    assert weekly["pilot_as_run"] <= 13.5  # 13 seats a week, unused seats kept for a week
    assert 40 <= weekly["pilot_announced"] <= 50
    assert weekly["pilot_scaled"] > 2 * weekly["pilot_announced"]


def test_applicants_who_keep_trying_cross_and_lose_their_place():
    def run(share):
        d = channelsim.simulate("pilot_announced", start="2025-07-15", days=90, seed=2,
                                applicant_stop_trying_share=share, legal_route_appeal=-2.0)
        return d.loc["2025-08-07":]
    patient, restless = run(1.0), run(0.0)
    assert patient.legal_applications.sum() > 100
    # applicants who keep trying leave the queue when they book a crossing
    assert restless.legal_queue.mean() < patient.legal_queue.mean()
