"""Controls generated from the parameter registry.

One widget per :data:`channelsim.params.REGISTRY` entry, never written out by hand: numbers
become sliders whose bounds are the registry's bounds, booleans checkboxes, choices dropdowns
and dates date pickers. Labels read ``name (unit)``; the tooltip is the description and the
source. Widgets are grouped by the registry's groups (agent types and policies).

A value set from code is checked against the registry entry and rejected with the registry's
own message (:class:`ControlValueError`, a :class:`~channelsim.params.ParameterError`), so a
slider never silently clamps a value the user typed.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import ipywidgets as widgets
from traitlets import Any as AnyTrait
from traitlets import HasTraits, TraitError, validate

from ..params import GROUPS, ParameterError, ParamSpec, Params, groups

__all__ = ["ControlValueError", "ParameterControls", "make_control", "slider_step", "checked_value"]

LABEL_WIDTH = "255px"  #: width of a control's label, so that sliders line up
CONTROL_WIDTH = "500px"


class ControlValueError(ParameterError, TraitError):
    """A control was given a value its registry entry does not allow.

    Both a :class:`~channelsim.params.ParameterError` (what the rest of channelsim raises for bad
    parameters) and a :class:`traitlets.TraitError` (so the widget keeps its previous value).
    """


def checked_value(spec: ParamSpec, value: Any) -> Any:
    """``value`` in the parameter's type, or :class:`ControlValueError` naming the parameter,
    the value and what was expected (the registry's own check)."""
    try:
        return Params(**{spec.name: value}).as_dict()[spec.name]
    except ParameterError as err:
        raise ControlValueError(str(err)) from None


def _on_grid(x: float, step: float) -> bool:
    q = x / step
    return abs(q - round(q)) < 1e-6


def slider_step(spec: ParamSpec, values: Iterable[float] = ()) -> float:
    """A step for the slider of ``spec``: a power of ten giving at least 200 positions between
    the bounds, refined until the lower bound, the default and ``values`` all lie on the grid
    (so that showing a value never rounds it)."""
    assert spec.low is not None and spec.high is not None
    span = spec.high - spec.low
    step = 10.0 ** math.floor(math.log10(span / 200)) if span > 0 else 1.0
    for value in (spec.default, *values):
        while step > 1e-9 and not _on_grid(float(value) - spec.low, step):
            step /= 10
    return float(f"{step:.1g}")


def readout_format(step: float) -> str:
    """A d3 number format showing as many decimals as ``step`` needs."""
    return f".{max(0, -math.floor(math.log10(step) + 1e-9))}f"


class _RegistryChecked(HasTraits):
    """Base of the value widgets below: ``value`` is checked (and typed) by a registry entry."""

    spec: ParamSpec

    @validate("value")
    def _validate_value(self, proposal: dict[str, Any]) -> Any:
        return checked_value(self.spec, proposal["value"])


class RegistryFloatSlider(_RegistryChecked, widgets.FloatSlider):
    """A float slider bounded by, and checked against, one registry entry."""

    value = AnyTrait(0.0).tag(sync=True)

    def __init__(self, spec: ParamSpec, **kwargs: Any) -> None:
        self.spec = spec
        super().__init__(**kwargs)


class RegistryIntSlider(_RegistryChecked, widgets.IntSlider):
    """An integer slider bounded by, and checked against, one registry entry."""

    value = AnyTrait(0).tag(sync=True)

    def __init__(self, spec: ParamSpec, **kwargs: Any) -> None:
        self.spec = spec
        super().__init__(**kwargs)


class RegistryFloatText(_RegistryChecked, widgets.FloatText):
    """A number box for a float registry entry declared without bounds."""

    value = AnyTrait(0.0).tag(sync=True)

    def __init__(self, spec: ParamSpec, **kwargs: Any) -> None:
        self.spec = spec
        super().__init__(**kwargs)


class RegistryCheckbox(_RegistryChecked, widgets.Checkbox):
    """A checkbox for a boolean registry entry (only True or False)."""

    value = AnyTrait(False).tag(sync=True)

    def __init__(self, spec: ParamSpec, **kwargs: Any) -> None:
        self.spec = spec
        super().__init__(**kwargs)


class RegistryDropdown(widgets.Dropdown):
    """A dropdown of a choice registry entry's choices."""

    def __init__(self, spec: ParamSpec, **kwargs: Any) -> None:
        self.spec = spec
        super().__init__(**kwargs)

    @validate("value")
    def _validate_value(self, proposal: dict[str, Any]) -> Any:
        return checked_value(self.spec, proposal["value"])  # the options are the choices


def label(spec: ParamSpec) -> str:
    """``name (unit)``, or just the name for unitless switches and choices."""
    return f"{spec.name} ({spec.unit})" if spec.unit and spec.kind != "date" else spec.name


def tooltip(spec: ParamSpec) -> str:
    extra = f"; range {spec.expected()}" if spec.kind in ("float", "int") else ""
    return f"{spec.description}{extra}. Source: {spec.source}"


def make_control(spec: ParamSpec) -> widgets.ValueWidget:
    """The widget of one registry entry, showing its default."""
    common: dict[str, Any] = dict(
        description=label(spec), tooltip=tooltip(spec), description_allow_html=True,
        style={"description_width": LABEL_WIDTH}, layout=widgets.Layout(width=CONTROL_WIDTH))
    if spec.kind in ("float", "int") and (spec.low is None or spec.high is None):
        w: widgets.ValueWidget = RegistryFloatText(spec, **common)
    elif spec.kind == "float":
        step = slider_step(spec)
        w = RegistryFloatSlider(
            spec, min=spec.low, max=spec.high, step=step, readout_format=readout_format(step),
            continuous_update=False, **common)
    elif spec.kind == "int":
        w = RegistryIntSlider(spec, min=int(spec.low), max=int(spec.high), step=1,
                              continuous_update=False, **common)
    elif spec.kind == "bool":
        w = RegistryCheckbox(spec, indent=True, **common)
    elif spec.kind == "choice":
        w = RegistryDropdown(spec, options=list(spec.choices), **common)
    elif spec.kind == "date":
        w = widgets.DatePicker(**common)
    else:  # pragma: no cover - the registry only declares the kinds above
        raise ValueError(f"parameter {spec.name}: unknown kind {spec.kind!r}")
    w.value = spec.default
    w.add_class("channelsim-param")
    w.add_class(f"channelsim-param-{spec.name}")
    return w


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        try:
            return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12)
        except (TypeError, ValueError):
            return False
    return a == b


