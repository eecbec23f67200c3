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
    """The pilot, recording every selection and each return's days since landing."""

    def attach(self, model) -> None:
        super().attach(model)
        self.selections: list[tuple[int, int, int, int]] = []  # landed returnees, chosen returnees, chosen, landed
        self.waits: list[int] = []  # days from landing to return, per return
        fly = model.return_to_france

        def recording(slots):
            self.waits.extend((model.steps - model.population.held_since[slots]).tolist())
            fly(slots)

        model.return_to_france = recording

    def on_landed(self, model, landed) -> None:
        pop = model.population
        before = set(pop.where(State.DETAINED).tolist())
        super().on_landed(model, landed)
        chosen = [s for s in pop.where(State.DETAINED).tolist() if s not in before]
        landed_ret = int(np.count_nonzero(pop.returnee[landed]))
        chosen_ret = int(np.count_nonzero(pop.returnee[np.array(chosen, dtype=int)])) if chosen else 0
        self.selections.append((landed_ret, chosen_ret, len(chosen), len(landed)))


def run_pilot(days=200, seed=3, start="2025-01-06", params=None, **settings):
    p = Params(**(params or {}))
    settings = {"first_removal_days": 0, "selection_share": 1.0, "seats_per_week": 5000,
                **settings}
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
    assert weeks.returned.sum().max() == 30  # the cap binds
    assert daily.returned.sum() > 100


def test_seats_on_flights_set_the_pace_below_the_cap():
    _, _, daily = run_pilot(weekly_return_cap=50, seats_per_week=14, detention_places=2000,
                            days=150)
    weeks = daily.groupby([daily.index.isocalendar().year, daily.index.isocalendar().week])
    assert weeks.returned.sum().max() <= 14
    during = daily.loc[str(PILOT_START + dt.timedelta(days=28)): str(PILOT_END)]
    assert 12 <= during.returned.sum() / (len(during) / 7) <= 14


def test_detention_places_bound_the_people_held():
    _, _, daily = run_pilot(weekly_return_cap=500, detention_places=40, days=150)
    assert daily.in_detention.max() <= 40
    assert daily.in_detention.max() == 40


def test_returns_wait_for_referral_and_answer(tight_cap):
    _, pilot, _ = tight_cap
    assert len(pilot.waits) > 100
    assert min(pilot.waits) >= 3 + 14


def test_no_return_before_the_first_flight_nor_before_a_case_has_run():
    first_flight = PILOT_START + dt.timedelta(days=40)
    _, pilot, daily = run_pilot(weekly_return_cap=200, detention_places=2000, days=150,
                                first_removal_days=40, referral_days=5, answer_days=10)
    returned_days = daily.index[daily.returned > 0]
    assert returned_days.min().date() == first_flight  # the cases were through before it
    assert daily.loc[: str(PILOT_START - dt.timedelta(days=1))].detained.sum() == 0
    assert min(pilot.waits) >= 15


def test_france_refusals_and_court_challenges_release_people_in_the_uk():
    common = dict(weekly_return_cap=5000, detention_places=5000, days=150)
    none = run_pilot(params=dict(france_refusal_share=0.0, challenge_share=0.0,
                                 challenges_from=PILOT_START), **common)[2]
    half = run_pilot(params=dict(france_refusal_share=0.5, challenge_share=0.0,
                                 challenges_from=PILOT_START), **common)[2]
    courts = run_pilot(params=dict(france_refusal_share=0.0, challenge_share=1.0,
                                   challenge_success_share=1.0, challenges_from=PILOT_START),
                       **common)[2]
    assert none.released_uk.sum() == 0
    share = half.released_uk.sum() / (half.released_uk.sum() + half.returned.sum())
    assert 0.4 <= share <= 0.6
    assert courts.returned.sum() == 0 and courts.released_uk.sum() > 100


