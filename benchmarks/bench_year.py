"""Speed of a default simulated year, against a bare Mesa loop over the same agent-days.

    .venv/bin/python benchmarks/bench_year.py                  # 5 seeds, 1 year each
    .venv/bin/python benchmarks/bench_year.py --seeds 10 --years 3
    .venv/bin/python benchmarks/bench_year.py --clock wall --no-profile --scales

For each seed the default model (as :func:`channelsim.simulate` builds it, from 2024-01-01) is
built and run; the script prints the median seconds of model construction and of a simulated
year, and the mean number of Migrant agents present per day (N). It then runs, in the same
process, a bare ``mesa.Model`` holding N agents whose ``step()`` does nothing, driven by
``self.agents.shuffle_do("step")`` for the same number of days: both loops cover the same
agent-days, so the ratio is what channelsim's daily cycle costs on top of Mesa's own scheduling.
The floor follows: the same numbers of people entering and leaving as in the runs, timed on their
own through Mesa alone (``Agent(model)`` and ``agent.remove()``) and through channelsim's
population store, each beside the year and the bare loop; the people's own arrays (the daily
choice and the camps' learning, compiled in ``channelsim.kernels``) timed alone; and a what-if,
the same runs with every Migrant agent made on arrival (as when someone looks at the model's
agents every day) instead of when the agents are looked at, which a run never does. Then the
year and its bare loop with the inflow and the first camps scaled (``--scales``, 0.25, 1 and 2 by
default), and a straight line through them: what a day costs with nobody on the coast, and what
each person present adds against what the bare loop spends on an agent. Finally one year is
profiled with cProfile: the time of each phase of ``ChannelModel.step`` and the ten functions with the most
cumulative time. Seconds are this process's CPU time unless ``--clock wall`` is given.
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import io
import platform
import pstats
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import mesa
import numpy as np

import channelsim
import channelsim.model
from channelsim import kernels
from channelsim.model import ChannelModel
from channelsim.population import Population, State

DAYS_PER_YEAR = 365

#: The clock every figure is read from: CPU time of this process by default (steady on a shared
#: machine, where wall time also counts the waits for a free core), wall time with ``--clock wall``.
CLOCKS = {"cpu": time.process_time, "wall": time.perf_counter}
clock = CLOCKS["cpu"]


@dataclass
class YearTiming:
    seed: int
    construction_s: float  #: build_model(): parameters, geography, grid, agents, initial camps
    run_s: float  #: run_for(days)
    agent_days: int  #: Migrant agents present at each day's end, summed over the run
    entered: int  #: people who entered (initial camps and inflow): Migrant agents created
    removed: int  #: people who left the model: Migrant agents removed


def time_channelsim(seed: int, days: int, **overrides) -> YearTiming:
    """The default model (with parameter ``overrides``) built and run for ``days``."""
    t0 = clock()
    model = channelsim.build_model(seed=seed, **overrides)
    t1 = clock()
    model.run_for(days)
    t2 = clock()
    daily = model.results()
    # Migrant agents are the people modelled individually: in camps, detained, or applicants.
    present = daily.in_camps + daily.in_detention + daily.legal_queue
    pop = model.population
    return YearTiming(seed, t1 - t0, t2 - t1, int(present.sum()), pop.entered, int(pop.removed.sum()))


class TrivialAgent(mesa.Agent):
    def step(self) -> None:
        pass


class BareModel(mesa.Model):
    """The Mesa baseline: N agents that do nothing, shuffled and stepped once a day."""

    def __init__(self, n_agents: int, seed: int) -> None:
        super().__init__(rng=seed)
        TrivialAgent.create_agents(self, n_agents)

    def step(self) -> None:
        self.agents.shuffle_do("step")


def time_bare_mesa(n_agents: int, days: int, seed: int) -> tuple[float, float]:
    """Seconds to build the bare model and to run it for ``days`` steps."""
    t0 = clock()
    model = BareModel(n_agents, seed)
    t1 = clock()
    model.run_for(days)
    t2 = clock()
    return t1 - t0, t2 - t1


def _daily_batches(total: int, days: int) -> list[int]:
    """``total`` split over ``days`` as evenly as whole numbers allow."""
    base, extra = divmod(total, days)
    return [base + (d < extra) for d in range(days)]


def time_mesa_bookkeeping(entered: int, removed: int, days: int, seed: int) -> float:
    """Seconds Mesa alone takes to create ``entered`` agents with ``Agent(model)`` and remove
    ``removed`` of them (the longest present first) with ``agent.remove()``, day by day."""
    model = mesa.Model(rng=seed)
    present: collections.deque[TrivialAgent] = collections.deque()
    t0 = clock()
    for n_in, n_out in zip(_daily_batches(entered, days), _daily_batches(removed, days)):
        present.extend(TrivialAgent(model) for _ in range(n_in))
        for _ in range(n_out):
            present.popleft().remove()
    return clock() - t0


def time_population_store(entered: int, removed: int, days: int, seed: int, lazy: bool = False) -> float:
    """Seconds channelsim's population store takes for the same adds and removes as
    :func:`time_mesa_bookkeeping` (Migrant agents, their columns and slots), day by day; with
    ``lazy``, as a ChannelModel's store does them (agents made only when looked at: never here)."""
    model = mesa.Model(rng=seed)
    pop = Population(model, lazy=lazy)
    beliefs = {key: np.zeros(1) for key in ("stop", "death", "return", "admit")}
    present: collections.deque[np.ndarray] = collections.deque()
    t0 = clock()
    for day, (n_in, n_out) in enumerate(zip(_daily_batches(entered, days),
                                            _daily_batches(removed, days))):
        if n_in:
            present.append(pop.add(n_in, np.zeros(n_in, dtype=np.int8), np.ones(n_in),
                                   {k: np.repeat(v, n_in) for k, v in beliefs.items()}, day))
        while n_out:
            take = min(n_out, len(present[0]))
            pop.remove(present[0][:take], State.LEFT)
            present[0], n_out = present[0][take:], n_out - take
            if not len(present[0]):
                present.popleft()
    return clock() - t0


