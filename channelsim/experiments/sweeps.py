"""Sweeps: full-factorial grids and samples (Latin hypercube, Sobol) over registry parameters.

A sweep is described by a :class:`SweepSpec`, in Python or as a TOML file::

    scenario = "baseline_2024"     # optional: a name or a path to a scenario TOML file
    days = 365                     # optional: the scenario's own period by default
    seed = 0
    design = "lhs"                 # "grid", "lhs" or "sobol"
    samples = 64                   # points of an lhs or sobol design (a power of 2 for sobol)
    replicates = 3                 # runs per point
    outputs = ["arrivals", "deaths", "people_per_boat"]   # optional: all totals by default

    [parameters]                   # what varies
    officers_per_day = {}                            # the registry's whole range
    stop_effectiveness = { low = 0.05, high = 0.2 }  # within the registry's range
    bf_vessels = [2, 4, 8]                           # listed values (grid designs only)

    [fixed]                        # optional: set for every run
    gang_disruption = 0.2

Bounds default to the registry's ``low``/``high`` and may only narrow them; names, values and
bounds are checked against the registry before anything runs. Integer parameters are sampled
uniformly over their whole numbers. In a grid, numeric parameters without listed values take
``levels`` evenly spaced values (3 by default; a parameter's own ``levels`` overrides it),
true/false parameters both values and choices all their options.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import numbers
import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Mapping, Sequence

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..params import ParameterError, ParamSpec, check_value, spec
from .runner import run_experiment
from .runs import check_outputs, check_seed, resolve_setting

__all__ = ["Factor", "SweepSpec", "SweepResult", "SpecError", "sweep", "DESIGNS"]

#: Sweep designs: ``"grid"`` (every combination of listed values or evenly spaced levels),
#: ``"lhs"`` (Latin hypercube sample) and ``"sobol"`` (scrambled Sobol' sequence).
DESIGNS = ("grid", "lhs", "sobol")
_SPEC_KEYS = ("scenario", "days", "start", "seed", "design", "samples", "levels", "replicates",
              "outputs", "common_random_numbers", "parameters", "fixed")
_FACTOR_KEYS = ("low", "high", "values", "levels")
_DESIGN_STREAM = 0x5EED_DE51  #: mixed into the root seed for the design's own random numbers


class SpecError(ParameterError):
    """A sweep or sensitivity specification is malformed or asks for something invalid."""


def _whole(value: Any, name: str, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise SpecError(f"{name}={value!r} is invalid: expected a whole number >= {minimum}")
    return int(value)


# ------------------------------------------------------------------- validated models
def _spec_error(err: ValidationError) -> ParameterError:
    """The first problem of a :class:`ValidationError` as a :class:`SpecError` in our words
    (an error raised by our own checks comes back as it was raised)."""
    first = err.errors(include_url=False)[0]
    original = (first.get("ctx") or {}).get("error")
    if isinstance(original, ParameterError):
        return original
    where = ".".join(str(part) for part in first["loc"]) or "specification"
    return SpecError(f"{where}={first.get('input')!r} is invalid: {first['msg'].lower()}")


class _Spec(BaseModel):
    """A frozen, validated specification: every way of making one (the constructor,
    :meth:`model_copy`, :meth:`model_validate`) goes through the same checks."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as err:
            raise _spec_error(err) from None

    @classmethod
    def model_validate(cls, obj: Any, **kwargs: Any) -> Any:
        if not isinstance(obj, Mapping):
            raise SpecError(f"expected a table of {cls.__name__} settings, got {type(obj).__name__}")
        return cls(**obj)

    def _fields(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in type(self).model_fields}

    def _with(self, **changes: Any) -> Any:
        return type(self)(**{**self._fields(), **changes})

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Any:
        """A copy with ``update`` applied, checked as a new specification would be."""
        return self._with(**dict(update or {}))

