"""Weather: the day's sea state (the process itself is :mod:`channelsim.weather`)."""

from __future__ import annotations

from ..weather import UNCROSSABLE_BEAUFORT, make_weather
from .base import Module, Result

__all__ = ["Weather"]


class Weather(Module):
    """Today's wind force, and whether boats can launch."""

    OWNS = ()
    RESULTS = (
        Result("beaufort", "Beaufort", "level", "wind force", dtype=float),
        Result("crossable", "days", "flag", "wind below Beaufort 7: boats can launch", dtype=bool),
    )
    DAY = "dawn: the day's wind force"

    def __init__(self, model, weather) -> None:
        super().__init__(model)
        self.process = make_weather(weather, model.params, model.rng, model.start)
        self.beaufort = 0.0
        self.crossable = False

    def dawn(self) -> None:
        """Read today's wind force and whether boats can cross, and record both in the tally."""
        m = self.model
        self.beaufort = float(self.process.beaufort(m.date))
        self.crossable = self.beaufort < UNCROSSABLE_BEAUFORT - 0.5
        m.tally.beaufort, m.tally.crossable = self.beaufort, self.crossable
