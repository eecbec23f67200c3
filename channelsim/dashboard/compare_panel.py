"""The comparison panel: the current settings against a chosen scenario, as paired
differences with their intervals.

Both ensembles run with the same seeds (run ``i`` of one pairs with run ``i`` of the other), so
:func:`channelsim.experiments.compare` gives the paired difference of each headline total and
its interval (90% by default). The chart shows each difference in percent of the other
scenario's mean with its interval; the table gives them in people. Runs go one after another in
a background thread, and a progress bar counts them.
"""

from __future__ import annotations

import concurrent.futures as cf
import html
import threading
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import ipywidgets as widgets
import pandas as pd

from .. import scenarios
from ..experiments.executors import InProcessExecutor
from ..params import ParameterError
from .figures import DifferenceFigure
from .scheduler import MainLoop

__all__ = ["ComparePanel", "OUTPUT_NAMES"]

#: Headline outputs in words, with their unit and format.
OUTPUT_NAMES = {"arrivals": ("Arrivals", "people", "{:,.0f}"), "boats": ("Boats", "boats", "{:,.0f}"),
                "people_per_boat": ("People per boat", "people", "{:,.1f}"),
                "attempts": ("Attempts", "people", "{:,.0f}"), "stopped": ("Stopped by France", "people", "{:,.0f}"),
                "deaths": ("Deaths at sea", "people", "{:,.0f}"), "rescued": ("Rescued", "people", "{:,.0f}"),
                "mean_in_camps": ("Waiting in camps (mean)", "people", "{:,.0f}"),
                "detained": ("Detained", "people", "{:,.0f}"), "returned": ("Returned to France", "people", "{:,.0f}"),
                "admitted": ("Admitted (legal route)", "people", "{:,.0f}"),
                "recrossed": ("Crossed again after return", "people", "{:,.0f}"),
                "net_effect": ("Net additions to the UK", "people", "{:,.0f}")}


class _CountingExecutor(cf.Executor):
    """Runs each call in this thread when it is submitted and reports every finished run."""

    def __init__(self, on_run: Callable[[], None]) -> None:
        self.on_run = on_run

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> cf.Future:
        future = InProcessExecutor().submit(fn, *args, **kwargs)
        self.on_run()
        return future