def time_numpy_day(seed: int, days: int) -> tuple[float, int]:
    """Seconds the people's own arrays take over ``days`` days, with nothing else of the model:
    each day, the choice of everyone waiting (utilities of crossing and leaving, the logit draw)
    and the camps' evening learning and means, on copies of the arrays of a default model at
    mid-year (the slots, beliefs, pulls and camps of the people in camps that day). Returns the
    seconds and the number of people."""
    model = channelsim.build_model(seed=seed)
    model.run_for(182)
    pop, p = model.population, model.params
    idx = pop.where(State.IN_CAMP)
    n_camps = len(model.geo.camps)
    p_leave = (p.leave_propensity, p.leave_per_failure, p.leave_per_month_waiting)
    p_cross = (p.crossing_propensity, p.stop_aversion, p.risk_aversion, p.return_aversion,
               p.price_sensitivity)
    people = [getattr(pop, name).copy() for name in  # choice_utilities' columns, in its order
              ("state", "gang", "patient", "arrived", "failures", "pull", "belief_matrix",
               "attempts", "refused")]
    beliefs, camp = people[6], pop.camp.copy()
    weight, target = model.beliefs.evening_update()
    n, total = np.empty(n_camps), np.empty((n_camps, 4))
    u = np.empty((3, len(idx)))
    choice = np.empty(len(idx), dtype=np.int8)
    rng = np.random.default_rng(seed)
    t0 = clock()
    for day in range(days):  # as Demand.choose and Beliefs.learn do it (channelsim.kernels)
        uniforms = rng.random(len(idx))
        kernels.choice_utilities(idx, *people, 182 + day, p_leave, p_cross, p.legal_route_appeal,
                                 model.gangs.price_today, 1.0 - p.repeat_discount,
                                 model.levers.pull_factor, True, False, u)
        np.exp(u[:2], out=u[:2])
        kernels.choose_by_running_sums(u, uniforms, True, False, choice)
        kernels.learn_and_total(idx, camp, beliefs, weight, target, True, n, total)
    return clock() - t0, len(idx)


def time_agents_made_on_arrival(seed: int, days: int) -> float:
    """What-if: seconds of the same default run (built and run for ``days``) with every Migrant
    agent made and registered with Mesa on arrival (``Population(lazy=False)``), as when
    someone looks at the model's agents every day, instead of when they are looked at."""
    def eager(model, capacity: int = 4096, lazy: bool = True) -> Population:
        return Population(model, capacity, lazy=False)

    with mock.patch.object(channelsim.model, "Population", eager):
        t0 = clock()
        channelsim.build_model(seed=seed).run_for(days)
        return clock() - t0


