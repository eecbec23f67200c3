"""The dashboard: explore channelsim in JupyterLab or Voila with controls generated from the
parameter registry, a live map, time-series charts, ensemble comparisons and export.

>>> from channelsim import Dashboard          # doctest: +SKIP
>>> Dashboard("pilot_announced")              # doctest: +SKIP   (the last expression of a cell)

How it stays responsive: a change of a control is debounced (``debounce_seconds``), then the
whole period is simulated in a background thread while the kernel keeps answering; the result
is drawn on the kernel's event loop by moving the charts' artists, and a run superseded by a
newer change stops early and is discarded. The live model (play, step, reset) is separate from
that run but built from the same settings and seed, so it walks through the same days as the
charts, whose cursor marks its date.
"""

from __future__ import annotations

import asyncio
import concurrent.futures as cf
import contextlib
import datetime as dt
import html
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import numpy as np
import pandas as pd

from .. import scenarios
from .. import checks
from ..model import ChannelModel
from ..params import ParameterError, Params
from ..policies import policy_from_dict
from ..population import State
from ..simulation import build_model, simulate
from .controls import ParameterControls
from .figures import MAP_HOUR, ChartsFigure, ComparisonFigure, MapFigure

__all__ = ["Dashboard", "RunSettings"]

DEFAULTS_LABEL = "registry defaults"
MAX_DAYS = 3660  #: longest period the dashboard simulates (days, about ten years)


@dataclass(frozen=True)
class RunSettings:
    """Everything a run depends on, as the controls showed it when the run was asked for."""

    scenario: scenarios.Scenario | None
    params: Params
    start: dt.date
    days: int
    seed: int
    overrides: dict[str, Any] = field(default_factory=dict)  #: parameters differing from the scenario's

    @property
    def scenario_name(self) -> str:
        return self.scenario.name if self.scenario is not None else DEFAULTS_LABEL

    @property
    def label(self) -> str:
        n = len(self.overrides)
        return self.scenario_name + (f" with {n} parameter{'s' * (n != 1)} changed" if n else "")

    def build(self, weather: Any = None) -> ChannelModel:
        """A fresh model for these settings (what :func:`channelsim.simulate` would run)."""
        return build_model(self.scenario, start=self.start, seed=self.seed, weather=weather,
                           **self.overrides)


def _scenario_params(scenario: scenarios.Scenario | None) -> Params:
    return scenario.make_params() if scenario is not None else Params()


def _check_days(days: Any) -> int:
    return checks.days(days, maximum=MAX_DAYS)


_check_start = checks.date


def _check_seed(seed: Any) -> int:
    return checks.seed(seed, maximum=2**31 - 1)


def _tidy(runs: list[pd.DataFrame]) -> pd.DataFrame:
    """Daily tables of several runs as one tidy table with ``replicate`` and ``date`` columns."""
    return pd.concat([d.rename_axis("date").reset_index().assign(replicate=r)
                      for r, d in enumerate(runs)], ignore_index=True)


def _run_totals(runs: pd.DataFrame) -> pd.DataFrame:
    """Per-run totals of tidy runs: the headline figures of :func:`channelsim.summary`."""
    g = runs.groupby("replicate")
    tot = g[["arrivals", "boats", "deaths", "attempts", "stopped", "returned", "admitted",
             "net_effect"]].sum()
    aboard = (runs["people_per_boat"] * runs["boats"]).groupby(runs["replicate"]).sum()
    tot["people_per_boat"] = aboard / tot["boats"].where(tot["boats"] > 0)
    tot["stopped_share"] = tot["stopped"] / tot["attempts"].where(tot["attempts"] > 0)
    return tot


