"""Named scenarios: parameters plus dated policies, with their period, saved as TOML.

A scenario is a bundle a user can name, share and re-run: registry parameters that differ from
the defaults, dated policies (:mod:`channelsim.policies`), and the period it is meant to be
run over. The built-in scenarios live in ``channelsim/data/scenarios/*.toml``; ``load`` and
``save`` read and write the same format::

    name = "pilot_announced"
    description = "The pilot as announced: about 50 returns a week"
    start = 2025-01-01
    days = 546

    [params]
    pilot_enabled = true

    [[policies]]
    type = "sea_interceptions"
    start = 2025-08-04
    rate = 0.3

>>> import channelsim
>>> channelsim.scenarios.names()[:2]
['baseline_2024', 'pilot_announced']
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import tomli_w

from .params import ParameterError, Params
from .policies import Policy, default_policies, policy_from_dict
from .drivers import parse_paths

__all__ = ["Scenario", "ScenarioError", "names", "get", "load", "save", "loads", "dumps",
           "default_policies"]


class ScenarioError(ParameterError):
    """A scenario is unknown, malformed, or holds an invalid value."""


_KEYS = {"name", "description", "start", "days", "params", "policies", "paths"}


@dataclass
class Scenario:
    """A named bundle of parameters and dated policies, with the period it is meant for."""

    name: str
    description: str = ""
    start: dt.date = dt.date(2024, 1, 1)
    days: int = 365
    params: dict[str, Any] = field(default_factory=dict)
    policies: list[dict[str, Any]] = field(default_factory=list)
    #: dated paths of parameters: ``{name: {dates, values, interpolation}}`` (channelsim.drivers)
    paths: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        where = f"scenario {self.name!r}"
        if not isinstance(self.name, str) or not self.name:
            raise ScenarioError(f"scenario name={self.name!r} is invalid: expected a non-empty string")
        if isinstance(self.start, str):
            try:
                self.start = dt.date.fromisoformat(self.start)
            except ValueError:
                raise ScenarioError(f"{where}: start={self.start!r} is invalid: expected a date") from None
        if isinstance(self.start, dt.datetime) or not isinstance(self.start, dt.date):
            raise ScenarioError(f"{where}: start={self.start!r} is invalid: expected a date")
        if isinstance(self.days, bool) or not isinstance(self.days, int) or self.days < 1:
            raise ScenarioError(f"{where}: days={self.days!r} is invalid: expected a whole number >= 1")
        try:
            Params(**self.params)
        except ParameterError as err:
            raise ScenarioError(f"{where}, [params]: {err}") from None
        for k, pol in enumerate(self.policies):
            policy_from_dict(pol, where=f"{where}, policies[{k}]")
        try:
            self.paths = {k: v.to_dict() for k, v in parse_paths(self.paths).items()}
        except ParameterError as err:
            raise ScenarioError(f"{where}, [paths]: {err}") from None

    def make_params(self, base: Params | None = None) -> Params:
        """The scenario's parameters on top of ``base`` (the defaults if None)."""
        return (base or Params()).replace(**self.params)

    def make_policies(self, params: Params) -> list[Policy]:
        """Fresh policy objects for one model: those the parameters switch on (the pilot,
        standing safe routes) and the scenario's dated policies."""
        return default_policies(params) + [policy_from_dict(d) for d in self.policies]

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "description": self.description, "start": self.start,
                "days": self.days, "params": dict(self.params),
                "policies": [dict(p) for p in self.policies],
                "paths": {k: dict(v) for k, v in self.paths.items()}}


def loads(text: str, source: str = "<string>") -> Scenario:
    """Parse a scenario from TOML text; errors name ``source`` (and the line, for syntax)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ScenarioError(f"{source}: malformed TOML: {err}") from None
    unknown = sorted(set(data) - _KEYS)
    if unknown:
        raise ScenarioError(f"{source}: unknown key {unknown[0]!r}: expected "
                            + ", ".join(sorted(_KEYS)))
    if "name" not in data:
        raise ScenarioError(f"{source}: missing key 'name'")
    if not isinstance(data.get("params", {}), dict):
        raise ScenarioError(f"{source}: 'params' must be a table ([params])")
    policies = data.get("policies", [])
    if not isinstance(policies, list) or not all(isinstance(p, dict) for p in policies):
        raise ScenarioError(f"{source}: 'policies' must be an array of tables ([[policies]])")
    try:
        return Scenario(**data)
    except ParameterError as err:
        raise ScenarioError(f"{source}: {err}") from None


def dumps(scenario: Scenario) -> str:
    """The scenario as TOML text (read back by :func:`loads` into an equal scenario)."""
    data = scenario.to_dict()
    if not data["policies"]:
        del data["policies"]
    if not data["paths"]:
        del data["paths"]
    return tomli_w.dumps(data)


def load(path: str | Path) -> Scenario:
    """Read a scenario from a TOML file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise ScenarioError(f"{path}: cannot read scenario file: {err.strerror}") from None
    return loads(text, source=str(path))


def save(scenario: Scenario, path: str | Path) -> Path:
    """Write a scenario to a TOML file; returns the path."""
    path = Path(path)
    path.write_text(dumps(scenario), encoding="utf-8")
    return path


def _builtin() -> dict[str, Scenario]:
    folder = resources.files("channelsim.data").joinpath("scenarios")
    found = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            scen = loads(entry.read_text(encoding="utf-8"), source=f"channelsim/data/scenarios/{entry.name}")
            found[scen.name] = scen
    order = ["baseline_2024", "pilot_announced", "pilot_scaled", "sea_interceptions",
             "crackdown_and_disruption", "enforcement_without_pilot", "no_policy_counterfactual"]
    return {k: found[k] for k in sorted(found, key=lambda k: (order.index(k) if k in order else 99, k))}


_REGISTRY: dict[str, Scenario] | None = None


def _registry() -> dict[str, Scenario]:
    global _REGISTRY
    if _REGISTRY is None:
        _REGISTRY = _builtin()
    return _REGISTRY


def names() -> list[str]:
    """Names of the built-in scenarios."""
    return list(_registry())


def get(scenario: str | Scenario | Path) -> Scenario:
    """A built-in scenario by name, a scenario loaded from a ``.toml`` path, or ``scenario``."""
    if isinstance(scenario, Scenario):
        return scenario
    if isinstance(scenario, Path) or (isinstance(scenario, str) and scenario.endswith(".toml")):
        return load(scenario)
    try:
        return _registry()[scenario]
    except (KeyError, TypeError):
        raise ScenarioError(f"unknown scenario {scenario!r}: expected one of "
                            + ", ".join(names()) + " or a path to a .toml file") from None