def profile_year(seed: int, days: int) -> pstats.Stats:
    model = channelsim.build_model(seed=seed)
    profiler = cProfile.Profile()
    profiler.runcall(model.run_for, days)
    return pstats.Stats(profiler)


def _where(key: tuple[str, int, str]) -> str:
    filename, line, name = key
    if filename == "~":
        return name  # a built-in
    path = Path(filename)
    parts = path.parts
    short = "/".join(parts[parts.index("channelsim"):]) if "channelsim" in parts else \
        "/".join(parts[parts.index("site-packages") + 1:]) if "site-packages" in parts else path.name
    return f"{short}:{line}({name})"


def step_phases(stats: pstats.Stats) -> tuple[float, list[tuple[str, int, float]]]:
    """Total time in ``ChannelModel.step`` and, for each function it calls directly, the calls
    and the cumulative seconds spent in it when called from ``step``."""
    raw = stats.stats  # type: ignore[attr-defined]  # {func: (cc, nc, tt, ct, callers)}
    code = ChannelModel.step.__code__
    step_key = next(k for k in raw if k[2] == "step" and k[1] == code.co_firstlineno
                    and Path(k[0]).name == Path(code.co_filename).name)
    step_total = raw[step_key][3]
    phases = []
    for key, (_, _, _, _, callers) in raw.items():
        if step_key in callers:
            _, nc, _, ct = callers[step_key]
            phases.append((_where(key), nc, ct))
    phases.sort(key=lambda row: row[2], reverse=True)
    return step_total, phases


def report_runs(runs: list[YearTiming], bare: list[tuple[float, float]], n_agents: int,
                days: int, years: int) -> None:
    """Each seed's timings, then the medians against the bare Mesa loop."""
    construction = statistics.median(r.construction_s for r in runs)
    run = statistics.median(r.run_s for r in runs)
    total = statistics.median(r.construction_s + r.run_s for r in runs)
    agent_days = statistics.median(r.agent_days for r in runs)
    bare_build = statistics.median(b[0] for b in bare)
    bare_run = statistics.median(b[1] for b in bare)
    bare_total = statistics.median(b[0] + b[1] for b in bare)

    ratios = [(r.construction_s + r.run_s) / (b[0] + b[1]) for r, b in zip(runs, bare)]
    print("per run (seconds)            " + "  ".join(f"seed {r.seed:>2}" for r in runs))
    print("  construction               " + "  ".join(f"{r.construction_s:7.3f}" for r in runs))
    print("  simulation                 " + "  ".join(f"{r.run_s:7.3f}" for r in runs))
    print("  Migrant agent-days         " + "  ".join(f"{r.agent_days / 1e6:6.2f}M" for r in runs))
    print("  its bare loop, right after " + "  ".join(f"{b[0] + b[1]:7.3f}" for b in bare))
    print("  ratio to it                " + "  ".join(f"{q:7.2f}" for q in ratios))
    print()
    print(f"{'median over seeds':38} {'channelsim':>12} {'bare Mesa':>12} {'ratio':>8}")
    print(f"{'construction (s)':38} {construction:12.3f} {bare_build:12.3f} "
          f"{construction / bare_build:8.2f}")
    print(f"{'simulation (s)':38} {run:12.3f} {bare_run:12.3f} {run / bare_run:8.2f}")
    print(f"{'total (s)':38} {total:12.3f} {bare_total:12.3f} {total / bare_total:8.2f}")
    print(f"{'seconds per simulated year, incl. build':38} {total / years:12.3f} "
          f"{bare_total / years:12.3f} {total / bare_total:8.2f}")
    print(f"{'agent-days per run':38} {agent_days:12,.0f} {n_agents * days:12,d}")
    print(f"{'microseconds per agent-day (simulation)':38} {1e6 * run / agent_days:12.3f} "
          f"{1e6 * bare_run / (n_agents * days):12.3f} "
          f"{(run / agent_days) / (bare_run / (n_agents * days)):8.2f}")
    print(f"(bare Mesa: trivial agents, as many as the Migrant agents present per day in the run "
          f"it follows; {n_agents:,} on average)")
    print(f"ratio of each run to its own bare loop: median {statistics.median(ratios):.2f} "
          f"(range {min(ratios):.2f} to {max(ratios):.2f})\n")