def test_admissions_follow_returns_within_the_parity_rule():
    for ratio, lead in ((1.0, 0), (0.5, 10)):
        model, pilot, daily = run_pilot(weekly_return_cap=200, detention_places=2000, days=200,
                                        admissions_per_return=ratio, parity_lead=lead,
                                        params=dict(legal_route_appeal=0.0))
        returned = daily.returned.cumsum().shift(pilot.parity_lag_days, fill_value=0)
        admitted = daily.admitted.cumsum()
        assert (admitted <= np.floor(ratio * returned + 1e-9) + lead).all()
        assert admitted.iloc[-1] > 0
        # never admitted on the day of the return they are matched with
        same_day = (daily.admitted > 0) & (daily.returned.cumsum() > returned)
        assert (admitted[same_day] <= np.floor(ratio * returned[same_day]) + lead).all()


def test_no_one_who_attempted_and_no_returnee_is_ever_admitted(monkeypatch):
    seen = []
    original = Population.remove

    def spy(self, slots, final):
        if final == State.ADMITTED:
            seen.append((self.attempts[slots].copy(), self.returnee[slots].copy()))
        return original(self, slots, final)

    monkeypatch.setattr(Population, "remove", spy)
    run_pilot(weekly_return_cap=300, detention_places=3000, days=200,
              params=dict(legal_route_appeal=0.0, applicant_stop_trying_share=0.0))
    attempts = np.concatenate([a for a, _ in seen])
    returnee = np.concatenate([r for _, r in seen])
    assert len(attempts) > 50
    assert attempts.max() == 0 and not returnee.any()


def test_returnees_who_cross_again_are_detained_first():
    settings = dict(weekly_return_cap=300, detention_places=3000, days=240, selection_share=0.3,
                    params=dict(returnee_days_to_coast=0, returnee_coast_share=1.0))
    _, pilot, daily = run_pilot(detention_rule="returnees_first", **settings)
    assert daily.recrossed.sum() > 20
    for landed_ret, chosen_ret, _, _ in pilot.selections:
        assert chosen_ret == landed_ret  # biometrics: every returnee landing again is held
    _, random_pilot, _ = run_pilot(detention_rule="random", **settings)
    share = lambda sel: sum(c for _, c, _, _ in sel) / max(sum(r for r, _, _, _ in sel), 1)  # noqa: E731
    assert share(pilot.selections) == 1.0 > share(random_pilot.selections)


def test_returnees_are_back_on_the_coast_after_their_journey():
    _, _, daily = run_pilot(weekly_return_cap=300, detention_places=3000, days=200,
                            params=dict(returnee_days_to_coast=30, returnee_coast_share=1.0))
    returned = daily.returned.cumsum()
    assert daily.returnees_away.max() > 0
    # nobody returned in the last 30 days is back yet; everyone returned earlier is
    back = returned.shift(30, fill_value=0)
    np.testing.assert_array_equal(daily.returnees_away.to_numpy(), (returned - back).to_numpy())
    stay = run_pilot(weekly_return_cap=300, detention_places=3000, days=200,
                     params=dict(returnee_days_to_coast=0, returnee_coast_share=0.0))[2]
    assert stay.recrossed.sum() == 0 and stay.returned.sum() > 100


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
    with pytest.raises(ParameterError, match=r"one_in_one_out.parity_lead=-1 is out of range: expected an integer between 0 and 5000"):
        OneInOneOut(parity_lead=-1)
    with pytest.raises(ParameterError, match=r"one_in_one_out.seats_per_week=12.5 is not an integer: expected "
                                             r"an integer between 0 and 5000 \(people/week\) \(as the registry's "
                                             "removal_seats_per_week"):
        OneInOneOut(seats_per_week=12.5)
    with pytest.raises(ParameterError, match="one_in_one_out.detention_places.*not an integer"):
        OneInOneOut(detention_places=200.0)
    with pytest.raises(ParameterError, match="one_in_one_out.detention_rule.*'fastest'.*expected one of"):
        OneInOneOut(detention_rule="fastest")
    with pytest.raises(ParameterError, match="france_refusal_share=1.2 is out of range"):
        Params(france_refusal_share=1.2)
    with pytest.raises(ParameterError, match="removal_seats_per_week=13.5 is not an integer"):
        Params(removal_seats_per_week=13.5)
    with pytest.raises(ParameterError, match="one_in_one_out.first_removal_days"):
        OneInOneOut(first_removal_days=-3)
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
        scen = channelsim.scenarios.Scenario(
            name="pilot", start=dt.date(2025, 1, 6), days=180,
            params=dict(weekly_return_cap=cap, removal_seats_per_week=cap, first_removal_days=0,
                        pilot_selection_share=1.0, detention_places=places),
            policies=[{"type": "one_in_one_out", "start": PILOT_START, "end": PILOT_END,
                       "route_opens": dt.date(2025, 8, 7)}])
        daily = channelsim.simulate(scen, seed=seed)
        return daily.loc[str(PILOT_START): str(PILOT_END), "attempts"].sum()

    seeds = range(4)
    small = np.mean([attempts(50, 200, s) for s in seeds])
    large = np.mean([attempts(800, 3000, s) for s in seeds])
    assert large <= small


