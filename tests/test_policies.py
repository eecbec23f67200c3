"""The policy module: the pilot's caps, delays and eligibility rules, dated levers, beliefs."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

import channelsim
from channelsim import decisions
from channelsim.model import ChannelModel
from channelsim.params import Params, ParameterError
from channelsim.policies import (BeachPatrols, OneInOneOut, SafeRoutes, MaritimeDoctrine,
                                 WorkingCrackdown, GangDisruption, policy_from_dict)
from channelsim.population import Population, State

PILOT_START = dt.date(2025, 3, 3)
PILOT_END = dt.date(2025, 6, 30)


class RecordingPilot(OneInOneOut):
    """The pilot, recording each person's detention and return days and every selection."""

    def attach(self, model) -> None:
        super().attach(model)
        self.detained_on: dict[int, int] = {}
        self.returned_on: dict[int, int] = {}
        self.selections: list[tuple[int, int, int, int]] = []  # landed returnees, chosen returnees, chosen, room

    def on_landed(self, model, landed) -> None:
        pop = model.population
        before = set(pop.where(State.DETAINED).tolist())
        super().on_landed(model, landed)
        chosen = [s for s in pop.where(State.DETAINED).tolist() if s not in before]
        for s in chosen:
            self.detained_on[s] = model.steps
        landed_ret = int(np.count_nonzero(pop.returnee[landed]))
        chosen_ret = int(np.count_nonzero(pop.returnee[np.array(chosen, dtype=int)])) if chosen else 0
        self.selections.append((landed_ret, chosen_ret, len(chosen), len(landed)))

    def on_day_end(self, model) -> None:
        pop = model.population
        detained = set(pop.where(State.DETAINED).tolist())
        super().on_day_end(model)
        now = set(pop.where(State.DETAINED).tolist())
        for s in detained - now:
            self.returned_on[s] = model.steps


def run_pilot(days=200, seed=3, start="2025-01-06", **settings):
    p = Params(pilot_start=PILOT_START, pilot_end=PILOT_END)
    pilot = RecordingPilot(start=PILOT_START, end=PILOT_END, **settings)
    model = ChannelModel(p, start=start, rng=seed, policies=[pilot])
    model.run_for(days)
    return model, pilot, model.results()


@pytest.fixture(scope="module")
def tight_cap():
    return run_pilot(weekly_return_cap=30, detention_places=2000)


def test_weekly_cap_is_never_exceeded(tight_cap):
    _, _, daily = tight_cap
    weeks = daily.groupby([daily.index.isocalendar().year, daily.index.isocalendar().week])
    assert weeks.returned.sum().max() <= 30
    assert weeks.detained.sum().max() <= 30
    assert daily.returned.sum() > 100  # the cap binds: the pilot did return people


def test_detention_places_bound_the_people_held():
    _, _, daily = run_pilot(weekly_return_cap=500, detention_places=40, days=150)
    assert daily.in_detention.max() <= 40
    assert daily.in_detention.max() == 40


def test_returns_wait_for_referral_and_answer(tight_cap):
    _, pilot, _ = tight_cap
    assert len(pilot.returned_on) > 100
    waits = [pilot.returned_on[s] - pilot.detained_on[s] for s in pilot.returned_on]
    assert min(waits) >= 3 + 14


def test_admissions_never_exceed_returns_times_ratio():
    for ratio in (1.0, 0.5):
        _, _, daily = run_pilot(weekly_return_cap=200, detention_places=2000, days=200,
                                admissions_per_return=ratio)
        returned = daily.returned.cumsum()
        admitted = daily.admitted.cumsum()
        assert (admitted <= ratio * returned + 1e-9).all()
        assert admitted.iloc[-1] > 0


def test_no_one_who_attempted_and_no_returnee_is_ever_admitted(monkeypatch):
    seen = []
    original = Population.remove

    def spy(self, slots, final):
        if final == State.ADMITTED:
            seen.append((self.attempts[slots].copy(), self.returnee[slots].copy()))
        return original(self, slots, final)

    monkeypatch.setattr(Population, "remove", spy)
    run_pilot(weekly_return_cap=300, detention_places=3000, days=200)
    attempts = np.concatenate([a for a, _ in seen])
    returnee = np.concatenate([r for _, r in seen])
    assert len(attempts) > 50
    assert attempts.max() == 0 and not returnee.any()


def test_returnees_who_cross_again_are_detained_first():
    _, pilot, daily = run_pilot(weekly_return_cap=300, detention_places=3000, days=240,
                                detention_rule="returnees_first")
    assert daily.recrossed.sum() > 20
    for landed_ret, chosen_ret, chosen, _ in pilot.selections:
        # everyone selected comes from the returnees until they are all taken
        assert chosen_ret == min(landed_ret, chosen)
    _, random_pilot, _ = run_pilot(weekly_return_cap=300, detention_places=3000, days=240,
                                   detention_rule="random")
    share = lambda sel: sum(c for _, c, _, _ in sel) / max(sum(r for r, _, _, _ in sel), 1)  # noqa: E731
    assert share(pilot.selections) > share(random_pilot.selections)


def test_the_pilot_detains_only_while_in_force_and_finishes_its_cases(tight_cap):
    _, _, daily = tight_cap
    detained_days = daily.index[daily.detained > 0]
    assert detained_days.min().date() >= PILOT_START
    assert detained_days.max().date() <= PILOT_END
    returned_days = daily.index[daily.returned > 0]
    assert returned_days.min().date() >= PILOT_START + dt.timedelta(days=17)
    assert returned_days.max().date() > PILOT_END  # open cases are completed after the end
    assert daily.loc[: str(PILOT_START - dt.timedelta(days=1)), "belief_return"].max() == 0.0


