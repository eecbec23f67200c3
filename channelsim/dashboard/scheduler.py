"""The run scheduler: simulates the dashboard's period in the background, day by day, and
hands the results so far to the kernel's event loop as they grow.

A change of a control asks for a run (:meth:`RunScheduler.request`); after a short quiet time
(``debounce_seconds``) one worker thread builds the model and steps it, sending the daily
results so far after the first day and then every ``update_seconds`` (or a tenth of the time
spent so far, if longer, so that drawing never costs more than about a tenth of the run), so
the charts fill in while the year is computed. A newer request supersedes the run: it stops at its next day and
nothing more of it is shown. When the run reaches the day the live model was on, a copy of
the model at that day is handed over, so the live model comes back to the same day under the
new settings without simulating those days twice.
"""

from __future__ import annotations

import asyncio
import concurrent.futures as cf
import copy
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import pandas as pd

__all__ = ["MainLoop", "Progress", "RunScheduler"]


class MainLoop:
    """Calls functions on the kernel's event loop (where widgets live); directly when there
    is no running loop (scripts and tests)."""

    def __init__(self) -> None:
        try:
            self.loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
            self.thread: int | None = threading.get_ident()
        except RuntimeError:
            self.loop, self.thread = None, None

    @property
    def running(self) -> bool:
        """Whether the kernel's event loop is running (then results are handed over on it)."""
        return self.loop is not None and not self.loop.is_closed() and self.loop.is_running()

    def on_loop_thread(self) -> bool:
        """Whether the caller is on the event loop's thread."""
        return self.running and threading.get_ident() == self.thread

    def call(self, fn: Callable[[], None]) -> None:
        """Run ``fn`` on the event loop's thread (at once when already there)."""
        if not self.running or threading.get_ident() == self.thread:
            fn()
        else:
            self.loop.call_soon_threadsafe(fn)


@dataclass(frozen=True)
class Progress:
    """The state of a run, as handed to the dashboard."""

    generation: int
    settings: Any  #: the :class:`RunSettings` of the run
    daily: pd.DataFrame  #: the daily results so far
    done: bool
    requested_at: float  #: perf_counter() of the change that asked for the run
    run_seconds: float  #: simulating so far


class RunScheduler:
    """One background run of the period at a time (see the module's docstring).

    Callbacks, all called through ``main``: ``on_progress(Progress)`` as days are computed,
    ``on_live(generation, model)`` with a copy of the model at the requested live day, and
    ``on_failed(generation, error)``.
    """

    def __init__(self, main: MainLoop, build: Callable[[Any], Any], *,
                 on_progress: Callable[[Progress], None], on_live: Callable[[int, Any], None],
                 on_failed: Callable[[int, BaseException], None], debounce_seconds: float = 0.1,
                 update_seconds: float = 0.25) -> None:
        self.main, self.build = main, build
        self.on_progress, self.on_live, self.on_failed = on_progress, on_live, on_failed
        self.debounce_seconds = float(debounce_seconds)
        self.update_seconds = float(update_seconds)
        self.generation = 0
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None
        self._idle = threading.Event()
        self._idle.set()
        self._pool = cf.ThreadPoolExecutor(max_workers=1, thread_name_prefix="channelsim-run")

    def request(self, settings: Any, *, requested_at: float | None = None, live_day: int = 0,
                delay: float | None = None) -> int:
        """Run ``settings`` after the quiet time; returns the run's generation."""
        t0 = time.perf_counter() if requested_at is None else requested_at
        with self._lock:
            self.generation += 1
            generation = self.generation
            if self._timer is not None:
                self._timer.cancel()
            self._idle.clear()
            wait = self.debounce_seconds if delay is None else delay
            start = partial(self._pool.submit, self._simulate, generation, settings, t0, live_day)
            if wait <= 0:
                start()
            else:
                self._timer = threading.Timer(wait, start)
                self._timer.daemon = True
                self._timer.start()
        return generation

    def cancel(self) -> None:
        """Supersede the current run without starting another."""
        with self._lock:
            self.generation += 1
            if self._timer is not None:
                self._timer.cancel()
        self._idle.set()

    def finished(self, generation: int) -> None:
        """The dashboard has shown the last of run ``generation`` (or its failure)."""
        if generation == self.generation:
            self._idle.set()

    def wait(self, timeout: float) -> bool:
        """Block until the latest run has been shown; False on timeout."""
        return self._idle.wait(timeout)

    def _simulate(self, generation: int, settings: Any, t0: float, live_day: int) -> None:
        """Worker thread: the whole period, handing over results as they grow."""
        try:
            started = time.perf_counter()
            model = self.build(settings)
            live_day = min(int(live_day), settings.days)
            sent = -1.0
            for day in range(1, settings.days + 1):
                if generation != self.generation:
                    return
                model.step()
                if day == live_day:
                    self.main.call(partial(self.on_live, generation, copy.deepcopy(model)))
                now = time.perf_counter()
                # the first days at once, then every update_seconds, less often as the run goes on
                interval = max(self.update_seconds, 0.1 * (now - started))
                if day < settings.days and (sent < 0 or now - sent >= interval):
                    sent = now
                    self._send(generation, settings, model, False, t0, now - started)
                if day == 1 and live_day == 0:  # after the first update: a fresh live model
                    self.main.call(partial(self.on_live, generation, self.build(settings)))
            self._send(generation, settings, model, True, t0, time.perf_counter() - started)
        except Exception as err:  # noqa: BLE001 - shown in the dashboard; previous results kept
            self.main.call(partial(self.on_failed, generation, err))

    def _send(self, generation: int, settings: Any, model: Any, done: bool, t0: float,
              seconds: float) -> None:
        progress = Progress(generation, settings, model.results(), done, t0, seconds)
        self.main.call(partial(self.on_progress, progress))

    def close(self) -> None:
        """Stop the run under way, if any, and the scheduler's worker thread."""
        self.cancel()
        self._pool.shutdown(wait=False, cancel_futures=True)