def test_settings_shared_with_the_registry_have_its_bounds_and_choices():
    """A setting that names a registry parameter declares the same constraints (the registry
    stays the one place where a bound is decided)."""
    import annotated_types as at
    from typing import get_args

    from channelsim.params import spec
    from channelsim.policies import POLICY_TYPES, registry_parameter

    checked = 0
    for cls in POLICY_TYPES.values():
        for name, field in cls.model_fields.items():
            param = registry_parameter(cls, name)
            if param is None:
                continue
            s = spec(param)
            if s.kind in ("float", "int"):
                bounds = {type(m): m for m in field.metadata}
                assert bounds[at.Ge].ge == s.low and bounds[at.Le].le == s.high, (cls.kind, name)
            elif s.kind == "choice":
                choices = {a for arg in get_args(field.annotation) for a in get_args(arg) or (arg,)}
                assert set(s.choices) <= choices, (cls.kind, name)
            checked += 1
    assert checked >= 18


def test_pilot_settings_left_unset_take_the_registry_values_of_the_model():
    pilot = OneInOneOut(weekly_return_cap=20)
    assert pilot.detention_places is None and pilot.start == dt.date(2025, 8, 4)
    before = pilot.to_dict()
    model = ChannelModel(Params(detention_places=321, weekly_return_cap=99), start="2025-08-01",
                         rng=1, policies=[pilot])
    assert pilot.detention_places == 321 and pilot.seats_per_week == Params().removal_seats_per_week
    assert pilot.weekly_return_cap == 20  # given: kept
    assert pilot.to_dict() == before == {"type": "one_in_one_out", "start": dt.date(2025, 8, 4),
                                         "end": dt.date(2026, 6, 30), "weekly_return_cap": 20}
    # the same policy attached to another model takes that model's values
    ChannelModel(Params(detention_places=55), start="2025-08-01", rng=1, policies=[pilot])
    assert pilot.detention_places == 55 and model.policies[0] is pilot


def test_policies_pickle_and_deepcopy_with_their_state():
    import copy
    import pickle

    pilot = OneInOneOut(start="2025-03-03", end="2025-06-30", first_removal_days=0,
                        selection_share=1.0, seats_per_week=5000)
    model = ChannelModel(start="2025-03-01", rng=3, policies=[pilot,
                                                               MaritimeDoctrine(target="both")])
    model.run_for(30)
    for twin in (pickle.loads(pickle.dumps(model)), copy.deepcopy(model)):
        copied = twin.policies[0]
        assert copied is not pilot and copied == pilot and copied.model is twin
        assert copied.returns_by_day == pilot.returns_by_day and copied._week == pilot._week
        assert twin.policies[1].target == "both"
    twin = pickle.loads(pickle.dumps(model))
    model.run_for(20)
    twin.run_for(20)
    assert model.results().equals(twin.results())  # continues identically


def test_a_bad_assignment_to_a_setting_is_refused_by_name():
    doctrine = MaritimeDoctrine()
    with pytest.raises(ParameterError, match=r"maritime_doctrine.target='boats' is invalid: "
                                             r"expected one of 'taxi', 'loaded', 'both'"):
        doctrine.target = "boats"
    with pytest.raises(ParameterError, match="maritime_doctrine.end=2025-01-01 is before"):
        MaritimeDoctrine(start="2025-02-01").end = "2025-01-01"
    doctrine.rate = 0.5
    assert doctrine.to_dict()["rate"] == 0.5
