"""Long runs: time per simulated year and peak memory for 1, 5 and 10 years of the default model.

    .venv/bin/python benchmarks/bench_long_run.py                    # 1, 5, 10 years; 3 repeats
    .venv/bin/python benchmarks/bench_long_run.py --years 1 20 --repeats 5
    .venv/bin/python benchmarks/bench_long_run.py --no-tracemalloc  # max RSS only (faster)

Each measurement runs in a fresh interpreter (``python bench_long_run.py --child ...``), so that
memory figures start from the same empty process and nothing cached by an earlier run counts:

* **seconds per simulated year**: wall time of ``build_model()`` plus the days, divided by the
  years; the median over ``--repeats`` runs (seeds 0, 1, ...);
* **max RSS**: the child's peak resident memory (``resource.getrusage``), median over the same
  runs; the **baseline** is a child that imports channelsim and builds the model but simulates
  no day (0 years), measured the same way in this run, so that "RSS above baseline" is what
  the simulation itself holds;
* **tracemalloc peak**: the most memory Python objects and numpy arrays allocated by the model
  (after the imports) held at once, from one extra run per length under ``tracemalloc``
  (slower, so not timed); it includes the daily history (the result columns of every day so
  far), which grows by the day, not by the person;
* what memory follows: the population store's **capacity** (slots), the **Migrant agents** at
  the end (the people present), the **peak present** over the run and everyone who **entered**
  (initial camp population plus ten years of inflow). If memory followed the history, it would
  grow with "entered"; it follows "peak present".

Ratios are to the 1-year run (or the shortest length asked for) of the same invocation.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc

START = "2024-01-01"


# ---------------------------------------------------------------------------------- one run
def child(years: int, seed: int, trace: bool) -> dict:
    """Run the default model for ``years`` years in this (fresh) process and measure it."""
    import datetime as dt

    import numpy as np

    t0 = time.perf_counter()
    import channelsim
    from channelsim.population import FREE, Migrant

    t_import = time.perf_counter() - t0
    t0 = time.perf_counter()
    # the compiled loops (channelsim.kernels) are loaded from numba's cache once per process
    channelsim.build_model(start=START, seed=seed).run_for(1)
    t_load = time.perf_counter() - t0
    if trace:  # after the imports and loading: only what the model allocates is traced
        tracemalloc.start()
    t0 = time.perf_counter()
    model = channelsim.build_model(start=START, seed=seed)
    start = dt.date.fromisoformat(START)
    days = (start.replace(year=start.year + years) - start).days
    pop, peak_present = model.population, 0
    for _ in range(days):
        model.step()
        peak_present = max(peak_present, int(np.count_nonzero(pop.state != FREE)))
    daily = model.results()
    seconds = time.perf_counter() - t0
    out = {
        "years": years, "seed": seed, "days": days, "seconds": seconds, "import_s": t_import,
        "load_s": t_load,
        "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "capacity": pop.capacity,
        "migrants_end": len(model.agents_by_type.get(Migrant, ())),
        "peak_present": peak_present,
        "entered": pop.entered,
        "arrivals": int(daily.arrivals.sum()) if days else 0,
    }
    if trace:
        out["tracemalloc_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    return out


def measure(years: int, seed: int, trace: bool) -> dict:
    """:func:`child` in a fresh interpreter."""
    cmd = [sys.executable, __file__, "--child", str(years), str(seed), "1" if trace else "0"]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"the {years}-year run (seed {seed}) failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------------------- report
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=int, nargs="+", default=[1, 5, 10],
                        help="run lengths in years (default: 1 5 10)")
    parser.add_argument("--repeats", type=int, default=3,
                        help="timed runs per length, seeds 0, 1, ... (default: 3); medians are reported")
    parser.add_argument("--no-tracemalloc", action="store_true",
                        help="skip the extra run per length under tracemalloc")
    parser.add_argument("--child", nargs=3, metavar=("YEARS", "SEED", "TRACE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        years, seed, trace = (int(x) for x in args.child)
        print(json.dumps(child(years, seed, bool(trace))))
        return
    if args.repeats < 1 or any(y < 1 for y in args.years):
        parser.error("--repeats and every --years must be >= 1")

    lengths = sorted(set(args.years))
    print(f"channelsim long runs: default model from {START}, {args.repeats} repeats per length "
          f"(seeds 0-{args.repeats - 1}), each in a fresh interpreter")
    print(f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores, "
          f"load average before: {os.getloadavg()[0]:.2f}")

    baseline = [measure(0, seed, False) for seed in range(args.repeats)]
    base_rss = statistics.median(r["max_rss_mb"] for r in baseline)
    rows = {}
    for years in lengths:
        runs = [measure(years, seed, False) for seed in range(args.repeats)]
        traced = None if args.no_tracemalloc else measure(years, 0, True)
        rows[years] = (runs, traced)
        print(f"  {years:>3} years: " + ", ".join(f"{r['seconds']:.1f} s" for r in runs), flush=True)

    ref = lengths[0]
    med = lambda runs, key: statistics.median(r[key] for r in runs)  # noqa: E731
    ref_runs, ref_traced = rows[ref]
    ref_per_year = med(ref_runs, "seconds") / ref
    ref_rss_above = max(med(ref_runs, "max_rss_mb") - base_rss, 1e-9)

    print()
    print(f"baseline (0 years: import + build_model, no day simulated): max RSS {base_rss:.0f} MB")
    header = (f"{'years':>5} {'s/year':>7} {'ratio':>6} {'max RSS MB':>11} {'above base':>11} "
              f"{'ratio':>6} {'tracemalloc':>12} {'ratio':>6} {'capacity':>9} {'Migrants':>9} "
              f"{'peak present':>13} {'entered':>9}")
    print(header)
    print("-" * len(header))
    for years in lengths:
        runs, traced = rows[years]
        per_year = med(runs, "seconds") / years
        rss = med(runs, "max_rss_mb")
        above = rss - base_rss
        tm = f"{traced['tracemalloc_peak_mb']:.1f} MB" if traced else "-"
        tm_ratio = (f"{traced['tracemalloc_peak_mb'] / ref_traced['tracemalloc_peak_mb']:.2f}"
                    if traced and ref_traced else "-")
        print(f"{years:>5} {per_year:>7.2f} {per_year / ref_per_year:>6.2f} {rss:>11.0f} "
              f"{above:>11.0f} {above / ref_rss_above:>6.2f} {tm:>12} {tm_ratio:>6} "
              f"{med(runs, 'capacity'):>9,.0f} {med(runs, 'migrants_end'):>9,.0f} "
              f"{med(runs, 'peak_present'):>13,.0f} {med(runs, 'entered'):>9,.0f}")
    print()
    print(f"s/year: median seconds (build + days) per simulated year; ratios are to the {ref}-year run.")
    print("Memory that followed the history would grow like 'entered'; the population store's")
    print("capacity follows the peak number present, and the Migrant agents at the end are the")
    print("people present that day. tracemalloc includes the daily history (grows by the day).")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
