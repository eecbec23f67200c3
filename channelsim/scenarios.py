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
    weekly_return_cap = 50

    [[policies]]
    type = "one_in_one_out"
    start = 2025-08-04
    end = 2026-06-30

    [[policies]]
    type = "maritime_doctrine"
    start = 2026-01-17
    rate = 0.3

A run's policies are the only switch of a policy: the one-in-one-out pilot is part of a scenario
if and only if its ``[[policies]]`` include an entry of type ``"one_in_one_out"``, whose
``start`` and ``end`` are the pilot's dates; its capacities and delays left unset in the entry
take the registry's values (``[params]``: ``weekly_return_cap``, ``detention_places``, ...).

>>> import channelsim
>>> channelsim.scenarios.names()[:2]
['baseline_2024', 'pilot_announced']
"""

from __future__ import annotations

import datetime as dt
import tomllib
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

import tomli_w
from pydantic import ConfigDict, Field, ValidationError, model_validator
from pydantic.dataclasses import dataclass

from . import checks
from .checks import FIRST_DATE, LAST_DATE, MAX_DAYS, CalendarDate
from .params import ParameterError, Params
from .policies import Policy, default_policies, policy_from_dict
from .drivers import parse_paths

__all__ = ["Scenario", "ScenarioError", "DEFAULT", "names", "get", "load", "save", "loads",
           "dumps", "default_policies"]


class ScenarioError(ParameterError):
    """A scenario is unknown, malformed, or holds an invalid value."""


#: The fields of a scenario (the keys of its TOML file) and what each takes, as errors say it.
_EXPECTED = {
    "name": "a non-empty string",
    "description": "a string",
    "start": f"a date (YYYY-MM-DD) between {FIRST_DATE} and {LAST_DATE}",
    "days": f"a whole number of days from 1 to {MAX_DAYS}",
    "params": "a table of registry parameters ([params])",
    "policies": "an array of tables ([[policies]])",
    "paths": "a table of dated paths ([paths.<parameter>] with dates and values)",
}
_KEYS = set(_EXPECTED)


@dataclass(frozen=True, config=ConfigDict(strict=True, extra="forbid"))
class _ScenarioFields:
    name: Annotated[str, Field(min_length=1)] = "default"
    description: str = ""
    start: CalendarDate = dt.date(2024, 1, 1)
    days: Annotated[int, Field(ge=1, le=MAX_DAYS)] = 366
    params: dict[str, Any] = Field(default_factory=dict)
    policies: list[dict[str, Any]] = Field(default_factory=list)
    #: dated paths of parameters: ``{name: {dates, values, interpolation}}`` (channelsim.drivers)
    paths: dict[str, dict[str, Any]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _whole_scenario(self) -> "_ScenarioFields":
        where = f"scenario {self.name!r}"
        try:
            checks.period_end(self.start, self.days)
        except ParameterError as err:
            raise ScenarioError(f"{where}: {err}") from None
        try:
            Params(**self.params)
        except ParameterError as err:
            raise ScenarioError(f"{where}, [params]: {err}") from None
        for k, pol in enumerate(self.policies):
            policy_from_dict(pol, where=f"{where}, policies[{k}]")
        try:
            paths = {k: v.to_dict() for k, v in parse_paths(self.paths).items()}
        except ParameterError as err:
            raise ScenarioError(f"{where}, [paths]: {err}") from None
        object.__setattr__(self, "paths", paths)  # frozen: the checked, normalised form
        return self


class Scenario(_ScenarioFields):
    """A named bundle of parameters and dated policies, with the period it is meant for.

    ``Scenario()`` is the default calibrated year (:data:`DEFAULT`, what runs without a
    scenario): 2024 (366 days from 1 January) with every parameter at its registry default and
    no policy (no pilot).

    Fields are checked on construction (and by ``dataclasses.replace``; a scenario is
    frozen): a bad value raises :class:`ScenarioError` naming the field, the value and what was
    expected. Values are taken strictly: ``days`` a whole ``int``, ``description`` a string, ``start`` a date or
    ``"YYYY-MM-DD"`` between 1900 and 2199, ``params`` valid registry values (see
    :class:`~channelsim.params.Params`).
    """

    def __init__(self, *args: Any, **fields: Any) -> None:
        try:
            super().__init__(*args, **fields)
        except ValidationError as err:
            raise _translate(err, args, fields) from None

    def make_params(self, base: Params | None = None) -> Params:
        """The scenario's parameters on top of ``base`` (the defaults if None)."""
        return (base or Params()).replace(**self.params)

    def make_policies(self, params: Params) -> list[Policy]:
        """Fresh policy objects for one model: standing safe routes if the parameters have
        some (``extra_safe_route_per_week``), then the scenario's ``[[policies]]`` in order,
        their unset settings at their registry values in ``params``."""
        dated = [policy_from_dict(d).take_registry_values(params) for d in self.policies]
        return default_policies(params) + dated

    @property
    def end(self) -> dt.date:
        """The last day of the scenario's period."""
        return self.start + dt.timedelta(days=self.days - 1)

    def to_dict(self) -> dict[str, Any]:
        """The scenario as plain data (name, description, start, days, params, policies,
        paths): new dicts and lists, safe to change."""
        return {"name": self.name, "description": self.description, "start": self.start,
                "days": self.days, "params": dict(self.params),
                "policies": [dict(p) for p in self.policies],
                "paths": {k: dict(v) for k, v in self.paths.items()}}