def _show(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, float):
        return f"{value:,.6g}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


class ParameterControls:
    """All registry controls, grouped by agent type and policy in an accordion.

    ``on_change(name)`` is called after a user (or code) changes a control; :meth:`set_values`
    changes many at once without calling it.
    """

    def __init__(self, on_change: Callable[[str], None]) -> None:
        self.on_change = on_change
        self.widgets: dict[str, widgets.ValueWidget] = {}
        self.specs: dict[str, ParamSpec] = {}
        self._quiet = False
        panels, titles = [], []
        for _, title, specs in groups():
            rows = []
            for s in specs:
                w = make_control(s)
                w.observe(self._changed, names="value")
                self.widgets[s.name] = w
                self.specs[s.name] = s
                rows.append(w)
            panels.append(widgets.VBox(rows))
            titles.append(f"{title} ({len(rows)})")
        self.accordion = widgets.Accordion(children=panels, titles=tuple(titles))
        if "french_police" in GROUPS:  # open the main enforcement lever
            self.accordion.selected_index = list(GROUPS).index("french_police")
        self.accordion.add_class("channelsim-parameters")
        self._names = {id(w): name for name, w in self.widgets.items()}
        self.reference: dict[str, Any] = {s.name: s.default for s in self.specs.values()}
        self.changes = widgets.HTML()
        self.changes.add_class("channelsim-changes")
        self.reference_name = "the defaults"
        self.panel = widgets.VBox([self.accordion, self.changes])
        self.highlight()

    def _changed(self, change: dict[str, Any]) -> None:
        if self._quiet:
            return
        name = self._names[id(change["owner"])]
        self.highlight()
        self.on_change(name)

    def values(self) -> dict[str, Any]:
        """The controls' current values, by parameter name (not yet checked together)."""
        return {name: w.value for name, w in self.widgets.items()}

    def set_values(self, values: Mapping[str, Any], *, reference: str | None = None) -> None:
        """Show ``values`` without calling ``on_change``; with ``reference``, they also become
        the values that changes are highlighted against (e.g. a scenario's)."""
        self._quiet = True
        try:
            for name, value in values.items():
                w = self.widgets[name]
                if isinstance(w, RegistryFloatSlider):
                    w.step = min(w.step, slider_step(self.specs[name], [value]))
                    w.readout_format = readout_format(w.step)
                w.value = value
        finally:
            self._quiet = False
        if reference is not None:
            self.reference = {**self.reference, **dict(values)}
            self.reference_name = reference
        self.highlight()

    def changed(self) -> dict[str, tuple[Any, Any]]:
        """Parameters whose control differs from the reference: name -> (reference, now)."""
        return {name: (self.reference[name], w.value) for name, w in self.widgets.items()
                if not _same(w.value, self.reference[name])}

    def highlight(self) -> None:
        """Mark changed controls (bold label, orange handle) and list them under the controls."""
        changed = self.changed()
        for name, w in self.widgets.items():
            base = label(self.specs[name])
            is_changed = name in changed
            w.description = f"<b>● {base}</b>" if is_changed else base
            if isinstance(w, (widgets.FloatSlider, widgets.IntSlider)):
                w.style.handle_color = "#e8590c" if is_changed else None
        if not changed:
            self.changes.value = f"<i>All parameters as in {self.reference_name}.</i>"
            return
        rows = "".join(
            f"<li><b>{name}</b>: {_show(ref)} → {_show(now)} {self.specs[name].unit}</li>"
            for name, (ref, now) in changed.items())
        self.changes.value = (f"<b>Changed from {self.reference_name}</b> "
                              f"({len(changed)}):<ul style='margin:0'>{rows}</ul>")
