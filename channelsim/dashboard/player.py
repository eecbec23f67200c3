"""The live player: a model you step through day by day, with Play, Step, Reset, its speed and
the hour of the night the map shows.

It holds the live model and draws nothing itself: after each day it calls ``on_day(model)``
(the dashboard redraws the map, the readouts and the charts' cursor). Play runs as a task on
the kernel's event loop, so the kernel keeps answering the controls while it plays; in a
script without a loop it runs in a thread.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from typing import Any

import ipywidgets as widgets
import numpy as np

from ..params import ParameterError
from .scheduler import MainLoop

__all__ = ["LivePlayer"]


class LivePlayer:
    """Play / pause, step, reset and the map's hour for one live model."""

    def __init__(self, main: MainLoop, build: Callable[[], Any], on_day: Callable[[Any], None],
                 on_error: Callable[[str], None], on_play: Callable[[bool], None] = lambda playing: None) -> None:
        self.main, self.build, self.on_day, self.on_error, self.on_play = main, build, on_day, on_error, on_play
        self.model: Any = None
        self.playing = False
        self._task: Any = None
        self.lock = threading.RLock()
        W = widgets
        self.play_button = W.ToggleButton(description="Play", icon="play", tooltip="Animate the live model day by day",
                                          layout=W.Layout(width="86px"))
        self.step_button = W.Button(description="Step", icon="step-forward", tooltip="Advance the live model one day",
                                    layout=W.Layout(width="80px"))
        self.reset_button = W.Button(description="Reset", icon="undo", tooltip="Back to before the first day",
                                     layout=W.Layout(width="84px"))
        self.speed = W.IntSlider(value=5, min=1, max=30, description="days a second",
                                 tooltip="Speed of Play (simulated days a second)", continuous_update=True,
                                 style={"description_width": "95px"}, layout=W.Layout(width="250px"))
        self.hour = W.FloatSlider(value=3.0, min=0.0, max=23.5, step=0.5, description="map at hour",
                                  tooltip="Hour of the night the map shows the day's boats at (0-23.5)",
                                  readout_format=".1f", continuous_update=True,
                                  style={"description_width": "80px"}, layout=W.Layout(width="280px"))
        self.night = W.Play(value=0, min=0, max=23, step=1, interval=400, tooltip="Animate the night hour by hour",
                            layout=W.Layout(width="150px"))
        self.night.observe(lambda c: setattr(self.hour, "value", float(c["new"])), names="value")
        for name, w in (("play", self.play_button), ("step", self.step_button), ("reset", self.reset_button),
                        ("hour", self.hour), ("night", self.night)):
            w.add_class(f"channelsim-{name}")
        self.play_button.observe(self._toggled, names="value")
        self.step_button.on_click(lambda _: self._guarded(self.step, 1))
        self.reset_button.on_click(lambda _: self._guarded(self.reset))
        self.hour.observe(lambda _: self._show(), names="value")
        self.controls = W.HBox([self.play_button, self.step_button, self.reset_button, self.speed],
                               layout=W.Layout(flex_flow="row wrap", align_items="center"))
        self.hour_row = W.HBox([self.hour, self.night], layout=W.Layout(flex_flow="row wrap", align_items="center"))

    @property
    def day(self) -> int:
        """Days the live model has simulated."""
        return int(self.model.steps) if self.model is not None else 0

    def adopt(self, model: Any) -> None:
        """Make ``model`` the live model (e.g. the same day under new settings) and draw it."""
        with self.lock:
            self.model = model
        self._show()

    def reset(self) -> None:
        """A fresh live model from the current settings, before its first day."""
        self.adopt(self.build())

    def step(self, days: int = 1) -> None:
        """Advance the live model by ``days`` days and draw it."""
        if isinstance(days, bool) or not isinstance(days, (int, np.integer)) or days < 1:
            raise ParameterError(f"days={days!r} is invalid: expected a whole number of days >= 1")
        with self.lock:
            if self.model is None:
                self.model = self.build()
            for _ in range(int(days)):
                self.model.step()
        self._show()

    def _show(self) -> None:
        if self.model is not None:
            self.on_day(self.model)

    def _guarded(self, action: Callable[..., Any], *args: Any) -> None:
        try:
            action(*args)
        except (ParameterError, ValueError, RuntimeError) as err:
            self.on_error(str(err))

    # ------------------------------------------------------------------ play / pause
    def _toggled(self, change: dict[str, Any]) -> None:
        self.play() if change["new"] else self.pause()

    def _set_button(self, playing: bool) -> None:
        self.play_button.unobserve(self._toggled, names="value")
        try:
            self.play_button.value = playing
            self.play_button.description = "Pause" if playing else "Play"
            self.play_button.icon = "pause" if playing else "play"
        finally:
            self.play_button.observe(self._toggled, names="value")

    def play(self) -> None:
        """Step the live model at ``speed`` days a second until :meth:`pause`."""
        if self.playing:
            return
        self.playing = True
        self._set_button(True)
        self.on_play(True)
        if self.main.on_loop_thread():
            self._task = self.main.loop.create_task(self._play_async())
        else:
            self._task = threading.Thread(target=self._play_thread, daemon=True, name="channelsim-play")
            self._task.start()

    def pause(self) -> None:
        """Stop after the current day."""
        was = self.playing
        self.playing = False
        self._set_button(False)
        if was:
            self.on_play(False)

    def _frame(self) -> float:
        started = time.perf_counter()
        self.step(1)
        return max(0.0, 1.0 / self.speed.value - (time.perf_counter() - started))

    async def _play_async(self) -> None:
        try:
            while self.playing:
                await asyncio.sleep(self._frame())
        except Exception as err:  # noqa: BLE001 - shown; the animation stops
            self.on_error(f"Play stopped: {type(err).__name__}: {err}")
        finally:
            self.pause()

    def _play_thread(self) -> None:
        try:
            while self.playing:
                time.sleep(self._frame())
        except Exception as err:  # noqa: BLE001
            self.on_error(f"Play stopped: {type(err).__name__}: {err}")
        finally:
            self.pause()
