"""Compiled loops for the two passes over everyone on the coast each day.

The daily choice and the camps' evening learning each read several of the population's columns
for thousands of people. Written with numpy they are some fifty array operations a day, each a
few microseconds of overhead on a few thousand numbers; here each is one loop over the people,
compiled once by numba (and cached on disk beside this file, or in numba's cache directory).

These loops are not the model's rules: the rules are the numpy functions they fuse, and each
loop is tested against them (``tests/test_kernels.py``):

* :func:`choice_utilities` and :func:`choose_by_running_sums` give what
  :func:`decisions.crossing_utility`, :func:`decisions.leave_utility`,
  :func:`decisions.apply_utility` and :func:`decisions.choose_columns` give;
* :func:`camp_targets` gives what :meth:`world.beliefs.Beliefs.evening_update` gave with numpy
  (``tests/test_kernels.py`` keeps that version);
* :func:`learn_and_total` gives what :func:`world.beliefs.move_toward` and
  :func:`world.beliefs.totals_by_camp` give.

The arithmetic is the same, operation by operation, so the utilities and the beliefs are the
same numbers to the last bit. Two things may differ in the last bit: ``exp`` (numba calls the C
library's, numpy has its own), and the camps' belief totals (summed person by person here, by
a matrix product in numpy). A choice changes only if a person's uniform draw falls within
about 1e-16 of a boundary between two options.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__ = ["camp_targets", "choice_utilities", "choose_by_running_sums", "learn_and_total", "CROSS", "LEAVE", "APPLY"]

#: Rows of the utilities :func:`choice_utilities` fills: crossing, leaving, applying.
CROSS, LEAVE, APPLY = 0, 1, 2
_APPLICANT = 5  # State.APPLICANT (population.State; not imported here, to keep this module leaf)


@njit(cache=True, nogil=True, error_model="numpy")
def choice_utilities(idx, state, gang, patient, arrived, failures, pull, beliefs, attempts, refused,
                     day, leave, cross, appeal, price_today, repeat_factor, pull_factor,
                     can_cross, route_open, out):  # pragma: no cover - compiled
    """The utilities of crossing, leaving and applying (rows of ``out``, 3 x len(idx)) of the
    people at slots ``idx``, as :meth:`world.demand.Demand.choose` defines them; waiting is 0.

    ``leave`` is (leave_propensity, leave_per_failure, leave_per_month_waiting), ``cross`` is
    (crossing_propensity, stop_aversion, risk_aversion, return_aversion, price_sensitivity);
    ``repeat_factor`` is 1 - repeat_discount, the price factor for people stopped before.
    Crossing is filled only if ``can_cross``, applying only if ``route_open``. Returns the
    largest utility filled in and whether anyone is eligible to apply."""
    top = -math.inf
    eligible_any = False
    for i in range(len(idx)):
        s = idx[i]
        applicant = state[s] == _APPLICANT
        committed = gang[s] >= 0 or (applicant and patient[s])
        f = failures[s]
        months = (day - arrived[s]) / 30.44
        u = leave[0] + leave[1] * f + leave[2] * months
        out[LEAVE, i] = u
        top = max(top, u)
        value = pull[s] * pull_factor
        if can_cross:
            if committed:
                u = -math.inf
            else:
                price = price_today * (repeat_factor if f > 0 else 1.0)
                u = (cross[0] + value - cross[1] * beliefs[s, 0] - cross[2] * beliefs[s, 1]
                     - cross[3] * beliefs[s, 2] - cross[4] * price / 1000.0)
            out[CROSS, i] = u
            top = max(top, u)
        if route_open:
            if attempts[s] == 0 and not refused[s] and not applicant and not committed:
                eligible_any = True
                u = appeal + value * beliefs[s, 3]
            else:
                u = -math.inf
            out[APPLY, i] = u
            top = max(top, u)
    return top, eligible_any


@njit(cache=True, nogil=True, error_model="numpy")
def choose_by_running_sums(exp_utilities, uniforms, crossing, applying, choice):  # pragma: no cover
    """The logit draw of :func:`decisions.choose_columns` over waiting (exp(0) = 1) and the
    options whose exponentials are ``exp_utilities`` (rows as :func:`choice_utilities` fills
    them; crossing only if ``crossing``, applying only if ``applying``): each person's option is
    the number of running sums of the exponentials below their ``(1 - uniform) * total``.
    Writes ``choice``."""
    for i in range(len(uniforms)):
        c0 = 1.0  # exp(0): waiting
        c1 = c0 + exp_utilities[CROSS, i] if crossing else c0
        c2 = c1 + exp_utilities[LEAVE, i]
        c3 = c2 + exp_utilities[APPLY, i] if applying else c2
        draw = (1.0 - uniforms[i]) * c3
        choice[i] = (c0 < draw) + (c1 < draw) + (c2 < draw) + (c3 < draw)


@njit(cache=True, nogil=True, error_model="numpy")
def camp_targets(counts, numerators, denominators, reassured, reassurance, rate,
                 weight, target):  # pragma: no cover - compiled
    """Each camp's evening update (camps x beliefs), as :meth:`world.beliefs.Beliefs.evening_update`
    defines it: ``target`` is the rate the camp observed, row ``numerators[j]`` of the camp news
    ``counts`` (kinds x camps) over row ``denominators[j]`` (0 where nothing was seen), less the
    smugglers' ``reassurance`` for the ``reassured`` beliefs; ``weight`` is the learning ``rate``
    where the camp saw something, else 0. Returns whether any weight is above 0."""
    moved = False
    for c in range(counts.shape[1]):
        for j in range(len(numerators)):
            den = counts[denominators[j], c]
            heard = den > 0
            observed = counts[numerators[j], c] / den if heard else 0.0
            observed *= (1.0 - reassurance) if reassured[j] else 1.0
            target[c, j] = observed
            weight[c, j] = rate * (1.0 if heard else 0.0)
            moved = moved or weight[c, j] > 0
    return moved


@njit(cache=True, nogil=True, error_model="numpy")
def learn_and_total(slots, camp, beliefs, weight, target, learn, n, total):  # pragma: no cover
    """The camps' evening, person by person: if ``learn``, the belief rows at ``slots`` move
    toward their camp's ``target`` by their camp's ``weight`` (camps x beliefs), clipped to
    [0, 1], as :func:`world.beliefs.move_toward` moves them; then each camp's number of people
    (``n``) and the totals of their beliefs (``total``, camps x beliefs) are written."""
    n[:] = 0.0
    total[:] = 0.0
    k = beliefs.shape[1]
    for i in range(len(slots)):
        s = slots[i]
        c = camp[s]
        n[c] += 1.0
        for j in range(k):
            b = beliefs[s, j]
            if learn:
                step = target[c, j] - b
                step *= weight[c, j]
                b += step
                b = min(max(b, 0.0), 1.0)
                beliefs[s, j] = b
            total[c, j] += b