# --------------------------------------------------------------------------------- factors
class Factor(_Spec):
    """One parameter that varies: a range (``low``/``high``, the registry's by default) or a
    list of ``values`` (grids only); ``levels`` sets how many values a grid takes in the range.
    ``Factor(name, low, high)`` also works positionally."""

    name: str = Field(description="a registry parameter")
    low: int | float | None = Field(default=None, allow_inf_nan=False, description="lower bound, in the parameter's unit")
    high: int | float | None = Field(default=None, allow_inf_nan=False, description="upper bound, in the parameter's unit")
    values: tuple[Any, ...] | None = Field(default=None, min_length=1, description="listed values (grids only)")
    levels: int | None = Field(default=None, ge=2, strict=True, description="values a grid takes in the range")

    def __init__(self, name: str | None = None, low: Any = None, high: Any = None,
                 values: Any = None, levels: Any = None, **data: Any) -> None:
        if name is not None:
            data["name"] = name
        given = {"low": low, "high": high, "values": values, "levels": levels}
        super().__init__(**data, **{k: v for k, v in given.items() if v is not None})

    @field_validator("name")
    @classmethod
    def _known(cls, name: str) -> str:
        spec(name)  # raises for unknown names, with a suggestion
        return name

    @field_validator("low", "high", mode="before")
    @classmethod
    def _number(cls, value: Any, info: Any) -> Any:
        if value is not None and (isinstance(value, bool) or not isinstance(value, numbers.Real)):
            raise SpecError(f"{info.data.get('name', '?')}: {info.field_name}={value!r} is invalid: "
                            "expected a number")
        return value

    @classmethod
    def parse(cls, name: str, value: Any) -> "Factor":
        """A factor from its short forms: None or ``{}`` (the registry's range), ``(low, high)``,
        ``[v1, v2, ...]`` (values), or a mapping with ``low``, ``high``, ``values``, ``levels``."""
        if isinstance(value, Factor):
            return value
        if value is None:
            return cls(name)
        if isinstance(value, tuple) and len(value) == 2:
            return cls(name, low=value[0], high=value[1])
        if isinstance(value, (list, tuple)):
            return cls(name, values=tuple(value))
        if isinstance(value, Mapping):
            unknown = [k for k in value if k not in _FACTOR_KEYS]
            if unknown:
                raise SpecError(f"{name}: unknown key {unknown[0]!r}: expected "
                                + ", ".join(_FACTOR_KEYS))
            values = value.get("values")
            if values is not None and not isinstance(values, (list, tuple)):
                raise SpecError(f"{name}: values={values!r} is invalid: expected a list")
            return cls(name, low=value.get("low"), high=value.get("high"),
                       values=tuple(values) if values is not None else None,
                       levels=value.get("levels"))
        raise SpecError(f"{name}={value!r} is invalid: expected a range {{ low = ..., high = ... }}, "
                        "a list of values, or {} for the registry's range")

    @property
    def spec(self) -> ParamSpec:
        """The registry entry of the parameter this factor varies (its unit, kind and bounds);
        raises ``ParameterError`` for an unknown name."""
        return spec(self.name)

    def checked(self, design: str) -> "Factor":
        """This factor with bounds filled in from the registry and values typed by it."""
        s = self.spec  # raises for unknown names, with a suggestion
        if self.values is not None:
            if design != "grid":
                raise SpecError(f"{self.name}: listed values are only for design 'grid': expected "
                                f"a range (low, high) for design {design!r}")
            if self.low is not None or self.high is not None or self.levels is not None:
                raise SpecError(f"{self.name}: give either values or a range (low, high, levels), not both")
            if not self.values:
                raise SpecError(f"{self.name}: values=[] is invalid: expected at least one value")
            typed = tuple(check_value(s.name, v) for v in self.values)  # each value alone; combinations
            # (e.g. base_load at most max_load) are checked point by point before any run
            if len(set(typed)) != len(typed):
                raise SpecError(f"{self.name}: values={list(self.values)!r} repeat a value: "
                                "expected distinct values")
            return self._with(values=typed)
        if s.kind not in ("float", "int"):
            if design == "grid" and s.kind in ("bool", "choice") and self.low is None and self.high is None:
                options = (False, True) if s.kind == "bool" else s.choices
                return self._with(values=tuple(options))
            raise SpecError(
                f"{self.name} is a {s.kind} parameter: it cannot be sampled by design {design!r}; "
                "expected a numeric parameter, or listed values in a 'grid' design, or the value "
                "set once in fixed")
        low = s.low if self.low is None else self.low
        high = s.high if self.high is None else self.high
        for which, v in (("low", low), ("high", high)):
            if isinstance(v, bool) or not isinstance(v, numbers.Real) or not math.isfinite(v):
                raise SpecError(f"{self.name}: {which}={v!r} is invalid: expected a number")
            if v < s.low or v > s.high:
                raise SpecError(f"{self.name}: {which}={v!r} is outside the registry's range: "
                                f"expected {s.expected()}")
        if s.kind == "int" and not (float(low).is_integer() and float(high).is_integer()):
            raise SpecError(f"{self.name}: bounds {low!r} to {high!r} are invalid: expected whole "
                            "numbers for an integer parameter")
        if not low < high:
            raise SpecError(f"{self.name}: low={low!r} is not below high={high!r}: expected low < high")
        levels = self.levels
        if levels is not None:
            if design != "grid":
                raise SpecError(f"{self.name}: levels are only for design 'grid'")
            levels = _whole(levels, f"{self.name}: levels", 2)
        return self._with(low=float(low), high=float(high), levels=levels)

    def scale(self, u: np.ndarray) -> list[Any]:
        """Map uniform numbers in [0, 1) onto this factor's range (whole numbers for integer
        parameters, each equally likely)."""
        if self.spec.kind == "int":
            ints = np.floor(self.low + u * (self.high - self.low + 1))
            return [int(v) for v in np.minimum(ints, self.high)]
        return [float(v) for v in self.low + u * (self.high - self.low)]

    def grid_values(self, levels: int) -> tuple[Any, ...]:
        """The factor's values on a grid, in the parameter's unit: its listed values, or
        ``levels`` (its own ``levels`` if set) evenly spaced from ``low`` to ``high`` inclusive
        (rounded, without repeats, for an integer parameter)."""
        if self.values is not None:
            return self.values
        n = self.levels or levels
        values = np.linspace(self.low, self.high, n)
        if self.spec.kind == "int":
            return tuple(dict.fromkeys(int(round(v)) for v in values))
        return tuple(float(v) for v in values)

    def describe(self) -> dict[str, Any]:
        """The factor as its TOML specification gives it: the fields that are set (``low``,
        ``high``, ``values`` as a list, ``levels``), without the name."""
        d = {k: v for k, v in self._fields().items() if v is not None and k != "name"}
        if "values" in d:
            d["values"] = list(d["values"])
        return d


