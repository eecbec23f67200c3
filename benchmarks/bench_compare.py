"""Two versions of channelsim, timed in turns on the same seeds: what a change did to the year.

    git worktree add /tmp/before <revision>                # the version to compare against
    .venv/bin/python benchmarks/bench_compare.py /tmp/before .
    .venv/bin/python benchmarks/bench_compare.py /tmp/before . --pairs 40 --days 180

Each argument is a source tree (a directory holding the ``channelsim`` package). One worker
process is started per tree, imports channelsim from that tree only and runs a warm-up; then the
two workers take turns, one default run (``build_model(seed=s)`` and ``run_for(days)``) each per
pair, on the same seed, with the order inside a pair alternating. The machine's speed drifts by
tens of percent between minutes, but both runs of a pair share its state of the moment, so the
ratio of each pair (second tree over first) is steady where the seconds are not. Prints the
median and range of each tree's seconds (this process's CPU time, or wall time with
``--clock wall``) and of the pairs' ratios.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from pathlib import Path

#: The worker: channelsim from one tree only (not the installed one), then one timed run per
#: seed read from standard input, its seconds written back.
WORKER = r'''
import sys
root, clock_name, days = sys.argv[1], sys.argv[2], int(sys.argv[3])
sys.meta_path = [f for f in sys.meta_path
                 if "editable" not in repr(f) and "editable" not in getattr(f, "__module__", "")]
sys.path.insert(0, root)
import time
import channelsim
clock = time.process_time if clock_name == "cpu" else time.perf_counter
channelsim.build_model(seed=0).run_for(30)  # warm-up: imports, caches, first allocations
print(channelsim.__file__, flush=True)
for line in sys.stdin:
    t0 = clock()
    channelsim.build_model(seed=int(line)).run_for(days)
    print(clock() - t0, flush=True)
'''


def source_tree(value: str) -> Path:
    root = Path(value).resolve()
    if not (root / "channelsim" / "__init__.py").is_file():
        raise argparse.ArgumentTypeError(f"{value!r} holds no channelsim package "
                                         f"(expected {root / 'channelsim' / '__init__.py'})")
    return root


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("before", type=source_tree, help="source tree of the version to compare against")
    ap.add_argument("after", type=source_tree, help="source tree of the version to measure")
    ap.add_argument("--pairs", type=int, default=24, help="pairs of runs (default: 24)")
    ap.add_argument("--seeds", type=int, default=6, help="seeds taken in turn (default: 6)")
    ap.add_argument("--days", type=int, default=365, help="days per run (default: 365)")
    ap.add_argument("--clock", choices=("cpu", "wall"), default="cpu",
                    help="cpu: each worker's CPU seconds (default); wall: elapsed seconds")
    args = ap.parse_args()
    for name in ("pairs", "seeds", "days"):
        if getattr(args, name) < 1:
            ap.error(f"--{name}={getattr(args, name)}: expected a whole number >= 1")

    roots = (args.before, args.after)
    workers = [subprocess.Popen([sys.executable, "-c", WORKER, str(root), args.clock, str(args.days)],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
               for root in roots]
    try:
        for root, worker in zip(roots, workers):
            imported = worker.stdout.readline().strip()
            if not imported.startswith(str(root)):
                sys.exit(f"the worker for {root} imported channelsim from {imported or 'nowhere'}")
        seconds: tuple[list[float], list[float]] = ([], [])
        for i in range(args.pairs):
            for k in ((0, 1) if i % 2 == 0 else (1, 0)):
                workers[k].stdin.write(f"{i % args.seeds}\n")
                workers[k].stdin.flush()
                seconds[k].append(float(workers[k].stdout.readline()))
    finally:
        for worker in workers:
            worker.stdin.close()
            worker.wait()

    print(f"{args.pairs} pairs of default runs of {args.days} days (seeds 0 to "
          f"{min(args.seeds, args.pairs) - 1} in turn), {args.clock} seconds, build included")
    for label, root, values in zip(("before", "after"), roots, seconds):
        print(f"  {label:6} {statistics.median(values):7.3f} s (range {min(values):.3f} to "
              f"{max(values):.3f})  {root}")
    ratios = [b / a for a, b in zip(*seconds)]
    print(f"  after / before, pair by pair: median {statistics.median(ratios):.3f} "
          f"(range {min(ratios):.3f} to {max(ratios):.3f})")


if __name__ == "__main__":
    main()