def _translate(err: ValidationError, args: tuple, fields: dict[str, Any]) -> ScenarioError:
    """The first error of a failed validation as a :class:`ScenarioError` naming the field."""
    first = err.errors()[0]
    original = first.get("ctx", {}).get("error")
    if isinstance(original, ParameterError):  # raised by the whole-scenario rules
        return original if isinstance(original, ScenarioError) else ScenarioError(str(original))
    given = {**dict(zip(_EXPECTED, args)), **fields}
    name = first["loc"][0] if first["loc"] else None
    where = f"scenario {given.get('name', 'default')!r}"
    if name not in _EXPECTED:
        if first["type"] == "unexpected_keyword_argument":
            return ScenarioError(f"{where}: unknown field {name!r}: expected "
                                 + ", ".join(_EXPECTED))
        return ScenarioError(f"{where}: {first['msg']}")
    value = given.get(name, first.get("input"))
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        value = value.isoformat()  # as the file spells it, not datetime.date(1, 1, 1)
    how = "is out of range" if first["type"] in ("greater_than_equal", "less_than_equal") \
        and name == "start" else "is invalid"
    return ScenarioError(f"{where}: {name}={value!r} {how}: expected {_EXPECTED[name]}")


#: The default calibrated year: what runs without a scenario (see :class:`Scenario`).
DEFAULT = Scenario(description="The default calibrated year: the whole of 2024 with every "
                               "parameter at its registry default")


def loads(text: str, source: str = "<string>") -> Scenario:
    """Parse a scenario from TOML text; errors name ``source`` (and the line, for syntax)."""
    try:
        data = tomllib.loads(text.removeprefix("\ufeff"))  # a byte-order mark, as editors write
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
        text = path.read_text(encoding="utf-8-sig")  # with or without a byte-order mark
    except UnicodeDecodeError as err:
        raise ScenarioError(f"{path}: not UTF-8 text (byte {err.start}): expected a TOML "
                            "scenario file") from None
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
            scen = loads(entry.read_text(encoding="utf-8-sig"),
                         source=f"channelsim/data/scenarios/{entry.name}")
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


def get(scenario: str | Scenario | Path | None = None) -> Scenario:
    """A built-in scenario by name, a scenario loaded from a ``.toml`` path, ``scenario`` itself,
    or the default calibrated year (:data:`DEFAULT`) for None.

    Returns a ``Scenario``: its name, description, start date, length in days, parameters,
    policies and dated parameter paths. A name ending in ``.toml`` (or a ``Path``) is read as a
    file. Raises ``ScenarioError`` (a ``ParameterError``) for an unknown name, listing the
    built-in ones, or for a file that is missing, malformed or holds an invalid value, naming
    the field.

    >>> get("baseline_2024").days  # doctest: +SKIP
    >>> get("my_runs/pilot.toml")  # doctest: +SKIP
    """
    if scenario is None:
        return DEFAULT
    if isinstance(scenario, Scenario):
        return scenario
    if isinstance(scenario, Path) or (isinstance(scenario, str) and scenario.endswith(".toml")):
        return load(scenario)
    try:
        return _registry()[scenario]
    except (KeyError, TypeError):
        raise ScenarioError(f"unknown scenario {scenario!r}: expected one of "
                            + ", ".join(names()) + " or a path to a .toml file") from None