# ------------------------------------------------------------------------------------ spec
class SweepSpec(_Spec):
    """What a sweep runs: which parameters vary and how, over which scenario and period, with
    how many replicates per point. See the module's documentation for the TOML form.

    Every way of making one checks it against the registry: names, ranges, values, the design's
    rules and the period; an error names the setting that is wrong."""

    parameters: tuple[Factor, ...] = Field(min_length=1, description="the parameters that vary")
    design: Literal["grid", "lhs", "sobol"] = "grid"
    samples: int | None = Field(default=None, ge=1, strict=True, description="points of an lhs or sobol design")
    levels: int = Field(default=3, ge=2, strict=True,
                        description="values per numeric parameter in a grid, unless listed or set per parameter")
    replicates: int = Field(default=1, ge=1, strict=True,
                            description="runs per point, with common random numbers across points")
    scenario: Any = None
    days: int | None = Field(default=None, ge=1, strict=True, description="days simulated")
    start: Any = None
    seed: int = Field(default=0, ge=0, strict=True, description="the root seed")
    outputs: tuple[str, ...] | None = Field(default=None, description="totals to keep (all by default)")
    fixed: dict[str, Any] = Field(default_factory=dict, description="parameters set for every run")
    common_random_numbers: bool = Field(default=True, strict=True,
                                        description="every point sees the same replicate streams")

    @model_validator(mode="before")
    @classmethod
    def _checked(cls, data: Any) -> Any:
        return _check_spec(dict(data)) if isinstance(data, Mapping) else data

    @classmethod
    def create(cls, parameters: Mapping[str, Any] | Sequence[str], **fields: Any) -> "SweepSpec":
        """A checked specification; ``parameters`` maps names to ranges, values or None (see
        :meth:`Factor.parse`), or lists names to sweep over the registry's ranges."""
        return cls(parameters=parameters, **fields)

    def checked(self) -> "SweepSpec":
        """This specification (checked when it was made)."""
        return self


    # ----------------------------------------------------------------------------- TOML
    @classmethod
    def loads(cls, text: str, source: str = "<string>", base: Path | None = None) -> "SweepSpec":
        """A specification from TOML text; errors name ``source`` and, where they can, the line."""
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as err:
            raise SpecError(f"{source}: malformed TOML: {err}") from None
        try:
            unknown = [k for k in data if k not in _SPEC_KEYS]
            if unknown:
                raise SpecError(f"unknown key {unknown[0]!r}: expected one of " + ", ".join(_SPEC_KEYS))
            if "parameters" not in data:
                raise SpecError("missing [parameters]: expected a table of the parameters to vary")
            if not isinstance(data["parameters"], dict):
                raise SpecError("parameters must be a table ([parameters])")
            scen = data.get("scenario")
            if isinstance(scen, str) and scen.endswith(".toml") and base is not None:
                data["scenario"] = str((base / scen).resolve()) if not Path(scen).is_absolute() else scen
            if "outputs" in data and isinstance(data["outputs"], list):
                data["outputs"] = tuple(data["outputs"])
            parameters = data.pop("parameters")
            return cls.create(parameters, **data)
        except ParameterError as err:
            line = _line_of(text, str(err))
            where = f"{source}, line {line}" if line else source
            raise SpecError(f"{where}: {err}") from None

    @classmethod
    def load(cls, path: str | os.PathLike) -> "SweepSpec":
        """A specification from a TOML file (a scenario path in it is relative to the file)."""
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as err:
            raise SpecError(f"{path}: cannot read the sweep specification: {err.strerror}") from None
        return cls.loads(text, source=str(path), base=path.parent)

    def to_dict(self) -> dict[str, Any]:
        """The specification as plain data (the TOML form's tables and keys)."""
        d = {"scenario": str(self.scenario) if self.scenario is not None and not hasattr(self.scenario, "name")
             else getattr(self.scenario, "name", None),
             "days": self.days, "start": self.start, "seed": self.seed, "design": self.design,
             "samples": self.samples, "levels": self.levels, "replicates": self.replicates,
             "outputs": list(self.outputs) if self.outputs else None,
             "common_random_numbers": self.common_random_numbers,
             "parameters": {f.name: f.describe() for f in self.parameters}, "fixed": dict(self.fixed)}
        return {k: v for k, v in d.items() if v is not None}

    # --------------------------------------------------------------------------- design
    def points(self) -> pd.DataFrame:
        """The design: one row per point (indexed ``point``), one column per swept parameter."""
        factors = self.parameters
        if self.design == "grid":
            rows = list(itertools.product(*(f.grid_values(self.levels) for f in factors)))
            frame = pd.DataFrame(rows, columns=[f.name for f in factors])
        else:
            from scipy.stats import qmc

            rng = np.random.default_rng(np.random.SeedSequence([self.seed, _DESIGN_STREAM]))
            d = len(factors)
            if self.design == "lhs":
                u = qmc.LatinHypercube(d=d, rng=rng).random(self.samples)
            else:
                u = qmc.Sobol(d=d, scramble=True, rng=rng).random_base2(int(math.log2(self.samples)))
            frame = pd.DataFrame({f.name: f.scale(u[:, j]) for j, f in enumerate(factors)})
        frame.index.name = "point"
        return frame