def test_the_legal_route_is_open_only_with_a_policy_and_closes_with_it(tight_cap):
    _, _, daily = tight_cap
    before = daily.loc[: str(PILOT_START - dt.timedelta(days=1))]
    during = daily.loc[str(PILOT_START): str(PILOT_END)]
    after = daily.loc[str(PILOT_END + dt.timedelta(days=1)):]
    assert before.legal_applications.sum() == 0 and before.legal_queue.max() == 0
    assert during.legal_applications.sum() > 0
    assert after.legal_applications.sum() == 0 and after.legal_queue.max() == 0


def test_dated_levers_switch_on_and_off_on_their_dates():
    on, off = dt.date(2024, 5, 1), dt.date(2024, 7, 31)
    policies = [MaritimeDoctrine(start=on, end=off, rate=0.5, target="both"),
                BeachPatrols(start=dt.date(2024, 9, 1), end=dt.date(2024, 9, 30), officers_per_day=0)]
    model = ChannelModel(start="2024-04-01", rng=5, policies=policies)
    model.run_for(200)
    daily = model.results()
    inside = daily.loc[str(on): str(off)]
    outside = daily.drop(inside.index)
    assert inside.intercepted_sea.sum() > 0
    assert outside.intercepted_sea.sum() == 0
    september = daily.loc["2024-09-01":"2024-09-30"]
    assert september.attempts.sum() > 0
    assert september.stopped_beach.sum() == 0
    assert daily.loc["2024-10-01":].stopped_beach.sum() > 0


def test_policies_compose_on_the_same_day():
    p = Params()
    model = ChannelModel(p, rng=1, policies=[WorkingCrackdown(pull_reduction=0.5),
                                             GangDisruption(supply_cut=0.5),
                                             SafeRoutes(per_week=70)])
    model.step()
    assert model.levers.pull_factor == pytest.approx(0.5)
    assert model.levers.upstream_seizure == pytest.approx(0.5)
    assert model.levers.route_open


def test_safe_routes_admit_about_their_weekly_number():
    model = ChannelModel(rng=2, policies=[SafeRoutes(per_week=70)], legal_route_appeal=0.0)
    model.run_for(120)
    daily = model.results()
    weekly = daily.admitted.iloc[28:].sum() / ((len(daily) - 28) / 7)
    assert 55 <= weekly <= 70


def test_policy_settings_are_validated_with_the_registry_bounds():
    with pytest.raises(ParameterError, match="maritime_doctrine.rate.*1.5"):
        MaritimeDoctrine(rate=1.5)
    with pytest.raises(ParameterError, match="one_in_one_out.weekly_return_cap"):
        OneInOneOut(weekly_return_cap=-1)
    with pytest.raises(ParameterError, match="end=2024-01-01 is before"):
        BeachPatrols(start="2024-02-01", end="2024-01-01")
    with pytest.raises(ParameterError, match="unknown policy type 'curfew'"):
        policy_from_dict({"type": "curfew"})
    with pytest.raises(ParameterError, match="unknown setting 'speed'"):
        policy_from_dict({"type": "maritime_doctrine", "speed": 3})
    with pytest.raises(TypeError, match="not a channelsim.policies.Policy"):
        ChannelModel(policies=["pilot"])


def test_the_legal_route_is_an_option_only_for_the_eligible_while_open():
    p = Params()
    n = 4
    common = dict(pull=np.ones(n), belief_stop=np.zeros(n), belief_death=np.zeros(n),
                  belief_return=np.zeros(n), belief_admit=np.full(n, 0.5), price_eur=np.zeros(n),
                  failures=np.zeros(n), months_waiting=np.zeros(n), booked=np.zeros(n, bool),
                  eligible=np.array([True, False, True, False]), crossable=True, p=p)
    closed = decisions.migrant_utilities(route_open=False, **common)
    opened = decisions.migrant_utilities(route_open=True, **common)
    assert np.isneginf(closed[:, decisions.Option.APPLY]).all()
    assert np.isfinite(opened[[0, 2], decisions.Option.APPLY]).all()
    assert np.isneginf(opened[[1, 3], decisions.Option.APPLY]).all()


def test_beliefs_move_with_what_people_observe():
    _, _, daily = run_pilot(weekly_return_cap=300, detention_places=3000, days=200)
    during = daily.loc[str(PILOT_START + dt.timedelta(days=60)): str(PILOT_END)]
    assert during.belief_return.mean() > 0.02
    # More effective beach policing: people in the camps come to expect more stops.
    low = channelsim.simulate(days=120, seed=4, stop_effectiveness=0.03)
    high = channelsim.simulate(days=120, seed=4, stop_effectiveness=0.3)
    assert high.stopped.sum() / high.attempts.sum() > low.stopped.sum() / low.attempts.sum()
    assert high.belief_stop.iloc[-30:].mean() > low.belief_stop.iloc[-30:].mean() + 0.1


def test_a_larger_weekly_cap_does_not_raise_attempts():
    """Deterrence emerges from beliefs: more returns never bring more attempts (ensemble of seeds)."""
    def attempts(cap, places, seed):
        p = Params(pilot_enabled=True, pilot_start=PILOT_START, pilot_end=PILOT_END,
                   weekly_return_cap=cap, detention_places=places)
        daily = channelsim.simulate(days=180, start="2025-01-06", seed=seed, **p.changed())
        return daily.loc[str(PILOT_START): str(PILOT_END), "attempts"].sum()

    seeds = range(4)
    small = np.mean([attempts(50, 200, s) for s in seeds])
    large = np.mean([attempts(800, 3000, s) for s in seeds])
    assert large <= small
