"""Dashboard responsiveness: time from a slider change to the redrawn chart, and a day's frame.

    .venv/bin/python benchmarks/bench_dashboard.py                  # 10 changes, 365 days
    .venv/bin/python benchmarks/bench_dashboard.py --changes 20 --debounce 0

A :class:`channelsim.Dashboard` is built as in a notebook (no browser; its background thread
and debounce work the same), then ``officers_per_day`` is moved ``--changes`` times, waiting
each time until the charts are redrawn. For each change the dashboard records the latency
from the change to the new chart image (``last_update_seconds``), of which the simulation of
the period (``last_run_seconds``) and the redraw (``last_render_seconds``). The baseline,
measured in the same process just before, is ``channelsim.simulate`` of the same period: the
time no dashboard could beat. Also timed: one animated day (step + map + readouts + cursor,
blitted) against a full redraw of the charts.

Prints medians and ratios to the baseline, and the load average: on a shared machine a load
above the number of cores means other work competed for the CPU.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import channelsim
from channelsim.dashboard import Dashboard


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=10, help="slider changes to time")
    parser.add_argument("--days", type=int, default=365, help="length of the simulated period")
    parser.add_argument("--debounce", type=float, default=0.3,
                        help="the dashboard's quiet time after a change (s; its default is 0.3)")
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")

    baseline = []
    for k in range(max(3, args.changes // 3)):
        t0 = time.perf_counter()
        channelsim.simulate(days=args.days, seed=1, officers_per_day=700 + 100 * k)
        baseline.append(time.perf_counter() - t0)

    dash = Dashboard(days=args.days, debounce_seconds=args.debounce)
    dash.wait()
    latency, run, render = [], [], []
    for k in range(args.changes):
        dash.sliders["officers_per_day"].value = 700 + 100 * ((k + 1) % 10)
        dash.wait()
        latency.append(dash.last_update_seconds)
        run.append(dash.last_run_seconds)
        render.append(dash.last_render_seconds)

    frames = []
    for _ in range(30):
        t0 = time.perf_counter()
        dash.step()
        frames.append(time.perf_counter() - t0)
    dash.close()

    base = statistics.median(baseline)
    rows = [("simulate() of the period (baseline)", base),
            ("slider change -> redrawn chart", statistics.median(latency)),
            ("  of which simulating (background thread)", statistics.median(run)),
            ("  of which redrawing the charts", statistics.median(render)),
            ("  of which waiting (debounce)", args.debounce),
            ("one animated day (step, map, readouts, cursor)", statistics.median(frames))]
    print(f"\n{args.changes} slider changes, {args.days} days each; medians:")
    for name, seconds in rows:
        print(f"  {name:<50} {seconds:7.3f} s  {seconds / base:6.2f} x baseline")
    print(f"\nlatency of each change (s): {', '.join(f'{x:.2f}' for x in latency)}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