def _check_parameters(parameters: Any, design: str) -> tuple[Factor, ...]:
    if isinstance(parameters, str) or not isinstance(parameters, (Mapping, list, tuple)):
        raise SpecError(f"parameters={parameters!r} is invalid: expected a table of parameter "
                        "names and their ranges or values")
    if not isinstance(parameters, Mapping):
        parameters = {getattr(p, "name", p): p for p in parameters} if all(
            isinstance(p, Factor) for p in parameters) else {name: None for name in parameters}
    if not parameters:
        raise SpecError("parameters is empty: expected at least one parameter to vary")
    factors = []
    for name, value in parameters.items():
        try:
            factors.append(Factor.parse(name, value).checked(design))
        except ParameterError as err:
            raise SpecError(f"[parameters] {err}") from None
    names = [f.name for f in factors]
    if len(set(names)) != len(names):
        raise SpecError(f"[parameters] {names!r} names a parameter twice")
    return tuple(factors)


def _check_samples(design: str, samples: Any) -> int | None:
    if design == "grid":
        if samples is not None:
            raise SpecError("samples is for designs 'lhs' and 'sobol': a grid's size is the "
                            "product of its parameters' values (see levels)")
        return None
    if samples is None:
        raise SpecError(f"design {design!r} needs samples: expected a number of points >= 1")
    samples = _whole(samples, "samples")
    if design == "sobol" and samples & (samples - 1):
        raise SpecError(f"samples={samples} is invalid for design 'sobol': expected a power "
                        f"of 2 such as {2 ** int(math.log2(samples))} or "
                        f"{2 ** math.ceil(math.log2(samples))} (Sobol points are balanced "
                        "only in powers of 2)")
    return samples


