"""Launch modes (beach or taxi boat), loads up to the physical ceiling, France's maritime
doctrine, deaths by cause and seizures upstream."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from channelsim import decisions as dec
from channelsim.geography import GeographyError, geography, link_waterways
from channelsim.model import ChannelModel
from channelsim.params import ParameterError, Params
from channelsim.policies import MaritimeDoctrine, policy_from_dict
from channelsim.world.crossing import DEATH_CAUSES

SUMMER = "2024-05-01"


def run(days: int = 90, start: str = SUMMER, seed: int = 0, policies=(), **params) -> pd.DataFrame:
    model = ChannelModel(start=start, rng=seed, policies=list(policies), **params)
    model.run_for(days)
    return model.results()


def taxi_share(daily: pd.DataFrame) -> float:
    return daily.taxi_launches.sum() / daily.launches.sum()


def test_with_beach_patrols_doubled_gangs_send_more_taxi_boats():
    base = [taxi_share(run(seed=s)) for s in (0, 1)]
    doubled = [taxi_share(run(seed=s, officers_per_day=1600.0)) for s in (0, 1)]
    assert np.mean(doubled) > np.mean(base) + 0.03, (base, doubled)


def test_no_boat_ever_exceeds_the_physical_ceiling_and_taxis_their_boarding_limit():
    # scarce boats and many people waiting push loads to their ceilings
    p = Params(boat_supply_per_day=1.0, initial_camp_population=6000, max_load=100.0, taxi_capacity=70.0)
    model = ChannelModel(p, start=SUMMER, rng=3)
    loads = {"beach": [], "taxi": []}
    for _ in range(60):
        model.step()
        for b in model.boats_today:
            loads[b.mode].append(b.load)
    assert max(loads["beach"]) <= 100 and max(loads["taxi"]) <= 70
    assert max(loads["beach"]) >= 90  # the ceiling binds: the tail of very full boats exists
    assert model.results().largest_load.max() == max(loads["beach"] + loads["taxi"])


def test_deaths_by_cause_add_up_to_deaths_every_day():
    daily = run(days=120, seed=2, policies=[MaritimeDoctrine(target="both", rate=0.5, death_risk=0.02)])
    causes = daily[[f"deaths_{c}" for c in DEATH_CAUSES]]
    assert (causes.sum(axis=1) == daily.deaths).all()
    for cause in ("at_sea", "interception", "boarding"):
        assert daily[f"deaths_{cause}"].sum() > 0, cause


def test_heavy_loads_are_counted_among_boats_that_arrive():
    daily = run(days=120, seed=1)
    assert (daily.boats_80plus <= daily.boats_60plus).all() and (daily.boats_60plus <= daily.boats).all()
    share = daily.boats_60plus.sum() / daily.boats.sum()
    assert 0.0 < share < 1.0
    assert np.allclose(daily.share_60plus[daily.boats > 0], (daily.boats_60plus / daily.boats)[daily.boats > 0])


def test_no_taxi_boat_before_the_method_appeared():
    daily = run(days=60, start="2021-06-01")
    assert daily.launches.sum() > 0 and daily.taxi_launches.sum() == 0


def test_the_doctrine_against_taxi_boats_stops_them_before_anyone_boards():
    doctrine = MaritimeDoctrine(target="taxi", rate=0.6, death_risk=0.0)
    model = ChannelModel(start=SUMMER, rng=4, policies=[doctrine])
    intercepted = []
    for _ in range(90):
        model.step()
        intercepted += [b for b in model.boats_today if b.outcome == "intercepted"]
    assert intercepted and all(b.mode == "taxi" and b.lost_boat for b in intercepted)
    assert all(b.deaths == 0 and b.people.size == b.boarded for b in intercepted)  # nobody boarded
    gangs = model.gang_agents
    assert np.mean([g.success[1] for g in gangs]) < 0.75  # gangs learn taxi boats now fail more
    assert model.results().deaths_boarding.sum() >= 0


def test_the_doctrine_against_taxis_shifts_gangs_back_to_the_beach():
    without = [taxi_share(run(days=120, seed=s)) for s in (0, 1)]
    doctrine = [taxi_share(run(days=120, seed=s, policies=[MaritimeDoctrine(target="taxi", rate=0.8)]))
                for s in (0, 1)]
    assert np.mean(doctrine) < np.mean(without), (without, doctrine)


def test_a_policy_targeting_an_unknown_boat_kind_is_refused_by_name():
    with pytest.raises(ParameterError, match=r"maritime_doctrine.target='ferry' is invalid: expected one of 'taxi', 'loaded', 'both'"):
        MaritimeDoctrine(target="ferry")
    with pytest.raises(ParameterError, match=r"policy: .*'ferry'"):
        policy_from_dict({"type": "maritime_doctrine", "target": "ferry"})
    with pytest.raises(ParameterError, match=r"maritime_doctrine.death_risk=0.5 is out of range: expected a number between 0 and 0.2"):
        MaritimeDoctrine(death_risk=0.5)
    with pytest.raises(ParameterError, match=r"sea_interception_target='nets'"):
        Params(sea_interception_target="nets")


def test_a_waterway_missing_from_the_geography_is_refused_by_name():
    geo = geography()
    points = geo.points[["name", "waterway"]].copy()
    assert (link_waterways(points, geo.waterways) == geo.points.waterway_index).all()
    points.loc[3, "waterway"] = "authie"
    with pytest.raises(GeographyError, match=r"crossing point 'wissant': waterway 'authie' is not in waterways.csv"):
        link_waterways(points, geo.waterways)
    with pytest.raises(GeographyError, match="no column 'waterway'"):
        link_waterways(points.drop(columns="waterway"), geo.waterways)


def test_waterways_are_on_the_grid_with_sources():
    geo = geography()
    ways = geo.waterways
    assert {"aa", "canche", "liane", "slack"} <= set(ways.name)
    assert ways.source.str.match(r"^(fact:|assumption:)").all()
    for cell in ways.cell:
        assert geo.kind[cell] == 4  # FR_INSHORE: the mouth, where a taxi boat enters the sea
    assert (geo.points.waterway_index >= 0).all() and (geo.points.taxi_km < 25).all()


def test_seizures_upstream_cut_the_gangs_boats_and_raise_the_price():
    base = run(days=120, seed=5)
    seized = run(days=120, seed=5, gang_disruption=0.6)
    assert base.boats_seized_upstream.sum() == 0 and seized.boats_seized_upstream.sum() > 50
    price = lambda d: (d.price_eur * d.attempts).sum() / d.attempts.sum()
    assert price(seized) > price(base)
    assert seized.launches.sum() < base.launches.sum()


def test_with_no_seizures_upstream_the_supply_takes_only_its_poisson_draw():
    # numpy's binomial draws nothing when the chance is 0, so skipping it changes no result
    model = ChannelModel(start=SUMMER, rng=3)
    model.run_for(2)
    model._set_levers()
    twin = np.random.default_rng()
    twin.bit_generator.state = model.rng.bit_generator.state
    model.gangs.receive_supply()
    sent = twin.poisson(model.levers.boat_supply_per_day / len(model.gangs), size=len(model.gangs))
    assert model.rng.bit_generator.state == twin.bit_generator.state
    assert model.tally.boats_seized_upstream == 0
    assert model.tally.supply_cost_eur == sent.sum() * model.params.boat_cost_eur
    before = twin.bit_generator.state
    assert twin.binomial([3, 0, 5], 0.0).tolist() == [0, 0, 0]  # what the skip stands for
    assert twin.bit_generator.state == before


def test_loading_rule_follows_the_gangs_economics():
    p = Params()
    ceiling_taxi = dec.gang_load(10_000, 5, 0.3, p, ceiling=p.taxi_capacity)
    assert ceiling_taxi == int(p.taxi_capacity)
    assert dec.gang_load(10_000, 5, 0.3, p) == int(p.max_load)
    assert dec.gang_load(400, 400, 0.5, p) > dec.gang_load(400, 400, 0.0, p)  # risk of losing the boat
    assert dec.scarcity_price(3500, 100, 200, 0.5) == 3500
    assert 3500 < dec.scarcity_price(3500, 400, 200, 0.5) < dec.scarcity_price(3500, 4000, 200, 0.5) < 3500 * 1.5
    assert dec.taxi_probability(10, 0, 0.5) > 0.5 > dec.taxi_probability(0, 10, 0.5)