def report_floor(runs: list[YearTiming], bare: list[tuple[float, float]], days: int,
                 years: int) -> None:
    """The year beside its floor: the bare loop, and the agent bookkeeping timed on its own for
    the same numbers of people entering and leaving, each the median of one repeat per seed."""
    entered = round(statistics.median(r.entered for r in runs))
    removed = round(statistics.median(r.removed for r in runs))
    seeds = range(len(runs))
    mesa_s = statistics.median(time_mesa_bookkeeping(entered, removed, days, s) for s in seeds)
    store_s = statistics.median(time_population_store(entered, removed, days, s) for s in seeds)
    lazy_s = statistics.median(time_population_store(entered, removed, days, s, lazy=True) for s in seeds)
    arrays = [time_numpy_day(s, days) for s in seeds]
    eager_s = statistics.median(time_agents_made_on_arrival(s, days) for s in seeds)
    numpy_s = statistics.median(a[0] for a in arrays)
    people = round(statistics.median(a[1] for a in arrays))
    year = statistics.median(r.construction_s + r.run_s for r in runs) / years
    loop = statistics.median(b[0] + b[1] for b in bare) / years
    mesa_s, store_s, lazy_s = mesa_s / years, store_s / years, lazy_s / years
    numpy_s, eager_s = numpy_s / years, eager_s / years
    print(f"the floor, per simulated year ({entered:,} Migrant agents created and "
          f"{removed:,} removed per run; medians over {len(runs)} repeats)")
    print(f"  {'seconds':>8} {'share':>7} {'x loop':>7}")
    rows = [
        ("channelsim year, incl. build", year),
        ("bare Mesa shuffle_do loop over the same agent-days", loop),
        ("Mesa bookkeeping alone: Agent(model) and agent.remove()", mesa_s),
        ("channelsim population store: the same adds and removes, agents made on arrival", store_s),
        ("  the same, agents made when looked at (as in the year: never)", lazy_s),
        (f"the people's arrays alone: choice and learning of {people:,} in camps a day", numpy_s),
        ("remainder: the year less its population store (as in the year) and arrays",
         year - lazy_s - numpy_s),
        ("what-if: the same year with every Migrant agent made on arrival", eager_s),
        ("  so making agents only when looked at saves (the what-if less the year)", eager_s - year),
    ]
    for label, seconds in rows:
        print(f"  {seconds:8.3f} {seconds / year:7.1%} {seconds / loop:7.2f}  {label}")
    print(f"  (Mesa's bookkeeping share: {mesa_s / year:.1%} of the year if every agent were "
          f"created and removed through Mesa one by one)\n")


def time_at_scale(scale: float, seed: int, days: int) -> tuple[float, float, float]:
    """One default run with the inflow and the first camps scaled by ``scale``, then its bare
    loop over the same agent-days: seconds of each and the mean number of Migrant agents."""
    defaults = channelsim.Params()
    run = time_channelsim(seed, days, inflow_per_year=defaults.inflow_per_year * scale,
                          initial_camp_population=round(defaults.initial_camp_population * scale))
    n_agents = round(run.agent_days / days)
    bare_build, bare_run = time_bare_mesa(n_agents, days, seed)
    return run.construction_s + run.run_s, bare_build + bare_run, n_agents


def report_scaling(scales: list[float], seeds: int, days: int, years: int) -> None:
    """The year against its bare loop with fewer and more people on the coast: the ratio falls as
    the population grows, because the day's own work (gangs, police, boats, vessels, the tally)
    does not grow with the people while the bare loop does. A straight line through the years
    against the people present splits the year into that fixed day and a cost per person."""
    print("the year with the inflow and the first camps scaled (medians over "
          f"{seeds} seeds; each run followed by its bare loop)")
    print(f"  {'scale':>6} {'agents':>8} {'year s':>8} {'loop s':>8} {'ratio':>6}")
    rows = []
    for scale in scales:
        runs = [time_at_scale(scale, seed, days) for seed in range(seeds)]
        year = statistics.median(r[0] for r in runs) / years
        loop = statistics.median(r[1] for r in runs) / years
        agents = statistics.median(r[2] for r in runs)
        ratio = statistics.median(r[0] / r[1] for r in runs)
        rows.append((agents, year, loop))
        print(f"  {scale:6.2f} {agents:8,.0f} {year:8.3f} {loop:8.3f} {ratio:6.2f}")
    if len(rows) >= 2:
        agents, year, loop = (np.array(col, dtype=float) for col in zip(*rows))
        per_agent, fixed = np.polyfit(agents, year, 1)
        loop_per_agent = float(np.median(loop / agents))
        print(f"  fitted: a day with nobody on the coast costs {fixed:.3f} s a year; each person "
              f"present {1e3 * per_agent:.3f} ms a year, {per_agent / loop_per_agent:.2f} of what "
              f"the bare loop spends on an agent ({1e3 * loop_per_agent:.3f} ms)")
    print()