def _check_spec(data: dict[str, Any]) -> dict[str, Any]:
    """A sweep specification's settings checked against the registry, with defaults filled in
    and values typed; a :class:`SpecError` names the setting that is wrong."""
    unknown = [k for k in data if k not in _SPEC_KEYS]
    if unknown:
        raise SpecError(f"unknown sweep setting {unknown[0]!r}: expected one of "
                        + ", ".join(k for k in _SPEC_KEYS if k != "parameters"))
    design = data.get("design", "grid")
    if design not in DESIGNS:
        raise SpecError(f"design={design!r} is invalid: expected one of " + ", ".join(map(repr, DESIGNS)))
    factors = _check_parameters(data.get("parameters"), design)
    fixed = data.get("fixed") or {}
    if not isinstance(fixed, Mapping):
        raise SpecError(f"fixed={fixed!r} is invalid: expected a table of parameter values")
    both = sorted(set(fixed) & {f.name for f in factors})
    if both:
        raise SpecError(f"{both[0]} is both swept ([parameters]) and fixed: expected one or the other")
    try:
        fixed = {name: check_value(name, value) for name, value in fixed.items()}
    except ParameterError as err:
        raise SpecError(f"[fixed] {err}") from None
    try:
        setting = resolve_setting(data.get("scenario"), data.get("days"), data.get("start"))
        seed, outputs = check_seed(data.get("seed", 0)), check_outputs(data.get("outputs"))
    except SpecError:
        raise
    except ParameterError as err:
        raise SpecError(str(err)) from None
    crn = data.get("common_random_numbers", True)
    if not isinstance(crn, bool):
        raise SpecError(f"common_random_numbers={crn!r} is invalid: expected true or false")
    return {**data, "parameters": factors, "design": design,
            "samples": _check_samples(design, data.get("samples")),
            "levels": _whole(data.get("levels", 3), "levels", 2),
            "replicates": _whole(data.get("replicates", 1), "replicates"),
            "seed": seed, "outputs": outputs,
            "days": setting.days if data.get("days") is not None else None,
            "fixed": fixed, "common_random_numbers": crn}


def _line_of(text: str, message: str) -> int | None:
    """The line of ``text`` that the error ``message`` is most likely about: the first line
    that sets a key named in the message."""
    lines = text.splitlines()
    words = re.findall(r"[A-Za-z_][A-Za-z0-9_]*", message)
    sections = [w for w in words if w in ("parameters", "fixed")]
    for name in [w for w in words if w not in sections] + sections:
        pattern = re.compile(rf"^\s*(\[\s*)?(parameters\.|fixed\.)?\"?{re.escape(name)}\"?\s*[=\]]")
        for i, line in enumerate(lines, start=1):
            if pattern.match(line):
                return i
    return None


def _design_digest(points: pd.DataFrame) -> str:
    data = json.dumps(points.reset_index().to_dict(orient="list"), default=str, sort_keys=True)
    return hashlib.sha256(data.encode()).hexdigest()


