"""The dashboard: explore channelsim in JupyterLab or Voila.

>>> from channelsim import Dashboard          # doctest: +SKIP
>>> Dashboard("pilot_announced")              # doctest: +SKIP   (the last expression of a cell)

It is assembled from four parts, each in its own module: the run scheduler
(:mod:`.scheduler`: the period simulated in the background, its results shown as they grow),
the live player (:mod:`.player`: a model to play or step through, drawn on the map), the
comparison panel (:mod:`.compare_panel`) and the export panel (:mod:`.export_panel`). The
model is read only through :mod:`.snapshot`; the figures are plotly widgets (:mod:`.figures`).

After a change of a control, the charts fill in as days are computed, the previous run stays
as a faint overlay until the next change, and the live model comes back to the day it was on
under the new settings.
"""

from __future__ import annotations

import datetime as dt
import html
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import ipywidgets as widgets
import numpy as np
import pandas as pd

from .. import scenarios
from .. import checks
from ..model import ChannelModel
from ..params import ParameterError, Params
from ..policies import policy_from_dict
from ..simulation import build_model
from .compare_panel import ComparePanel
from .controls import ParameterControls
from .export_panel import ExportPanel, run_files
from .figures import ChartsFigure, MapFigure, fit_to_container, policy_periods
from .player import LivePlayer
from .scheduler import MainLoop, Progress, RunScheduler
from .snapshot import Snapshot, snapshot

__all__ = ["Dashboard", "RunSettings"]

DEFAULTS_LABEL = "registry defaults"
MAX_DAYS = 3660  #: longest period the dashboard simulates (days, about ten years)
#: Where the root (the notebook cell's or the page's width, not the window's) is narrower than
#: the parameter panel beside the map and the charts (300 + 330 + 440 px), the panel moves
#: above them, lower and as wide as the root, with its parameters in columns, so that the map
#: and the charts stay side by side (JupyterLab at 1280 px with the file browser open).
NARROW_PX = 1080  #: px
CSS = """<style>
.channelsim-root { container-type: inline-size; container-name: channelsim; }
@container channelsim (max-width: %NARROW%px) {
  .channelsim-body { flex-direction: column !important; align-items: stretch !important; }
  .channelsim-body > .channelsim-parameter-panel { width: auto !important; flex: 0 0 auto !important;
    max-height: 300px !important; }
  .channelsim-param-group { display: grid !important;
    grid-template-columns: repeat(auto-fill, minmax(380px, 1fr)); column-gap: 12px; }
}
.channelsim-root .channelsim-figure { width: 100%; min-width: 0; }
.channelsim-root .channelsim-param-label { line-height: 1.2; font-size: 12.5px; }
.channelsim-root .widget-html-content { line-height: 1.35; }
.channelsim-root .channelsim-legend, .channelsim-root .channelsim-legend .widget-html-content {
  white-space: normal !important; height: auto !important; overflow: visible !important; }
.channelsim-root { max-width: 100%; overflow-x: hidden; }
</style>""".replace("%NARROW%", str(NARROW_PX - 1))


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
        """The scenario's name, or the label of the registry defaults when there is none."""
        return self.scenario.name if self.scenario is not None else DEFAULTS_LABEL

    @property
    def label(self) -> str:
        """A short caption for the run: the scenario's name and how many parameters differ from
        it (e.g. "baseline_2024 with 2 parameters changed")."""
        n = len(self.overrides)
        return self.scenario_name + (f" with {n} parameter{'s' * (n != 1)} changed" if n else "")

    @property
    def end(self) -> dt.date:
        """The run's last day."""
        return self.start + dt.timedelta(days=self.days - 1)

    def build(self, weather: Any = None) -> ChannelModel:
        """A fresh model for these settings (what :func:`channelsim.simulate` would run)."""
        return build_model(self.scenario, start=self.start, seed=self.seed, weather=weather,
                           **self.overrides)


def _scenario_params(scenario: scenarios.Scenario | None) -> Params:
    return scenario.make_params() if scenario is not None else Params()


