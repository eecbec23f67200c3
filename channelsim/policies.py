"""Policies: dated, composable objects plugged into the model (filled in below)."""

from __future__ import annotations

import datetime as dt
from typing import Any


class Policy:
    """Base class: a policy in force from ``start`` to ``end`` (inclusive; None = open)."""

    name = "policy"

    def __init__(self, start: dt.date | None = None, end: dt.date | None = None) -> None:
        self.start, self.end = start, end
        self.model: Any = None

    def attach(self, model) -> None:
        self.model = model

    def active(self, date: dt.date) -> bool:
        return (self.start is None or date >= self.start) and (self.end is None or date <= self.end)

    def adjust(self, model, levers) -> None:
        """Change today's levers (before anything happens)."""

    def on_landed(self, model, landed) -> None:
        """Act on the people who landed in the UK today (population slots)."""

    def on_day_end(self, model) -> None:
        """Finish the day's work (called even when inactive, to finish open cases)."""