# ---------------------------------------------------------------------------------- result
@dataclass
class SweepResult:
    """What :func:`sweep` returns.

    Attributes:
        spec: the checked specification.
        points: the design, one row per point (index ``point``).
        summary: one row per finished run: ``point``, ``replicate``, ``seed``, the swept
            parameters, then the run's totals (``spec.outputs``, or all of them).
        failures: one row per failed run: key, seed, parameters, error, traceback.
        out: the folder the runs were written to, if any.
    """

    spec: SweepSpec
    points: pd.DataFrame
    summary: pd.DataFrame
    failures: pd.DataFrame
    out: Path | None = None

    def __repr__(self) -> str:
        total = len(self.points) * self.spec.replicates
        return (f"SweepResult({self.spec.design} over {', '.join(f.name for f in self.spec.parameters)}: "
                f"{len(self.points)} points x {self.spec.replicates} replicates, {len(self.summary)} "
                f"of {total} runs finished, {len(self.failures)} failed)")

    @property
    def outputs(self) -> list[str]:
        """The names of the run totals in ``summary`` (its columns other than the varied
        parameters, ``point``, ``replicate`` and ``seed``)."""
        params = {f.name for f in self.spec.parameters}
        return [c for c in self.summary.columns if c not in params | {"point", "replicate", "seed"}]

    def means(self) -> pd.DataFrame:
        """One row per point: its parameters, the mean of each output over its replicates, and
        the number of finished ``runs`` averaged."""
        grouped = self.summary.groupby("point")[self.outputs]
        out = self.points.join(grouped.mean()).join(grouped.size().rename("runs"))
        out["runs"] = out["runs"].fillna(0).astype(int)
        return out


def sweep(spec: SweepSpec | Mapping[str, Any] | Sequence[str] | str | os.PathLike, *,
          executor: Any = None, progress: bool = True, out: str | os.PathLike | None = None,
          format: Literal["parquet", "csv"] = "parquet", crashed: Literal["skip", "retry"] = "skip",
          allow_version_change: bool = False, allow_large: bool = False, **fields: Any) -> SweepResult:
    """Run a sweep and collect one row per run.

    ``spec`` is a :class:`SweepSpec`, a path to its TOML file, or the ``parameters`` table with
    the other settings as keywords::

        sweep({"officers_per_day": (400, 2000), "bf_vessels": [2, 4, 8]}, levels=5, replicates=3)
        sweep(["officers_per_day", "stop_effectiveness"], design="lhs", samples=64, days=180)

    ``executor``, ``progress``, ``out``, ``format``, ``crashed``, ``allow_version_change`` and
    ``allow_large`` are as for :func:`channelsim.ensemble`:
    with ``out``, each run is written as it finishes and a sweep started again with the same
    specification skips the runs already there (adding replicates reuses the finished ones).
    """
    if isinstance(spec, (SweepSpec, str, os.PathLike)):
        spec = spec if isinstance(spec, SweepSpec) else SweepSpec.load(spec)
        unknown = [k for k in fields if k not in _SPEC_KEYS]
        if unknown:
            raise SpecError(f"unknown sweep setting {unknown[0]!r}: expected one of "
                            + ", ".join(_SPEC_KEYS))
        spec = spec.model_copy(update=fields)
    else:
        spec = SweepSpec.create(spec, **fields)
    setting = resolve_setting(spec.scenario, spec.days, spec.start)
    points = spec.points()
    identity = {"kind": "sweep", "scenario": setting.scenario_name,
                "scenario_toml": setting.scenario_toml, "days": setting.days,
                "start": setting.start.isoformat(), "seed": spec.seed, "design": spec.design,
                "samples": spec.samples, "levels": spec.levels, "fixed": spec.fixed,
                "common_random_numbers": spec.common_random_numbers,
                "parameters": {f.name: f.describe() for f in spec.parameters},
                "design_sha256": _design_digest(points)}
    point_dicts = [{**spec.fixed, **row} for row in points.to_dict(orient="records")]
    runs = run_experiment(point_dicts, setting=setting, replicates=spec.replicates, seed=spec.seed,
                          identity=identity, common_random_numbers=spec.common_random_numbers,
                          executor=executor, progress=progress, out=out, format=format,
                          desc=f"sweep ({spec.design}, {len(points)} points)", crashed=crashed,
                          allow_version_change=allow_version_change, allow_large=allow_large)
    summary = runs.summary.drop(columns=list(spec.fixed), errors="ignore")
    if spec.outputs is not None and len(summary):
        keep = ["point", "replicate", "seed", *[f.name for f in spec.parameters], *spec.outputs]
        summary = summary[keep]
    failures = runs.failures.drop(columns=list(spec.fixed), errors="ignore")
    return SweepResult(spec=spec, points=points, summary=summary, failures=failures,
                       out=Path(out) if out is not None else None)