class Dashboard:
    """An interactive view of channelsim for JupyterLab and Voila.

    Shows itself when it is the last expression of a cell. For code and tests:

    Attributes:
        sliders: parameter name -> its control (slider, checkbox, dropdown or date picker),
            one for every entry of :data:`channelsim.params.REGISTRY`.
        model: the live :class:`~channelsim.ChannelModel` (play, :meth:`step`, :meth:`reset`).
        daily: the daily results of the last completed run of the whole period (None before).
        last_update_seconds: time from the last control change to the redrawn charts (s),
            of which ``last_run_seconds`` simulating and ``last_render_seconds`` drawing.
        last_error: the message of the last rejected setting or failed run (None if none).

    Args:
        scenario: a scenario name, :class:`~channelsim.scenarios.Scenario`, TOML path, or None
            for the registry defaults; its parameters and period fill the controls.
        seed: the random seed of the runs (the live model and the charts use the same one).
        start, days: the simulated period; by default the scenario's (365 days from 2024-01-01
            without a scenario).
        weather: a daily wind series or CSV path (see :func:`channelsim.weather.make_weather`);
            None for the seasonal weather model.
        debounce_seconds: quiet time after a control change before the period is re-run (s).
        compare_executor: where comparison runs go (see :func:`channelsim.experiments.ensemble`):
            by default in this process, in a background thread; None for local processes.
    """

    def __init__(self, scenario: Any = None, *, seed: int = 1, start: Any = None,
                 days: int | None = None, weather: Any = None,
                 debounce_seconds: float = 0.3, compare_executor: Any = "inprocess") -> None:
        self.weather = weather
        self.debounce_seconds = float(debounce_seconds)
        self.compare_executor = compare_executor
        self.daily: pd.DataFrame | None = None
        self.comparison: pd.DataFrame | None = None
        self.last_update_seconds: float | None = None
        self.last_run_seconds: float | None = None
        self.last_render_seconds: float | None = None
        self.last_error: str | None = None
        try:
            self._loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
            self._loop_thread: int | None = threading.get_ident()
        except RuntimeError:  # a plain script or test: no kernel event loop
            self._loop, self._loop_thread = None, None
        self._lock = threading.RLock()  # the live model and the figures (scripts without a loop)
        self._generation = 0
        self._timer: threading.Timer | None = None
        self._idle = threading.Event()
        self._runs = cf.ThreadPoolExecutor(max_workers=1, thread_name_prefix="channelsim-run")
        self._comparisons = cf.ThreadPoolExecutor(max_workers=1, thread_name_prefix="channelsim-compare")
        self._model: ChannelModel | None = None
        self._model_stale = True
        self._playing = False
        self._player: Any = None
        self._loading = False
        self._run_shown: RunSettings | None = None
        self._custom_scenarios: dict[str, scenarios.Scenario] = {}  #: loaded from files or objects

        self.scenario = scenarios.get(scenario) if scenario is not None else None
        if self.scenario is not None and self.scenario.name not in scenarios.names():
            self._custom_scenarios[self.scenario.name] = self.scenario
        self._build_widgets()
        self._apply_scenario(self.scenario)
        with self._quietly():
            self.seed_box.value = _check_seed(seed)
            if start is not None:
                self.start_picker.value = _check_start(start)
            if days is not None:
                self.days_box.value = _check_days(days)
        self._settings = self._read_settings()
        self._model = self._settings.build(self.weather)
        self._model_stale = False
        self.map = MapFigure(self._model)
        self.charts = ChartsFigure()
        self.comparison_figure = ComparisonFigure()
        self._show_live()
        self._schedule_run(time.perf_counter(), delay=0.0)

    # ------------------------------------------------------------------ widgets and layout
    def _build_widgets(self) -> None:
        W = widgets
        self.controls = ParameterControls(self._parameter_changed)
        self.sliders: dict[str, widgets.ValueWidget] = self.controls.widgets
        options = [(DEFAULTS_LABEL, "")] + [(n, n) for n in scenarios.names()]
        options += [(name, name) for name in self._custom_scenarios]
        self.scenario_picker = W.Dropdown(options=options, description="scenario",
                                          tooltip="Load a named scenario: its parameters, policies and period",
                                          layout=W.Layout(width="330px"))
        self.start_picker = W.DatePicker(description="start", tooltip="First simulated day",
                                         layout=W.Layout(width="230px"))
        self.days_box = W.BoundedIntText(min=1, max=MAX_DAYS, description="days",
                                         tooltip="Length of the simulated period (days)",
                                         layout=W.Layout(width="150px"))
        self.seed_box = W.BoundedIntText(min=0, max=2**31 - 1, description="seed",
                                         tooltip="Random seed: one seed, one result",
                                         layout=W.Layout(width="170px"))
        for w in (self.start_picker, self.days_box, self.seed_box):
            w.style.description_width = "45px"
            w.observe(self._run_setting_changed, names="value")
        self.scenario_picker.observe(self._scenario_picked, names="value")

        self.play_button = W.ToggleButton(description="Play", icon="play", tooltip="Animate day by day")
        self.step_button = W.Button(description="Step", icon="step-forward",
                                    tooltip="Advance the live model by the number of days beside")
        self.step_days = W.BoundedIntText(value=1, min=1, max=366, description="days",
                                          layout=W.Layout(width="130px"), style={"description_width": "35px"})
        self.reset_button = W.Button(description="Reset", icon="undo",
                                     tooltip="Rebuild the live model from the controls (day 0)")
        self.speed = W.IntSlider(value=5, min=1, max=30, description="speed (days/s)",
                                 style={"description_width": "110px"}, layout=W.Layout(width="360px"))
        self.play_button.observe(self._play_toggled, names="value")
        self.step_button.on_click(lambda _: self._guarded(self.step, self.step_days.value))
        self.reset_button.on_click(lambda _: self._guarded(self.reset))

        self.date_label = W.HTML()
        self.readout = W.HTML()
        self.status = W.HTML()
        self.scenario_info = W.HTML()
        png = dict(format="png")
        self.map_image = W.Image(**png, layout=W.Layout(max_width="560px"))
        self.charts_image = W.Image(**png, layout=W.Layout(max_width="940px"))
        self.compare_image = W.Image(**png, layout=W.Layout(max_width="940px"))

        names = scenarios.names()
        self.compare_picker = W.Dropdown(options=names, description="against",
                                         value="no_policy_counterfactual" if "no_policy_counterfactual" in names else names[0],
                                         layout=W.Layout(width="330px"), style={"description_width": "60px"})
        self.replicates = W.IntSlider(value=5, min=2, max=30, description="runs each",
                                      style={"description_width": "70px"}, layout=W.Layout(width="300px"))
        self.compare_button = W.Button(description="Compare", icon="balance-scale", button_style="info",
                                       tooltip="Run both ensembles over the current period and draw the bands")
        self.compare_button.on_click(lambda _: self._guarded(self.compare))
        self.compare_table = W.HTML()

        self.export_folder = W.Text(value="channelsim-export", description="folder",
                                    layout=W.Layout(width="420px"), style={"description_width": "50px"})
        self.export_button = W.Button(description="Export CSV + PNG", icon="download", button_style="success",
                                      tooltip="Write daily.csv, the figures as PNG and the settings to the folder")
        self.export_button.on_click(lambda _: self._guarded(self.export))
        self.export_result = W.HTML()

        for name, w in [("date", self.date_label), ("readout", self.readout), ("status", self.status),
                        ("map", self.map_image), ("charts", self.charts_image),
                        ("comparison", self.compare_image), ("play", self.play_button),
                        ("step", self.step_button), ("reset", self.reset_button),
                        ("scenario", self.scenario_picker), ("compare", self.compare_button),
                        ("export", self.export_button)]:
            w.add_class(f"channelsim-{name}")

        self.tabs = W.Tab(children=[
            W.HBox([self.map_image]),
            self.charts_image,
            W.VBox([W.HBox([self.compare_picker, self.replicates, self.compare_button]),
                    self.compare_image, self.compare_table]),
            W.VBox([W.HBox([self.export_folder, self.export_button]), self.export_result]),
        ], titles=("Map", "Time series", "Compare", "Export"))
        header = W.HTML("<h3 style='margin:4px 0'>channelsim: small-boat crossings of the Channel</h3>")
        run_row = W.HBox([self.scenario_picker, self.start_picker, self.days_box, self.seed_box])
        play_row = W.HBox([self.play_button, self.step_button, self.step_days, self.reset_button,
                           self.speed])
        left = W.VBox([self.controls.panel], layout=W.Layout(width="540px", min_width="540px"))
        right = W.VBox([self.tabs], layout=W.Layout(flex="1 1 auto"))
        self.widget = W.VBox([header, run_row, self.scenario_info, play_row, self.date_label,
                              self.readout, self.status, W.HBox([left, right])])
        self.widget.add_class("channelsim-dashboard")

    @contextlib.contextmanager
    def _quietly(self) -> Iterator[None]:
        """Change widgets from code without their observers starting runs or loading scenarios."""
        before, self._loading = self._loading, True
        try:
            yield
        finally:
            self._loading = before

    def _repr_mimebundle_(self, **kwargs: Any) -> dict | None:
        return self.widget._repr_mimebundle_(**kwargs)

    # ------------------------------------------------------------------ settings
    def _apply_scenario(self, scenario: scenarios.Scenario | None) -> None:
        """Show ``scenario``'s parameters and period in the controls (no run)."""
        params = _scenario_params(scenario)
        with self._quietly():
            self.scenario = scenario
            self.scenario_picker.value = scenario.name if scenario is not None else ""
            self.start_picker.value = scenario.start if scenario is not None else dt.date(2024, 1, 1)
            self.days_box.value = scenario.days if scenario is not None else 365
        self.controls.set_values(params.as_dict(), reference=scenario.name if scenario else "the registry defaults")
        self.scenario_info.value = self._describe(scenario)

    @staticmethod
    def _describe(scenario: scenarios.Scenario | None) -> str:
        if scenario is None:
            return "<i>The registry defaults: the calibrated 2024 world, no pilot.</i>"
        policies = "; ".join(html.escape(policy_from_dict(p).describe()) for p in scenario.policies)
        extra = f"<br>Dated policies: {policies}" if policies else ""
        return f"<i>{html.escape(scenario.description)}</i>{extra}"

    def _read_settings(self) -> RunSettings:
        """The settings the controls show, checked together; ParameterError if they are not valid."""
        params = Params(**self.controls.values())
        base = _scenario_params(self.scenario).as_dict()
        overrides = {k: v for k, v in params.as_dict().items() if v != base[k]}
        start = self.start_picker.value
        if not isinstance(start, dt.date):
            raise ParameterError(f"start={start!r} is invalid: expected a date (YYYY-MM-DD)")
        return RunSettings(self.scenario, params, start, _check_days(self.days_box.value),
                           int(self.seed_box.value), overrides)

    @property
    def params(self) -> Params:
        """The parameters of the current (last valid) settings."""
        return self._settings.params

    @property
    def settings(self) -> RunSettings:
        """The current (last valid) settings."""
        return self._settings

    def load_scenario(self, scenario: Any) -> None:
        """Load a scenario (name, object, TOML path or None) into the controls and re-run."""
        scen = scenarios.get(scenario) if scenario not in (None, "") else None
        if scen is not None and scen.name not in scenarios.names():
            if scen.name not in self._custom_scenarios:
                with self._quietly():
                    self.scenario_picker.options = [*self.scenario_picker.options, (scen.name, scen.name)]
            self._custom_scenarios[scen.name] = scen
        self._apply_scenario(scen)
        self._controls_changed()

    def _scenario_picked(self, change: dict[str, Any]) -> None:
        if self._loading:
            return
        name = change["new"]
        self._guarded(self.load_scenario, self._custom_scenarios.get(name, name))

    def _parameter_changed(self, name: str) -> None:
        self._controls_changed()

    def _run_setting_changed(self, change: dict[str, Any]) -> None:
        if not self._loading:
            self._controls_changed()

    def _controls_changed(self) -> None:
        """A control changed: check the settings, then re-run (debounced) or say what is wrong."""
        t0 = time.perf_counter()
        try:
            settings = self._read_settings()
        except ParameterError as err:
            self._error(f"{err}. The charts and the live model keep the previous settings.")
            return
        self._settings = settings
        self._model_stale = True
        self.last_error = None
        self._schedule_run(t0)

    # ------------------------------------------------------------------ the period's run
    def _in_main(self, fn: Callable[[], None]) -> None:
        """Call ``fn`` on the kernel's event loop (widgets and figures live there); directly
        when there is no loop (scripts and tests)."""
        loop = self._loop
        if loop is None or loop.is_closed() or not loop.is_running():
            fn()
        elif threading.get_ident() == self._loop_thread:
            fn()
        else:
            loop.call_soon_threadsafe(fn)

    def _schedule_run(self, t0: float, delay: float | None = None) -> None:
        with self._lock:
            self._generation += 1
            generation = self._generation
            if self._timer is not None:
                self._timer.cancel()
            self._idle.clear()
            wait = self.debounce_seconds if delay is None else delay
            self._timer = threading.Timer(wait, self._in_main, args=(partial(self._start_run, generation, t0),))
            self._timer.daemon = True
            self._timer.start()
        self._say(f"Simulating {self._settings.days} days…")

    def _start_run(self, generation: int, t0: float) -> None:
        if generation != self._generation:
            return
        settings = self._settings
        self._runs.submit(self._simulate, generation, settings, t0)
        if self._model_stale:  # while the period runs in the background
            self.reset()

    def _simulate(self, generation: int, settings: RunSettings, t0: float) -> None:
        """Worker thread: the whole period; stops as soon as a newer change supersedes it."""
        try:
            started = time.perf_counter()
            model = settings.build(self.weather)
            for _ in range(settings.days):
                if generation != self._generation:
                    return
                model.step()
            daily = model.results()
            run_seconds = time.perf_counter() - started
        except Exception as err:  # noqa: BLE001 - shown in the dashboard; previous results kept
            self._in_main(partial(self._run_failed, generation, err))
            return
        self._in_main(partial(self._show_run, generation, settings, daily, t0, run_seconds))

    def _show_run(self, generation: int, settings: RunSettings, daily: pd.DataFrame, t0: float,
                  run_seconds: float) -> None:
        if generation != self._generation:
            return  # superseded while it ran: a newer run is on its way
        with self._lock:
            drawing = time.perf_counter()
            self.charts.show(daily, title=self._run_title(settings, daily),
                             safe_load=settings.params.dinghy_safe_capacity)
            self.charts.set_cursor(self._cursor_date())
            self.charts_image.value = self.charts.render()
            self.last_render_seconds = time.perf_counter() - drawing
            self.daily = daily
            self._run_shown = settings
        self.last_run_seconds = run_seconds
        self.last_update_seconds = time.perf_counter() - t0
        self._say(f"Simulated {settings.days} days ({settings.label}, seed {settings.seed}) in "
                  f"{run_seconds:.1f} s; charts redrawn {self.last_update_seconds:.1f} s after the change.")
        self._idle.set()

    def _run_failed(self, generation: int, err: BaseException) -> None:
        if generation != self._generation:
            return
        kept = "The charts still show the previous run." if self.daily is not None else ""
        self._error(f"The run failed: {type(err).__name__}: {err}. {kept}")
        self._idle.set()

    @staticmethod
    def _run_title(settings: RunSettings, daily: pd.DataFrame) -> str:
        return (f"{settings.label}: {daily.index[0]:%d %b %Y} to {daily.index[-1]:%d %b %Y}, "
                f"seed {settings.seed}")

    def wait(self, timeout: float = 120.0) -> None:
        """Block until the latest change has been simulated and drawn (or has failed).

        For scripts and tests; in a notebook the dashboard updates itself, and waiting on the
        kernel's own thread would block the very loop that draws the result.
        """
        if self._loop is not None and self._loop.is_running() and threading.get_ident() == self._loop_thread:
            raise RuntimeError("Dashboard.wait() would block the kernel that draws the result: "
                               "in a notebook the dashboard updates itself")
        if not self._idle.wait(timeout):
            raise TimeoutError(f"the dashboard's run did not finish within {timeout} s")

    # ------------------------------------------------------------------ the live model
    @property
    def model(self) -> ChannelModel:
        """The live model, rebuilt from the controls if they changed since it was built."""
        with self._lock:
            if self._model is None or self._model_stale:
                self.reset()
            assert self._model is not None
            return self._model

    def reset(self) -> None:
        """Rebuild the live model from the current controls (back to the first day)."""
        with self._lock:
            self._model = self._settings.build(self.weather)
            self._model_stale = False
            self._show_live()

    def step(self, days: int = 1) -> None:
        """Advance the live model by ``days`` days and redraw the map, readouts and cursor."""
        if isinstance(days, bool) or not isinstance(days, (int, np.integer)) or days < 1:
            raise ParameterError(f"days={days!r} is invalid: expected a whole number of days >= 1")
        with self._lock:
            model = self.model
            for _ in range(int(days)):
                model.step()
            self._show_live()

    def _cursor_date(self) -> dt.date | None:
        model = self._model
        return model.date if model is not None and model.steps > 0 else None

    def _show_live(self, charts: bool = True) -> None:
        """Redraw what follows the live model: map, date, readouts, charts' cursor."""
        with self._lock:
            model = self._model
            if model is None:
                return
            self.map_image.value = self.map.show(model)
            self.date_label.value, self.readout.value = self._readouts(model)
            if charts and self.daily is not None:
                self.charts.set_cursor(self._cursor_date())
                self.charts_image.value = self.charts.blit()

    def _readouts(self, model: ChannelModel) -> tuple[str, str]:
        mv = model.datacollector.model_vars
        total = {k: float(np.sum(mv.get(k, [0]))) for k in
                 ("arrivals", "boats", "deaths", "attempts", "stopped", "returned", "admitted")}
        aboard = float(np.dot(mv.get("people_per_boat", [0]), mv.get("boats", [0])))
        per_boat = aboard / total["boats"] if total["boats"] else 0.0
        in_camps = len(model.population.where(State.IN_CAMP))
        if model.steps == 0:
            date = (f"<b style='font-size:1.35em'>{model.start:%a %d %b %Y}</b> "
                    f"<span style='color:#555'>· before the first day</span>")
        else:
            t = model.tally
            weather = "crossable" if t.crossable else "too rough to launch"
            date = (f"<b style='font-size:1.35em'>{model.date:%a %d %b %Y}</b> "
                    f"<span style='color:#555'>· day {model.steps} · wind force {t.beaufort:.0f} "
                    f"({weather})</span>")
        at_sea = sorted((b.load for b in model.boats_today if b.outcome != "stopped"
                         and b.launch_hour <= MAP_HOUR < b.end_hour), reverse=True)
        loads = f" ({', '.join(map(str, at_sea[:8]))}{', …' if len(at_sea) > 8 else ''} aboard)" if at_sea else ""
        readout = (
            f"arrivals so far <b>{total['arrivals']:,.0f}</b> in {total['boats']:,.0f} boats · "
            f"people per boat <b>{per_boat:.1f}</b> · deaths <b>{total['deaths']:,.0f}</b> · "
            f"stopped <b>{total['stopped']:,.0f}</b> of {total['attempts']:,.0f} attempts · "
            f"in camps <b>{in_camps:,}</b> · returned {total['returned']:,.0f} / admitted "
            f"{total['admitted']:,.0f} · boats at sea at {MAP_HOUR:02.0f}:00: {len(at_sea)}{loads}")
        return date, readout

    # ------------------------------------------------------------------ play / pause
    def _play_toggled(self, change: dict[str, Any]) -> None:
        if self._loading:
            return
        self.play() if change["new"] else self.pause()

    def _set_play_button(self, playing: bool) -> None:
        with self._quietly():
            self.play_button.value = playing
            self.play_button.description = "Pause" if playing else "Play"
            self.play_button.icon = "pause" if playing else "play"

    def play(self) -> None:
        """Animate the live model day by day at ``speed`` days a second until :meth:`pause`."""
        if self._playing:
            return
        self._playing = True
        self._set_play_button(True)
        if self._loop is not None and self._loop.is_running() and threading.get_ident() == self._loop_thread:
            self._player = self._loop.create_task(self._play_async())
        else:
            self._player = threading.Thread(target=self._play_thread, daemon=True, name="channelsim-play")
            self._player.start()

    def pause(self) -> None:
        """Stop the animation after the current day."""
        self._playing = False
        self._set_play_button(False)

    def _play_frame(self) -> float:
        """One animated day; returns the seconds to wait before the next."""
        started = time.perf_counter()
        with self._lock:
            model = self.model
            model.step()
            self._show_live(charts=self.tabs.selected_index == 1)
        return max(0.0, 1.0 / self.speed.value - (time.perf_counter() - started))

    async def _play_async(self) -> None:
        try:
            while self._playing:
                await asyncio.sleep(self._play_frame())
        except Exception as err:  # noqa: BLE001 - shown; the animation stops
            self._error(f"The animation stopped: {type(err).__name__}: {err}")
        finally:
            self.pause()
            self._show_live()

    def _play_thread(self) -> None:
        try:
            while self._playing:
                time.sleep(self._play_frame())
        except Exception as err:  # noqa: BLE001
            self._error(f"The animation stopped: {type(err).__name__}: {err}")
        finally:
            self.pause()
            self._show_live()

    # ------------------------------------------------------------------ comparison
    def compare(self, scenario: Any = None, runs: int | None = None) -> cf.Future:
        """Run the current settings and ``scenario`` (default: the one picked in the Compare
        tab) ``runs`` times each over the current period, with the same seeds, in the
        background; draw both as ensemble bands. Returns the future of the comparison."""
        other = scenarios.get(scenario if scenario is not None else self.compare_picker.value)
        n = int(runs if runs is not None else self.replicates.value)
        if n < 1:
            raise ParameterError(f"runs={runs!r} is invalid: expected a whole number >= 1")
        settings = self._settings
        self._say(f"Comparing with {other.name}: {2 * n} runs of {settings.days} days in the background…")
        self.compare_button.disabled = True
        return self._comparisons.submit(self._run_comparison, settings, other, n)

    def _ensemble(self, scenario: scenarios.Scenario | None, overrides: dict[str, Any], n: int,
                  settings: RunSettings) -> pd.DataFrame:
        """``n`` runs as tidy daily data (``replicate``, ``date``, result columns)."""
        if self.weather is None:
            try:
                from ..experiments import ensemble
            except ImportError:
                ensemble = None
            if ensemble is not None:
                result = ensemble(scenario, n, days=settings.days, start=settings.start,
                                  seed=settings.seed, executor=self.compare_executor,
                                  progress=False, keep_daily=True, **overrides)
                if len(result.failures):
                    raise RuntimeError(f"{len(result.failures)} of {n} runs failed: "
                                       f"{result.failures['error'].iloc[0]}")
                return result.daily
        return _tidy([simulate(scenario, days=settings.days, start=settings.start,
                               seed=settings.seed + r, weather=self.weather, **overrides)
                      for r in range(n)])

    def _run_comparison(self, settings: RunSettings, other: scenarios.Scenario, n: int) -> pd.DataFrame:
        try:
            started = time.perf_counter()
            current = self._ensemble(settings.scenario, settings.overrides, n, settings)
            theirs = self._ensemble(other, {}, n, settings)
        except Exception as err:  # noqa: BLE001 - shown; previous comparison kept
            self._in_main(partial(self._comparison_failed, err))
            raise
        both = pd.concat([current.assign(settings=settings.label), theirs.assign(settings=other.name)],
                         ignore_index=True)
        self._in_main(partial(self._show_comparison, settings, other, n, current, theirs, both,
                              time.perf_counter() - started))
        return both

    def _comparison_failed(self, err: BaseException) -> None:
        self.compare_button.disabled = False
        self._error(f"The comparison failed: {type(err).__name__}: {err}")

    def _show_comparison(self, settings: RunSettings, other: scenarios.Scenario, n: int,
                         current: pd.DataFrame, theirs: pd.DataFrame, both: pd.DataFrame,
                         seconds: float) -> None:
        labels = (f"current ({settings.label})", other.name)
        title = (f"{n} runs each over {settings.days} days from {settings.start:%d %b %Y}, "
                 f"same seeds for both")
        with self._lock:
            self.comparison_figure.show(current, theirs, labels, title)
            self.compare_image.value = self.comparison_figure.render()
            self.comparison = both
        self.compare_table.value = self._comparison_table(labels, current, theirs)
        self.compare_button.disabled = False
        self._say(f"Compared {labels[0]} with {other.name}: {2 * n} runs in {seconds:.1f} s.")

    @staticmethod
    def _comparison_table(labels: tuple[str, str], current: pd.DataFrame, theirs: pd.DataFrame) -> str:
        rows = [("arrivals", "people", "{:,.0f}"), ("boats", "boats", "{:,.0f}"),
                ("people_per_boat", "people/boat", "{:.1f}"), ("deaths", "people", "{:,.0f}"),
                ("stopped_share", "share of attempts", "{:.0%}"), ("returned", "people", "{:,.0f}"),
                ("admitted", "people", "{:,.0f}"), ("net_effect", "people", "{:,.0f}")]
        totals = [_run_totals(current), _run_totals(theirs)]

        def cell(t: pd.DataFrame, col: str, fmt: str) -> str:
            v = t[col].dropna()
            if v.empty:
                return "–"
            return f"{fmt.format(v.mean())} <span style='color:#666'>({fmt.format(v.min())} – {fmt.format(v.max())})</span>"

        head = "".join(f"<th style='text-align:left;padding:2px 10px'>{html.escape(x)}</th>" for x in labels)
        body = "".join(
            f"<tr><td style='padding:2px 10px'>{col} <span style='color:#666'>({unit})</span></td>"
            + "".join(f"<td style='padding:2px 10px'>{cell(t, col, fmt)}</td>" for t in totals) + "</tr>"
            for col, unit, fmt in rows)
        return (f"<table><tr><th style='text-align:left;padding:2px 10px'>total over the period: "
                f"mean (lowest – highest run)</th>{head}</tr>{body}</table>")

    # ------------------------------------------------------------------ export
    def export(self, folder: str | Path | None = None) -> Path:
        """Write the current run's ``daily.csv``, the figures as PNG (``charts.png``,
        ``map.png`` and, after a comparison, ``comparison.png`` with ``comparison_runs.csv``)
        and ``settings.json`` to ``folder`` (default: the Export tab's); returns the folder."""
        if self.daily is None or self._run_shown is None:
            raise RuntimeError("nothing to export yet: the first run has not finished")
        path = Path(folder if folder is not None else self.export_folder.value).expanduser()
        written = []
        try:
            with self._lock:
                path.mkdir(parents=True, exist_ok=True)
                self.daily.to_csv(path / "daily.csv")
                written.append("daily.csv")
                self.charts.set_cursor(None)
                self.charts.save(path / "charts.png")
                self.charts.set_cursor(self._cursor_date())
                self.map.save(path / "map.png")
                written += ["charts.png", "map.png"]
                if self.comparison is not None:
                    self.comparison_figure.save(path / "comparison.png")
                    self.comparison.to_csv(path / "comparison_runs.csv", index=False)
                    written += ["comparison.png", "comparison_runs.csv"]
                s = self._run_shown
                meta = {"scenario": s.scenario_name, "start": s.start.isoformat(), "days": s.days,
                        "seed": s.seed, "changed_from_scenario": s.overrides,
                        "parameters": s.params.as_dict()}
                (path / "settings.json").write_text(json.dumps(meta, indent=2, default=str), encoding="utf-8")
                written.append("settings.json")
        except OSError as err:
            raise OSError(f"cannot export to {path.resolve()}: {err.strerror or err}") from None
        where = path.resolve()
        self.export_result.value = (f"Wrote {', '.join(written)} to <code>{html.escape(str(where))}</code>")
        self._say(f"Exported the current run to {where}")
        return where

    # ------------------------------------------------------------------ messages
    def _guarded(self, action: Callable[..., Any], *args: Any) -> None:
        """Run a button's action; a failure becomes a message in the dashboard."""
        try:
            action(*args)
        except (ParameterError, ValueError, TypeError, OSError, RuntimeError) as err:
            self._error(str(err))

    def _say(self, text: str) -> None:
        self.status.value = f"<span style='color:#1b5e20'>{html.escape(text)}</span>"

    def _error(self, text: str) -> None:
        self.last_error = text
        self.status.value = (f"<span style='color:#b00020;font-weight:bold'>⚠ {html.escape(text)}</span>")

    def close(self) -> None:
        """Stop the animation and the background runs, and close the widgets."""
        self.pause()
        self._generation += 1
        if self._timer is not None:
            self._timer.cancel()
        self._runs.shutdown(wait=False, cancel_futures=True)
        self._comparisons.shutdown(wait=False, cancel_futures=True)
        self._idle.set()
        for w in [*self.sliders.values(), self.widget]:
            w.close()
