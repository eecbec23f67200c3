"""The agents' decisions, as pure functions of a state and a random generator.

Each function here is one rule of the model, testable alone: give it arrays and a
``numpy.random.Generator`` and it returns the decision. The agents and the model only gather the
state and apply the result. Units are in the names or the docstrings.
"""

from __future__ import annotations

import math
from enum import IntEnum

import numpy as np

__all__ = [
    "Option", "migrant_utilities", "crossing_utility", "leave_utility", "apply_utility", "choose",
    "choose_with", "choose_columns",
    "categorical_cdf", "draw_categorical", "update_beliefs", "gang_load", "launch_value_keur",
    "taxi_probability", "scarcity_price",
    "launch_propensity", "allocate_units", "stop_probability", "launch_point_weights",
    "distress_probability", "crush_probability", "seasonal_inflow_rate",
]


class Option(IntEnum):
    """What a migrant in a camp can do on a day (columns of the utility matrix)."""

    WAIT = 0
    CROSS = 1
    LEAVE = 2
    APPLY = 3  #: apply to the legal route (only while eligible and the route is open)


def migrant_utilities(
    *,
    pull: np.ndarray,
    belief_stop: np.ndarray,
    belief_death: np.ndarray,
    belief_return: np.ndarray,
    belief_admit: np.ndarray,
    price_eur: np.ndarray,
    failures: np.ndarray,
    months_waiting: np.ndarray,
    booked: np.ndarray,
    eligible: np.ndarray,
    crossable: bool,
    route_open: bool,
    p,
    pull_factor: float = 1.0,
) -> np.ndarray:
    """Utilities (n, len(Option)) of each option for n migrants; unavailable options are -inf.

    Waiting is the reference (utility 0). Crossing weighs the UK's pull (scaled by
    ``pull_factor``, which the illegal-working crackdown lowers) against the perceived chances
    of being stopped, dying and being returned, and the price. Leaving grows with failures and
    with months spent waiting. People who have ``booked`` (paid a gang for a place, or applied
    to the legal route) only weigh waiting for it against leaving.
    Applying to the legal route is open to eligible migrants while a route is open; its appeal
    rises with the pull of the UK times the perceived chance of being admitted. ``p`` holds the parameters (:class:`~channelsim.Params`).
    """
    n = len(pull)
    u = np.zeros((len(Option), n)).T  # one contiguous column per option: choose() reads columns
    value = pull * pull_factor
    if crossable:
        u[:, Option.CROSS] = crossing_utility(value, belief_stop, belief_death, belief_return,
                                              price_eur, p)
    else:
        u[:, Option.CROSS] = -np.inf
    u[:, Option.LEAVE] = leave_utility(failures, months_waiting, p)
    if route_open:
        u[:, Option.APPLY] = apply_utility(value, belief_admit, eligible, p)
    else:
        u[:, Option.APPLY] = -np.inf
    u[booked, Option.CROSS] = -np.inf
    u[booked, Option.APPLY] = -np.inf
    return u


def crossing_utility(value: np.ndarray, belief_stop: np.ndarray, belief_death: np.ndarray,
                     belief_return: np.ndarray, price_eur: np.ndarray, p) -> np.ndarray:
    """Utility of paying a gang for a place (waiting is 0): the UK's ``value`` to each person
    (their pull times the pull factor) against the perceived chances of being stopped, dying
    and being returned, and the price (EUR)."""
    return (p.crossing_propensity + value
            - p.stop_aversion * belief_stop
            - p.risk_aversion * belief_death
            - p.return_aversion * belief_return
            - p.price_sensitivity * price_eur / 1000.0)


def apply_utility(value: np.ndarray, belief_admit: np.ndarray, eligible: np.ndarray, p) -> np.ndarray:
    """Utility of applying to the legal route (waiting is 0) for people ``eligible`` to (-inf
    for the others): its appeal rises with the UK's ``value`` to each person times their
    perceived chance of being admitted."""
    return np.where(eligible, p.legal_route_appeal + value * belief_admit, -np.inf)


def leave_utility(failures: np.ndarray, months_waiting: np.ndarray, p) -> np.ndarray:
    """Utility of leaving the coast (waiting is 0): it grows with failed attempts and with
    months spent waiting."""
    return (p.leave_propensity + p.leave_per_failure * failures
            + p.leave_per_month_waiting * months_waiting)


