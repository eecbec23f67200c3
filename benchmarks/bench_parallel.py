"""Wall time of an ensemble of one-year default runs, in-process and in parallel.

    .venv/bin/python benchmarks/bench_parallel.py                 # 100 runs, each way once
    .venv/bin/python benchmarks/bench_parallel.py --runs 10 --repeats 3

The same ensemble (``channelsim.ensemble(None, RUNS, seed=0)``, 365 days from 2024-01-01) runs

* in this process (``executor="inprocess"``): the baseline;
* on a pool of ``--workers`` local processes (``executor=WORKERS``), the pool started by the
  call and included in its time, as a user of ``ensemble()`` experiences it;
* on a Dask ``LocalCluster`` of ``--workers`` worker processes with one thread each
  (``executor=client.get_executor()``); the cluster is started once beforehand, as a
  long-lived cluster would be, and its start-up time is reported separately.

The executors take turns (in-process, processes, Dask, then again for each repeat), so that a
change in the machine's load affects them alike. For each it prints the median wall time over
``--repeats`` (1 by default), runs per second, the speed-up against the in-process median and
the parallel efficiency (speed-up / workers). It checks that every executor produced exactly
the same per-run totals, and prints the load average after each timing: on a shared machine,
a load above the number of cores means other work competed for the CPU, and the parallel
figures are pessimistic.

The workers import channelsim as this process does; to time a fixed version while the working
tree changes, run it against an exported copy::

    git archive HEAD channelsim | tar -x -C /tmp/snapshot
    PYTHONPATH=/tmp/snapshot .venv/bin/python benchmarks/bench_parallel.py
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from typing import Any, Callable

import pandas as pd

import channelsim
from channelsim.experiments import ensemble


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=100, help="one-year runs per ensemble (default 100)")
    parser.add_argument("--repeats", type=int, default=1, help="timings per executor; the median is shown")
    parser.add_argument("--workers", type=int, default=2, help="processes / Dask workers (default 2)")
    parser.add_argument("--days", type=int, default=365)
    args = parser.parse_args()
    from distributed import Client, LocalCluster

    print(f"channelsim {channelsim.__version__}, Python {platform.python_version()}, "
          f"{platform.machine()}, {os.cpu_count()} cores; {args.runs} runs of {args.days} days, "
          f"median of {args.repeats} timing(s) per executor, executors taking turns")
    print(f"channelsim imported from {os.path.dirname(channelsim.__file__)}")

    def run(executor: Any) -> pd.DataFrame:
        return ensemble(None, args.runs, days=args.days, seed=0, executor=executor,
                        progress=False, keep_daily=False).summary

    t0 = time.perf_counter()
    with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        cluster_start_s = time.perf_counter() - t0
        executors: list[tuple[str, int, Callable[[], Any]]] = [
            ("in-process", 1, lambda: "inprocess"),
            (f"{args.workers} local processes", args.workers, lambda: args.workers),
            (f"Dask LocalCluster, {args.workers} workers", args.workers, client.get_executor),
        ]
        seconds: dict[str, list[float]] = {name: [] for name, _, _ in executors}
        loads: dict[str, list[float]] = {name: [] for name, _, _ in executors}
        identical, reference = True, None
        for _ in range(args.repeats):  # take turns, so that a change in load hits all alike
            for name, _, executor in executors:
                t = time.perf_counter()
                summary = run(executor())
                seconds[name].append(time.perf_counter() - t)
                loads[name].append(os.getloadavg()[0])
                reference = summary if reference is None else reference
                identical &= summary.equals(reference)

    base_s = statistics.median(seconds["in-process"])
    print(f"\n{'executor':<32}{'wall s':>9}{'runs/s':>9}{'speed-up':>10}{'efficiency':>12}{'load':>7}")
    for name, workers, _ in executors:
        wall = statistics.median(seconds[name])
        speed_up = base_s / wall
        print(f"{name:<32}{wall:>9.1f}{args.runs / wall:>9.2f}{speed_up:>10.2f}"
              f"{speed_up / workers:>12.0%}{statistics.median(loads[name]):>7.1f}")
    print(f"\nload: 1-minute load average after each timing (median); above {os.cpu_count()} means "
          "other work shared the cores")
    print(f"Dask LocalCluster start-up (not in its wall time): {cluster_start_s:.1f} s; the local "
          "process pool is started by each ensemble() call and is in its wall time")
    print(f"per-run totals identical across executors: {identical}")
    if not identical:
        raise SystemExit("executors disagree: the same seeds must give the same runs")


if __name__ == "__main__":
    main()