def report_profile(days: int) -> None:
    """One run under cProfile: time by phase of ``step`` and the top functions below it."""
    stats = profile_year(0, days)
    step_total, phases = step_phases(stats)
    print(f"time by phase of ChannelModel.step, seed 0, under cProfile "
          f"(step total {step_total:.2f} s; profiling slows the run)")
    print(f"  {'share':>6} {'seconds':>8} {'calls':>7}  phase")
    for where, calls, seconds in phases:
        if seconds >= 0.0005 * step_total:
            print(f"  {seconds / step_total:6.1%} {seconds:8.3f} {calls:7d}  {where}")
    print()
    print("top 10 functions by cumulative time inside ChannelModel.step, seed 0")
    print(f"  {'calls':>9} {'own (s)':>8} {'cum (s)':>8}  function")
    raw = stats.stats  # type: ignore[attr-defined]
    inside = [(key, row) for key, row in raw.items() if row[3] < 0.999 * step_total]
    for key, (_, nc, tt, ct, _) in sorted(inside, key=lambda kv: kv[1][3], reverse=True)[:10]:
        print(f"  {nc:9d} {tt:8.3f} {ct:8.3f}  {_where(key)}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=5, help="seeds (runs) to time (default: 5)")
    ap.add_argument("--years", type=int, default=1, help="simulated years per run (default: 1)")
    ap.add_argument("--clock", choices=sorted(CLOCKS), default="cpu",
                    help="cpu: this process's CPU seconds (default; steady on a busy machine); "
                         "wall: elapsed seconds (what a user waits on an idle machine)")
    ap.add_argument("--no-profile", action="store_true", help="skip the cProfile phase table")
    ap.add_argument("--scales", type=float, nargs="*", default=[0.25, 1.0, 2.0],
                    help="inflow and first camps scaled by each (default: 0.25 1 2); none to skip")
    args = ap.parse_args()
    global clock
    clock = CLOCKS[args.clock]
    if args.seeds < 1 or args.years < 1:
        ap.error(f"--seeds={args.seeds} and --years={args.years}: expected whole numbers >= 1")
    if any(not (0.0 < scale <= 10.0) for scale in args.scales):
        ap.error(f"--scales {' '.join(map(str, args.scales))}: expected factors above 0 and at most 10")
    days = DAYS_PER_YEAR * args.years

    print(f"channelsim {channelsim.__version__}, mesa {mesa.__version__}, numpy {np.__version__}, "
          f"Python {platform.python_version()} on {platform.machine()}")
    print(f"default model from 2024-01-01, {args.seeds} seeds x {args.years} year(s) "
          f"({days} days per run), {args.clock} seconds\n")

    channelsim.build_model(seed=0).run_for(5)  # warm-up: imports, geography cache, first allocations
    # Each run is followed at once by its bare loop over the same agent-days, so that the two
    # share the machine's state of the moment (its speed drifts by 10% or more between minutes).
    runs, bare = [], []
    for seed in range(args.seeds):
        runs.append(time_channelsim(seed, days))
        bare.append(time_bare_mesa(round(runs[-1].agent_days / days), days, seed))
    n_agents = round(statistics.mean(r.agent_days for r in runs) / days)
    report_runs(runs, bare, n_agents, days, args.years)
    report_floor(runs, bare, days, args.years)
    if args.scales:
        report_scaling(args.scales, args.seeds, days, args.years)
    if not args.no_profile:
        report_profile(days)


if __name__ == "__main__":
    main()
