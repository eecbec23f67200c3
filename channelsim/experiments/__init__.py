"""Experiments at scale: ensembles, comparisons, sweeps, on any executor, resumable on disk.

* :func:`ensemble` runs a scenario ``n`` times with independent random streams
  (:class:`Ensemble`: per-run totals, daily data, bands and a fan chart);
* :func:`compare` sets two ensembles side by side (:class:`Comparison`: differences with
  intervals, as a table and a chart);
* :func:`sweep` runs a full-factorial grid or a Latin hypercube / Sobol sample over registry
  parameters (:class:`SweepSpec`, also read from TOML; :class:`SweepResult`);
* :mod:`channelsim.sensitivity` builds Sobol and Morris analyses on the same machinery.

Every run is one call of :func:`run_task` on plain data, so the same experiment gives the same
numbers in this process, in local processes (the default; in this process, with a warning, when
a script starts the experiment outside ``if __name__ == "__main__":``) or on a Dask cluster
(``executor=client.get_executor()``). With ``out=FOLDER`` each run is written as it finishes and
an interrupted experiment resumes where it stopped; one process writes to a folder at a time,
and a damaged folder is reported by a :class:`StoreError` naming the file.

What clusters do to jobs costs little: a worker process that dies costs the run it was running
(recorded with its exit code, skipped or retried on resume: ``crashed=``), local workers exit
with the process that started them, and SIGTERM stops an experiment as Ctrl-C does, keeping
every finished run.
"""

from .ensembles import HEADLINE_OUTPUTS, Comparison, Ensemble, compare, ensemble
from .guard import MainGuardWarning
from .runner import ExperimentFailed, RunFailureWarning
from .executors import InProcessExecutor, LocalPool, WorkersFailed, execute, open_executor
from .runs import RunOutcome, RunTask, output_names, run_seed, run_task, run_totals
from .store import ExperimentLocked, ExperimentMismatch, RunStore, StoreError
from .sweeps import DESIGNS, Factor, SpecError, SweepResult, SweepSpec, sweep

__all__ = [
    "ensemble", "Ensemble", "compare", "Comparison", "sweep", "SweepSpec", "SweepResult",
    "Factor", "SpecError", "DESIGNS", "HEADLINE_OUTPUTS", "run_task", "run_totals", "run_seed",
    "output_names", "RunTask", "RunOutcome", "execute", "InProcessExecutor", "open_executor", "RunStore",
    "ExperimentMismatch", "RunFailureWarning", "ExperimentFailed", "StoreError", "ExperimentLocked",
    "MainGuardWarning", "LocalPool", "WorkersFailed",
]
