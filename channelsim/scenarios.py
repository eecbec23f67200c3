"""Named scenarios (filled in with the policy module)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Scenario:
    name: str
    description: str
    params: dict[str, Any] = field(default_factory=dict)

    def make_policies(self, params) -> list:
        return []


_REGISTRY = {"baseline_2024": Scenario("baseline_2024", "The calibrated 2024 year, without the pilot")}


def names() -> list[str]:
    return list(_REGISTRY)


def get(scenario) -> Scenario:
    if isinstance(scenario, Scenario):
        return scenario
    try:
        return _REGISTRY[scenario]
    except (KeyError, TypeError):
        raise ValueError(f"unknown scenario {scenario!r}: expected one of {', '.join(names())}") from None


def default_policies(params) -> list:
    return []