def choose(utilities: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Multinomial-logit choice, one per row: the index of the option taken.

    Option j is taken with probability exp(u_j) / sum_k exp(u_k) (options at -inf never), by
    inverting each row's cumulative probabilities with one uniform draw per row
    (:func:`choose_with`).
    """
    return choose_with(utilities, rng.random(len(utilities)))


def choose_with(utilities: np.ndarray, uniforms: np.ndarray) -> np.ndarray:
    """:func:`choose` with the rows' uniform draws in [0, 1) given (``uniforms``, one per row).

    Options that no row can take (a whole column at -inf) are skipped: they add exactly zero to
    every row's cumulative sum, so the choices are the same as with them, bit for bit.
    """
    if utilities.size == 0:
        return np.zeros(len(utilities), dtype=np.int8)
    columns = [None if np.all(col == -np.inf) else col
               for col in (utilities[:, j] for j in range(utilities.shape[1]))]
    return choose_columns(columns, uniforms)


#: Largest utility whose exponential is taken as it stands: four options' exp(700) still add up
#: to a finite number (exp(709.8) is the largest double).
EXP_SAFE = 700.0


def choose_columns(columns: list, uniforms: np.ndarray) -> np.ndarray:
    """:func:`choose_with` from the utility matrix's columns, one per option: an array (one
    utility per row), a number (the same for every row), or None for an option no row can take.

    The exponentials are taken of the utilities as they stand when one option is a number in
    [-700, 700] (waiting, at 0: every row's total is then at least its exponential, never 0)
    and no utility is above 700 (no sum can overflow); otherwise of the utilities less each
    row's largest, as :func:`choose_with` does. The two give the same probabilities; they
    differ only in the last bits of the sums.
    """
    columns = [col if col is None or isinstance(col, (np.ndarray, float))
               else np.asarray(col, dtype=float) for col in columns]
    given = [col for col in columns if col is not None]
    if not given:
        raise ValueError("choose: every option has utility -inf in every row (nothing to choose)")
    arrays = [col for col in given if isinstance(col, np.ndarray) and col.ndim]
    numbers = [float(col) for col in given if not (isinstance(col, np.ndarray) and col.ndim)]
    as_they_stand = (len(uniforms) > 0 and any(abs(u) <= EXP_SAFE for u in numbers)
                     and max(numbers) <= EXP_SAFE and all(col.max() <= EXP_SAFE for col in arrays))
    top = 0.0
    if not as_they_stand:
        top = given[0]
        for col in given[1:]:
            top = np.maximum(top, col)
    # Column by column (a handful of options, thousands of rows), summed in column order.
    total = None
    cum: list = []
    for col in columns:
        if col is not None:
            e = np.exp(col if as_they_stand else col - top)
            total = e if total is None else total + e
        cum.append(total)  # a closed option leaves the running sum as it was (None: still 0)
    draw = (1.0 - uniforms) * total  # in (0, total]
    choice = np.zeros(len(uniforms), dtype=np.int8)
    previous, hit = None, None
    for below in cum:
        if hit is None or below is not previous:  # a closed option repeats the last comparison
            hit = draw > 0.0 if below is None else below < draw
        choice += hit
        previous = below
    return choice


def categorical_cdf(probabilities) -> np.ndarray:
    """The cumulative distribution :func:`draw_categorical` inverts, computed as
    ``numpy.random.Generator.choice`` computes it from ``p``."""
    cdf = np.asarray(probabilities, dtype=np.float64).cumsum()
    cdf /= cdf[-1]
    return cdf


def draw_categorical(cdf: np.ndarray, rng: np.random.Generator, size: int | None = None):
    """Indices drawn from the distribution whose cumulative sums are ``cdf``
    (:func:`categorical_cdf`): the same draws as ``rng.choice(len(cdf), size, p=...)`` makes,
    from the same uniforms, without its checks of ``p`` on every call."""
    return cdf.searchsorted(rng.random(size), side="right")


def choice_probabilities(utilities: np.ndarray) -> np.ndarray:
    """The logit probabilities that :func:`choose` samples from (rows sum to 1)."""
    u = utilities - np.max(utilities, axis=1, keepdims=True)
    e = np.exp(u)
    return e / e.sum(axis=1, keepdims=True)


def update_beliefs(belief: np.ndarray, observed: np.ndarray, weight: np.ndarray | float,
                   reassurance: float = 0.0) -> np.ndarray:
    """Move beliefs toward what was observed: ``b + w * (obs * (1 - reassurance) - b)``.

    ``observed`` is the frequency seen (a stop share, a death rate, a return share), ``weight``
    how much of the gap one update closes, in [0, 1]; smugglers' ``reassurance`` cancels that
    share of bad news. The result stays in [0, 1].
    """
    target = np.asarray(observed, float) * (1.0 - reassurance)
    return np.clip(belief + np.asarray(weight, float) * (target - belief), 0.0, 1.0)


def gang_load(customers: int, boats: int, loss_chance: float, p, ceiling: float | None = None) -> int:
    """People a gang puts in each boat today, from its economics.

    The target load rises with the chance that a launch loses the boat (seized on the beach or
    intercepted at sea: each launch must then carry more people to pay for it,
    ``load_enforcement_response``). When the people who have paid outnumber what the boats in
    stock carry at the target (``customers / boats`` above it), the gang packs a share
    ``load_scarcity_response`` of the difference on top. Never above ``ceiling`` (the launch
    mode's; ``max_load``, the physical ceiling, by default) nor above the customers.
    """
    if customers <= 0 or boats <= 0:
        return 0
    ceiling = p.max_load if ceiling is None else min(ceiling, p.max_load)
    target = p.base_load * (1.0 + p.load_enforcement_response * loss_chance)
    needed = customers / boats
    load = target + p.load_scarcity_response * max(0.0, needed - target)
    # Whole people: round the target, but never above the ceiling (which may be fractional).
    return int(min(round(max(load, 1.0)), math.floor(ceiling), customers))


def launch_value_keur(load: float, success: float, loss: float, p, extra_cost_eur: float = 0.0) -> float:
    """What a gang expects a launch to be worth (thousand EUR): the people it gets past the
    French coast (``load x success``, the others must be sent again) at ``price_eur`` each, less
    the boat lost with chance ``loss`` (``boat_cost_eur``) and the mode's extra cost."""
    return (p.price_eur * load * success - p.boat_cost_eur * loss - extra_cost_eur) / 1000.0


def taxi_probability(value_taxi_keur: float, value_beach_keur: float, sharpness: float) -> float:
    """Chance a gang sends a launch as a taxi boat rather than from the beach: a logit on the
    difference of their expected values (``sharpness`` per thousand EUR)."""
    z = -sharpness * (value_taxi_keur - value_beach_keur)
    if z > 700.0:  # exp would overflow: the beach is better by far
        return 0.0
    return 1.0 / (1.0 + math.exp(z))


def scarcity_price(price_eur: float, booked: float, places: float, response: float) -> float:
    """Price of a place (EUR) when ``booked`` people wait for ``places`` in the gangs' boats:
    ``price_eur`` while places are enough, rising toward ``price_eur x (1 + response)`` as the
    people booked outnumber them."""
    scarcity = max(0.0, booked / places - 1.0) if places > 0 else (1e9 if booked > 0 else 0.0)
    return float(price_eur * (1.0 + response * scarcity / (1.0 + scarcity)))


def launch_propensity(beaufort: float, p) -> float:
    """Chance that a gang launches on a crossable day of the given wind force."""
    return math.exp(-p.weather_sensitivity * max(0.0, beaufort - 2.0))


def allocate_units(n_units: int, recent_launches: np.ndarray, coast_km: np.ndarray,
                   focus: float, rng: np.random.Generator) -> np.ndarray:
    """Patrol units sent to each crossing point: a ``focus`` share follows recent launches,
    the rest is spread in proportion to the coast each point covers."""
    even = coast_km / coast_km.sum()
    total = recent_launches.sum()
    hot = recent_launches / total if total > 0 else even
    weights = focus * hot + (1.0 - focus) * even
    return rng.multinomial(int(n_units), weights / weights.sum())


def stop_probability(officers: np.ndarray, coast_km: np.ndarray, effectiveness: float) -> np.ndarray:
    """Chance that a launch at each point is stopped on the beach, from officers per km."""
    return 1.0 - np.exp(-effectiveness * officers / coast_km)


def launch_point_weights(stop_risk: np.ndarray, home_km: np.ndarray, avoidance: float,
                         reach_km: float = 40.0) -> np.ndarray:
    """A gang's preference over crossing points: away from police, near its home camp.

    ``stop_risk`` is the chance of being stopped the gang expects at each point, ``home_km``
    the distance from its camp (driving people further costs and exposes them).
    """
    w = np.exp(-avoidance * stop_risk - home_km / reach_km)
    return w / w.sum()


def distress_probability(load: np.ndarray, beaufort: float, hours: np.ndarray, p) -> np.ndarray:
    """Chance a boat gets into distress: a constant hourly hazard over its hours at sea that
    grows exponentially with overloading (per safe capacity) and with the wind force.

    For one boat (a number of people and of hours) the chance is a float, computed with
    :mod:`math` (it may differ from the array form's by the last bit of exp, about 1e-16)."""
    if np.isscalar(load) and np.isscalar(hours):
        overload = max(0.0, load / p.dinghy_safe_capacity - 1.0)
        growth = min(p.overload_risk * overload + p.sea_state_risk * beaufort, 700.0)
        return 1.0 - math.exp(-p.distress_hazard_per_hour * math.exp(growth) * hours)
    overload = np.maximum(0.0, np.asarray(load, float) / p.dinghy_safe_capacity - 1.0)
    hazard = p.distress_hazard_per_hour * np.exp(p.overload_risk * overload + p.sea_state_risk * beaufort)
    return 1.0 - np.exp(-hazard * np.asarray(hours, float))


def crush_probability(load: np.ndarray, p) -> np.ndarray:
    """Chance per person aboard of dying in the crush of an overloaded boat (a float for one
    boat's load)."""
    if np.isscalar(load):
        return min(1.0, p.crush_risk_per_overload * max(0.0, load / p.dinghy_safe_capacity - 1.0))
    overload = np.maximum(0.0, np.asarray(load, float) / p.dinghy_safe_capacity - 1.0)
    return np.minimum(1.0, p.crush_risk_per_overload * overload)


def seasonal_inflow_rate(day_of_year: int, p, peak_day: int = 227) -> float:
    """Expected people arriving on the coast on a day (people/day): the yearly inflow with a
    cosine seasonality peaking in mid-August (``peak_day``)."""
    phase = 2.0 * np.pi * (day_of_year - peak_day) / 365.25
    return p.inflow_per_year / 365.25 * (1.0 + p.inflow_seasonality * np.cos(phase))