def _check_days(days: Any) -> int:
    return checks.days(days, maximum=MAX_DAYS)


def _check_seed(seed: Any) -> int:
    return checks.seed(seed, maximum=2**31 - 1)


def _scenario_label(scenario: scenarios.Scenario | None) -> str:
    if scenario is None:
        return "Registry defaults (2024, no pilot)"
    return getattr(scenario, "label", None) or scenario.name.replace("_", " ").capitalize()


class Dashboard:
    """An interactive view of channelsim for JupyterLab and Voila.

    Shows itself when it is the last expression of a cell. For code and tests:

    Attributes:
        sliders: parameter name -> its control, one for every entry of
            :data:`channelsim.params.REGISTRY`.
        model: the live :class:`~channelsim.ChannelModel` (:meth:`play`, :meth:`step`, :meth:`reset`).
        daily: the daily results of the last completed run of the whole period (None before).
        shown: the daily results the charts show now (a run's first days while it is computed).
        last_first_update_seconds: time from the last change to the first days drawn (s).
        last_update_seconds: time from the last change to the whole period drawn (s).
        last_error: the message of the last refused setting or failed run (None if none).

    Args:
        scenario: a scenario name, :class:`~channelsim.scenarios.Scenario`, TOML path, or None
            for the registry defaults; its parameters and period fill the controls.
        seed: the random seed (the live model and the charts use the same one).
        start, days: the simulated period; by default the scenario's (365 days from
            2024-01-01 without a scenario).
        weather: a daily wind series or CSV path (see :func:`channelsim.weather.make_weather`);
            None for the seasonal weather model.
        debounce_seconds: quiet time after a change before the period is re-run (s).
        update_seconds: time between two updates of the charts while a run is computed (s).
    """

    def __init__(self, scenario: Any = None, *, seed: int = 1, start: Any = None,
                 days: int | None = None, weather: Any = None, debounce_seconds: float = 0.1,
                 update_seconds: float = 0.25) -> None:
        self.weather = weather
        self.daily: pd.DataFrame | None = None
        self.shown: pd.DataFrame | None = None
        self.last_first_update_seconds: float | None = None
        self.last_update_seconds: float | None = None
        self.last_run_seconds: float | None = None
        self.last_error: str | None = None
        self._previous: pd.DataFrame | None = None
        self._run_shown: RunSettings | None = None
        self._loading = False
        self._pending_scenario: Any = None
        self._lock = threading.RLock()
        self._main = MainLoop()
        self._custom_scenarios: dict[str, scenarios.Scenario] = {}
        self.scenario = scenarios.get(scenario) if scenario is not None else None
        if self.scenario is not None and self.scenario.name not in scenarios.names():
            self._custom_scenarios[self.scenario.name] = self.scenario

        self.map = MapFigure()
        self.charts = ChartsFigure()
        self.player = LivePlayer(self._main, lambda: self._settings.build(self.weather), self._show_day,
                                 self._error, self._play_changed)
        self.scheduler = RunScheduler(self._main, lambda s: s.build(self.weather), on_progress=self._progress,
                                      on_live=self._live_ready, on_failed=self._run_failed,
                                      debounce_seconds=debounce_seconds, update_seconds=update_seconds)
        self.comparison = ComparePanel(self._main, lambda: self._settings, self._say, self._error)
        self.exports = ExportPanel(self._files, self._error)
        self._build_widgets()
        self._apply_scenario(self.scenario)
        self._loading = True
        try:
            self.seed_box.value = _check_seed(seed)
            if start is not None:
                self.start_picker.value = checks.date(start)
            if days is not None:
                self.days_box.value = _check_days(days)
        finally:
            self._loading = False
        self._settings = self._read_settings()
        self.player.reset()
        self._request(time.perf_counter(), delay=0.0)

    # ------------------------------------------------------------------ widgets and layout
    def _build_widgets(self) -> None:
        W = widgets
        self.controls = ParameterControls(lambda name: self._controls_changed())
        self.sliders: dict[str, widgets.ValueWidget] = self.controls.widgets
        options = [(_scenario_label(None), "")] + [(_scenario_label(scenarios.get(n)), n) for n in scenarios.names()]
        options += [(_scenario_label(s), name) for name, s in self._custom_scenarios.items()]
        self.scenario_picker = W.Dropdown(options=options, description="Scenario",
                                          tooltip="Load a named scenario: its parameters, policies and period",
                                          style={"description_width": "62px"}, layout=W.Layout(width="340px"))
        self.start_picker = W.DatePicker(description="Start", tooltip="First simulated day",
                                         style={"description_width": "38px"}, layout=W.Layout(width="190px"))
        self.days_box = W.BoundedIntText(min=1, max=MAX_DAYS, description="Days",
                                         tooltip=f"Length of the simulated period (1 to {MAX_DAYS} days)",
                                         style={"description_width": "38px"}, layout=W.Layout(width="120px"))
        self.seed_box = W.BoundedIntText(min=0, max=2**31 - 1, description="Seed",
                                         tooltip="Random seed: one seed, one result",
                                         style={"description_width": "38px"}, layout=W.Layout(width="130px"))
        for w in (self.start_picker, self.days_box, self.seed_box):
            w.observe(self._run_setting_changed, names="value")
        self.scenario_picker.observe(self._scenario_picked, names="value")
        self.panel_toggle = W.ToggleButton(value=True, description="Parameters", icon="sliders",
                                           tooltip="Show or hide the parameter panel", layout=W.Layout(width="120px"))
        self.panel_toggle.observe(self._toggle_panel, names="value")

        self.confirm_text = W.HTML()
        self.confirm_yes = W.Button(description="Switch and discard", button_style="warning")
        self.confirm_no = W.Button(description="Keep my edits")
        self.confirm_yes.on_click(lambda _: self._confirm_switch(True))
        self.confirm_no.on_click(lambda _: self._confirm_switch(False))
        self.confirm = W.HBox([self.confirm_text, self.confirm_yes, self.confirm_no],
                              layout=W.Layout(display="none", align_items="center", flex_flow="row wrap",
                                              border="1px solid #e8590c", padding="4px", margin="4px 0"))
        self.confirm.add_class("channelsim-confirm")

        self.date_label, self.readout, self.status, self.scenario_info = W.HTML(), W.HTML(), W.HTML(), W.HTML()
        for name, w in (("date", self.date_label), ("readout", self.readout), ("status", self.status),
                        ("scenario", self.scenario_picker), ("toggle-parameters", self.panel_toggle)):
            w.add_class(f"channelsim-{name}")

        self.parameter_panel = W.VBox([self.scenario_info, self.controls.panel],
                                      layout=W.Layout(width="350px", min_width="300px", flex="0 1 350px",
                                                      max_height="760px", overflow="auto"))
        self.parameter_panel.add_class("channelsim-parameter-panel")
        self.map_legend = W.HTML(self.map.legend_html(), layout=W.Layout(width="100%"))
        self.map_legend.add_class("channelsim-legend")
        map_box = W.VBox([self.player.controls, self.player.hour_row, self.date_label, self.map.widget,
                          self.map_legend],
                         layout=W.Layout(flex="1 1 330px", min_width="300px"))
        charts_box = W.VBox([self.charts.widget], layout=W.Layout(flex="1.7 1 440px", min_width="360px"))
        self.views = W.HBox([map_box, charts_box], layout=W.Layout(flex="1 1 auto", flex_flow="row wrap", min_width="0"))
        self.views.add_class("channelsim-views")
        body = W.HBox([self.parameter_panel, self.views], layout=W.Layout(width="100%", align_items="flex-start"))
        body.add_class("channelsim-body")
        self.tabs = W.Tab(children=[self.comparison.widget, self.exports.widget], titles=("Compare", "Export"))
        header = W.HBox([W.HTML("<b style='font-size:1.15em'>channelsim</b>", layout=W.Layout(margin="0 10px 0 0")),
                         self.panel_toggle, self.scenario_picker, self.start_picker, self.days_box, self.seed_box],
                        layout=W.Layout(flex_flow="row wrap", align_items="center"))
        self.fit = fit_to_container()
        self.widget = W.VBox([W.HTML(CSS), self.fit, header, self.confirm, self.status, body, self.readout, self.tabs],
                             layout=W.Layout(width="100%"))
        self.widget.add_class("channelsim-root")

    def _repr_mimebundle_(self, **kwargs: Any) -> dict | None:
        return self.widget._repr_mimebundle_(**kwargs)

    def _toggle_panel(self, change: dict[str, Any]) -> None:
        self.parameter_panel.layout.display = None if change["new"] else "none"

    # ------------------------------------------------------------------ settings
    def _apply_scenario(self, scenario: scenarios.Scenario | None) -> None:
        """Show ``scenario``'s parameters and period in the controls (no run)."""
        params = _scenario_params(scenario)
        self._loading = True
        try:
            self.scenario = scenario
            self.scenario_picker.value = scenario.name if scenario is not None else ""
            self.start_picker.value = scenario.start if scenario is not None else dt.date(2024, 1, 1)
            self.days_box.value = scenario.days if scenario is not None else 365
        finally:
            self._loading = False
        self.controls.set_values(params.as_dict(), reference=_scenario_label(scenario))
        self.scenario_info.value = self._describe(scenario)

    @staticmethod
    def _describe(scenario: scenarios.Scenario | None) -> str:
        if scenario is None:
            return "<i>The registry defaults: the calibrated 2024 world, no pilot.</i>"
        policies = "; ".join(html.escape(policy_from_dict(p).describe()) for p in scenario.policies)
        extra = f"<br>Dated policies (shaded on the charts): {policies}" if policies else ""
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
                           _check_seed(self.seed_box.value), overrides)

    @property
    def params(self) -> Params:
        """The parameters of the current (last valid) settings."""
        return self._settings.params

    @property
    def settings(self) -> RunSettings:
        """The current (last valid) settings."""
        return self._settings

    def load_scenario(self, scenario: Any) -> None:
        """Load a scenario (name, object, TOML path or None) into the controls and re-run;
        edited parameters are replaced by the scenario's."""
        scen = scenarios.get(scenario) if scenario not in (None, "") else None
        if scen is not None and scen.name not in scenarios.names():
            if scen.name not in self._custom_scenarios:
                self._loading = True
                try:
                    self.scenario_picker.options = [*self.scenario_picker.options, (_scenario_label(scen), scen.name)]
                finally:
                    self._loading = False
            self._custom_scenarios[scen.name] = scen
        self.confirm.layout.display = "none"
        self._apply_scenario(scen)
        self._controls_changed()

    def _scenario_picked(self, change: dict[str, Any]) -> None:
        if self._loading:
            return
        name = change["new"]
        target = self._custom_scenarios.get(name, name)
        edits = self.controls.changed()
        if not edits:
            self._guarded(self.load_scenario, target)
            return
        # ask first: the picker shows the current scenario until the switch is confirmed
        self._pending_scenario = target
        self._loading = True
        try:
            self.scenario_picker.value = change["old"]
        finally:
            self._loading = False
        n = len(edits)
        self.confirm_text.value = (f"<b>Switch to {html.escape(_scenario_label(scenarios.get(name)) if name else _scenario_label(None))}?</b> "
                                   f"This discards your {n} edited parameter{'s' * (n != 1)}.&nbsp;")
        self.confirm.layout.display = "flex"

    def _confirm_switch(self, yes: bool) -> None:
        self.confirm.layout.display = "none"
        target, self._pending_scenario = self._pending_scenario, None
        if yes:
            self._guarded(self.load_scenario, target)

    def _run_setting_changed(self, change: dict[str, Any]) -> None:
        if not self._loading:
            self._controls_changed()

    def _controls_changed(self) -> None:
        """A control changed: check the settings, then re-run or say what is wrong."""
        t0 = time.perf_counter()
        try:
            settings = self._read_settings()
        except ParameterError as err:
            self._error(f"{err}. The charts and the live model keep the previous settings.")
            return
        self._settings = settings
        self.last_error = None
        self.player.pause()  # the live model comes back to its day under the new settings
        self._request(t0)

    # ------------------------------------------------------------------ the period's run
    def _request(self, t0: float, delay: float | None = None) -> None:
        if self.shown is not None and len(self.shown):
            self._previous = self.daily if self.daily is not None else self.shown
        self._first_shown = False
        self.scheduler.request(self._settings, requested_at=t0, live_day=self.player.day, delay=delay)
        self._say(f"Simulating {self._settings.days} days…")

    def _progress(self, p: Progress) -> None:
        if p.generation != self.scheduler.generation:
            return  # superseded: a newer run is on its way
        with self._lock:
            s = p.settings
            now = time.perf_counter()
            if not self._first_shown:
                self.last_first_update_seconds = now - p.requested_at
                self._first_shown = True
            self.shown = p.daily
            if not self.player.playing:
                self._draw_charts(p.daily, s, previous=self._previous, final=p.done)
            if p.done:
                self.daily, self._run_shown = p.daily, s
                self.last_run_seconds = p.run_seconds
                self.last_update_seconds = time.perf_counter() - p.requested_at
                self._say(f"Simulated {s.days} days ({s.label}, seed {s.seed}) in {p.run_seconds:.1f} s; first days "
                          f"drawn {self.last_first_update_seconds:.2f} s after the change, all "
                          f"{self.last_update_seconds:.1f} s after.")
            else:
                self._say(f"Simulating… {len(p.daily)} of {s.days} days drawn")
        if p.done:
            self.scheduler.finished(p.generation)

    def _draw_charts(self, daily: pd.DataFrame, s: RunSettings, previous: pd.DataFrame | None = None,
                     final: bool = True) -> None:
        title = (f"{html.escape(s.label)}: {s.start:%d %b %Y} to {s.end:%d %b %Y}, seed {s.seed}"
                 + ("" if len(daily) >= s.days else f" · {len(daily)} of {s.days} days so far"))
        self.charts.show(daily, previous=previous, period=(s.start, s.end),
                         policies=policy_periods(s.scenario, s.start, s.end), title=title,
                         final=False)
        self.charts.set_cursor(self._cursor_date(), final=final)

    def _live_ready(self, generation: int, model: ChannelModel) -> None:
        if generation == self.scheduler.generation and not self.player.playing:
            self.player.adopt(model)

    def _run_failed(self, generation: int, err: BaseException) -> None:
        if generation != self.scheduler.generation:
            return
        kept = " The charts still show the previous run." if self.daily is not None else ""
        self._error(f"The run failed: {type(err).__name__}: {err}.{kept}")
        self.scheduler.finished(generation)

    def wait(self, timeout: float = 120.0) -> None:
        """Block until the latest change has been simulated and drawn (or has failed).

        For scripts and tests; in a notebook the dashboard updates itself, and waiting on the
        kernel's own thread would block the very loop that draws the result.
        """
        if self._main.on_loop_thread():
            raise RuntimeError("Dashboard.wait() would block the kernel that draws the result: "
                               "in a notebook the dashboard updates itself")
        if not self.scheduler.wait(timeout):
            raise TimeoutError(f"the dashboard's run did not finish within {timeout} s")

    # ------------------------------------------------------------------ the live model
    @property
    def model(self) -> ChannelModel:
        """The live model."""
        return self.player.model

    def reset(self) -> None:
        """Rebuild the live model from the current settings (before the first day)."""
        self.player.reset()

    def step(self, days: int = 1) -> None:
        """Advance the live model by ``days`` days."""
        self.player.step(days)

    def play(self) -> None:
        """Animate the live model; the charts are drawn as its days pass."""
        self.player.play()

    def pause(self) -> None:
        """Stop the live player (as its Pause button does)."""
        self.player.pause()

    def _play_changed(self, playing: bool) -> None:
        with self._lock:  # after the day being drawn: the whole period again
            if not playing and self.shown is not None and self._run_shown is not None:
                self._draw_charts(self.shown, self._run_shown, previous=self._previous)

    def _cursor_date(self) -> dt.date | None:
        model = self.player.model
        return model.date if model is not None and model.steps > 0 else None

    def snapshot(self) -> Snapshot:
        """The live model's last day as the map shows it."""
        return snapshot(self.player.model, self.player.hour.value)

    def _show_day(self, model: ChannelModel) -> None:
        """Redraw what follows the live model: map, date, readouts, the charts' cursor."""
        with self._lock:
            snap = snapshot(model, self.player.hour.value)
            self.map.show(snap)
            self.date_label.value = self._date_text(snap)
            self.readout.value = self._readout_text(model, snap)
            if self.player.playing:
                daily = model.results()
                if self._run_shown is not None:
                    self._draw_charts(daily, self._settings)
            else:
                self.charts.set_cursor(self._cursor_date())

    @staticmethod
    def _date_text(snap: Snapshot) -> str:
        if snap.date is None:
            return (f"<b style='font-size:1.2em'>{snap.start:%a %d %b %Y}</b> "
                    f"<span style='color:#555'>· before the first day</span>")
        weather = "crossable" if snap.crossable else "too rough to launch"
        return (f"<b style='font-size:1.2em'>{snap.date:%a %d %b %Y}</b> <span style='color:#555'>· day {snap.day}"
                f" · wind force {snap.beaufort:.0f} ({weather})</span>")

    @staticmethod
    def _readout_text(model: ChannelModel, snap: Snapshot) -> str:
        mv = model.datacollector.model_vars
        total = {k: float(np.sum(mv.get(k, [0]))) for k in
                 ("arrivals", "boats", "deaths", "attempts", "stopped", "returned", "admitted")}
        aboard = float(np.dot(mv.get("people_per_boat", [0]), mv.get("boats", [0])))
        per_boat = aboard / total["boats"] if total["boats"] else 0.0
        waiting = sum(c.waiting for c in snap.camps)
        return (f"Live model so far: arrivals <b>{total['arrivals']:,.0f}</b> in {total['boats']:,.0f} boats · "
                f"people per boat <b>{per_boat:.1f}</b> · deaths <b>{total['deaths']:,.0f}</b> · stopped "
                f"<b>{total['stopped']:,.0f}</b> of {total['attempts']:,.0f} attempts · in camps <b>{waiting:,}</b>"
                f" · returned {total['returned']:,.0f} / admitted {total['admitted']:,.0f}")

    # ------------------------------------------------------------------ comparison and export
    def compare(self, scenario: Any = None, runs: int | None = None):
        """Compare the current settings with ``scenario`` (see :class:`ComparePanel`)."""
        return self.comparison.compare(scenario, runs)

    def _files(self) -> list[tuple[str, bytes, str, str]]:
        if self.daily is None or self._run_shown is None:
            raise RuntimeError("nothing to export yet: the first run has not finished")
        return run_files(self.daily, self._run_shown, self.player.model, self.comparison.runs)

    def prepare_downloads(self) -> list[tuple[str, bytes, str, str]]:
        """Make the current run's files ready to save from the browser (see :class:`ExportPanel`)."""
        return self.exports.prepare()

    # ------------------------------------------------------------------ messages
    def _guarded(self, action: Any, *args: Any) -> None:
        try:
            action(*args)
        except (ParameterError, ValueError, TypeError, OSError, RuntimeError) as err:
            self._error(str(err))

    def _say(self, text: str) -> None:
        self.status.value = f"<span style='color:#1b5e20'>{html.escape(text)}</span>"

    def _error(self, text: str) -> None:
        self.last_error = text
        self.status.value = f"<span style='color:#b00020;font-weight:bold'>⚠ {html.escape(text)}</span>"

    def close(self) -> None:
        """Stop the animation and the background runs, and close the widgets."""
        self.player.pause()
        self.scheduler.close()
        self.comparison.close()
        for w in [*self.sliders.values(), self.map.widget, self.charts.widget, self.widget]:
            w.close()