class ComparePanel:
    """Pick a scenario and a number of runs, press Compare, read the paired differences."""

    def __init__(self, main: MainLoop, current: Callable[[], Any], say: Callable[[str], None],
                 error: Callable[[str], None], level: float = 0.9) -> None:
        self.main, self.current, self.say, self.error, self.level = main, current, say, error, level
        self.result: pd.DataFrame | None = None  #: the last comparison's table
        self.runs: pd.DataFrame | None = None  #: the last comparison's runs, tidy
        self._done = threading.Event()
        self._done.set()
        self._pool = cf.ThreadPoolExecutor(max_workers=1, thread_name_prefix="channelsim-compare")
        W = widgets
        names = scenarios.names()
        default = "no_policy_counterfactual" if "no_policy_counterfactual" in names else names[0]
        self.picker = W.Dropdown(options=[(_scenario_label(n), n) for n in names], value=default,
                                 description="against", tooltip="The scenario the current settings are compared with",
                                 style={"description_width": "55px"}, layout=W.Layout(width="320px"))
        self.replicates = W.BoundedIntText(value=5, min=2, max=50, description="runs each",
                                           tooltip="Runs of each side, paired by seed (2 to 50)",
                                           style={"description_width": "70px"}, layout=W.Layout(width="150px"))
        self.button = W.Button(description="Compare", icon="balance-scale", button_style="info",
                               tooltip="Run both ensembles over the current period, with the same seeds")
        self.button.add_class("channelsim-compare")
        self.button.on_click(lambda _: self._clicked())
        self.progress = W.IntProgress(value=0, min=0, max=1, description="", layout=W.Layout(width="240px"))
        self.progress.add_class("channelsim-progress")
        self.progress_text = W.HTML()
        self.table = W.HTML()
        self.table.add_class("channelsim-compare-table")
        self.figure = DifferenceFigure()
        self.results = W.VBox([self.figure.widget, self.table], layout=W.Layout(display="none"))
        self.widget = W.VBox([
            W.HBox([self.picker, self.replicates, self.button], layout=W.Layout(flex_flow="row wrap")),
            W.HBox([self.progress, self.progress_text]), self.results])

    def _clicked(self) -> None:
        try:
            self.compare()
        except (ParameterError, ValueError, RuntimeError) as err:
            self.error(str(err))

    def compare(self, scenario: Any = None, runs: int | None = None) -> cf.Future:
        """Run the current settings and ``scenario`` ``runs`` times each in the background;
        returns the future of the comparison table."""
        other = scenarios.get(scenario if scenario is not None else self.picker.value)
        n = int(runs if runs is not None else self.replicates.value)
        if n < 2:
            raise ParameterError(f"runs={runs!r} is invalid: a paired interval needs at least 2 runs each")
        settings = self.current()
        self.button.disabled = True
        self.progress.max, self.progress.value = 2 * n, 0
        self.progress_text.value = f"0 of {2 * n} runs"
        self._done.clear()
        self.say(f"Comparing with {other.name}: {2 * n} runs of {settings.days} days in the background…")
        return self._pool.submit(self._run, settings, other, n)

    def wait(self, timeout: float) -> bool:
        """Block until the comparison under way finishes; True if it did within ``timeout`` seconds."""
        return self._done.wait(timeout)

    def _tick(self) -> None:
        self.progress.value += 1
        self.progress_text.value = f"{self.progress.value} of {self.progress.max} runs"

    def _run(self, settings: Any, other: Any, n: int) -> pd.DataFrame:
        from ..experiments import compare, ensemble

        try:
            started = time.perf_counter()
            executor = _CountingExecutor(lambda: self.main.call(self._tick))
            common = dict(days=settings.days, start=settings.start, seed=settings.seed, executor=executor,
                          progress=False, keep_daily=True)
            mine = ensemble(settings.scenario, n, **common, **settings.overrides)
            theirs = ensemble(other, n, **common)
            for side, ens in (("current settings", mine), (other.name, theirs)):
                if len(ens.failures):
                    raise RuntimeError(f"{len(ens.failures)} of {n} runs of the {side} failed: "
                                       f"{ens.failures['error'].iloc[0]}")
            table = compare(theirs, mine, level=self.level).table
        except Exception as err:  # noqa: BLE001 - shown; the previous comparison is kept
            self.main.call(partial(self._failed, err))
            raise
        runs = pd.concat([mine.daily.assign(settings=settings.label), theirs.daily.assign(settings=other.name)],
                         ignore_index=True)
        self.main.call(partial(self._show, settings, other, n, table, runs, time.perf_counter() - started))
        return table

    def _failed(self, err: BaseException) -> None:
        self.button.disabled = False
        self._done.set()
        self.error(f"The comparison failed: {type(err).__name__}: {err}")

    def _show(self, settings: Any, other: Any, n: int, table: pd.DataFrame, runs: pd.DataFrame,
              seconds: float) -> None:
        names = {k: v[0] for k, v in OUTPUT_NAMES.items()}
        title = (f"Current settings minus {_scenario_label(other.name)}: paired difference, "
                 f"{self.level:.0%} interval ({n} runs each)")
        self.figure.show(table, names, self.level, title)
        self.results.layout.display = None
        self.table.value = self._html(table, settings, other, n)
        self.result, self.runs = table, runs
        self.button.disabled = False
        self._done.set()
        self.say(f"Compared the current settings with {other.name}: {2 * n} runs in {seconds:.1f} s.")

    def _html(self, table: pd.DataFrame, settings: Any, other: Any, n: int) -> str:
        head = (f"<tr><th style='text-align:left'>total over {settings.days} days</th>"
                f"<th>{html.escape(_scenario_label(other.name))}</th><th>current settings</th>"
                f"<th>difference ({self.level:.0%} interval)</th></tr>")
        rows = []
        for name, r in table.iterrows():
            label, unit, fmt = OUTPUT_NAMES.get(name, (name, "", "{:,.1f}"))
            diff = f"{'+' if r.difference >= 0 else '−'}{fmt.format(abs(r.difference))}"
            interval = f"{fmt.format(r.low)} to {fmt.format(r.high)}"
            rel = "" if pd.isna(r.relative_difference) else f" ({r.relative_difference:+.1f}%)"
            rows.append(f"<tr><td>{html.escape(label)} <span style='color:#666'>({unit})</span></td>"
                        f"<td>{fmt.format(r.baseline_mean)}</td><td>{fmt.format(r.alternative_mean)}</td>"
                        f"<td><b>{diff}</b>{rel} <span style='color:#666'>[{interval}]</span></td></tr>")
        style = "<style>.channelsim-compare-table td,.channelsim-compare-table th{padding:2px 10px;text-align:right}</style>"
        return f"{style}<table>{head}{''.join(rows)}</table><i>Means over {n} runs each, paired by seed.</i>"

    def close(self) -> None:
        """Cancel a comparison under way and release its executor."""
        self._pool.shutdown(wait=False, cancel_futures=True)


def _scenario_label(name: str) -> str:
    try:
        scen = scenarios.get(name)
    except Exception:  # noqa: BLE001 - an unknown name shows as it is
        return name
    return getattr(scen, "label", None) or name.replace("_", " ")
