"""Controls generated from the parameter registry.

One widget per :data:`channelsim.params.REGISTRY` entry, never written out by hand: numbers
become sliders whose bounds are the registry's bounds, booleans checkboxes, choices dropdowns
and dates date pickers. Each control reads "Human name (unit)" (the registry's ``label``
where it has one), has a tooltip with the description, the allowed values and the source in
words, a number box for typing an exact value, and a button that resets it to the reference
(the scenario's value). Widgets are grouped by the registry's groups (agent types and policies).

A value typed into a number box or set from code is checked against the registry entry; a bad
one is refused with the registry's own message (:class:`ControlValueError`, a
:class:`~channelsim.params.ParameterError`) and the control keeps its value: nothing is clamped.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import ipywidgets as widgets
from traitlets import Any as AnyTrait
from traitlets import HasTraits, TraitError, validate

from ..params import GROUPS, ParameterError, ParamSpec, Params, groups
from .snapshot import param_label

__all__ = ["ControlValueError", "ParameterControls", "make_control", "slider_step", "checked_value",
           "label", "tooltip", "source_in_words", "unit_text"]

SLIDER_WIDTH = "250px"
BOX_WIDTH = "86px"


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


def _nice_above(x: float) -> float:
    """The smallest round number (1, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 times a power of ten) >= ``x`` > 0."""
    power = 10.0 ** math.floor(math.log10(x))
    return next(m * power for m in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10) if m * power >= x * (1 - 1e-12))


def slider_top(spec: ParamSpec, values: Iterable[float] = ()) -> float:
    """The upper end of a slider's track. Where the registry's range is wide (a count or an
    amount spanning 100 or more, over 5 times the default), the track covers about three times the default (or the largest of
    ``values``), so a pixel is a fine step; the number box and the track itself extend to the
    registry's upper bound when a larger value is asked for."""
    assert spec.low is not None and spec.high is not None
    largest = max([float(spec.default), *map(float, values)])
    span = spec.high - spec.low
    if spec.low < 0 or largest <= 0 or span < 100 or span <= 5 * largest:
        return float(spec.high)
    return float(min(spec.high, _nice_above(3 * largest)))


def slider_step(spec: ParamSpec, values: Iterable[float] = (), top: float | None = None) -> float:
    """A step for the slider of ``spec``: a power of ten giving at least 200 positions between
    the lower bound and ``top`` (default: the upper bound), refined until the lower bound, the
    default and ``values`` all lie on the grid (so that showing a value never rounds it)."""
    assert spec.low is not None and spec.high is not None
    span = (spec.high if top is None else top) - spec.low
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


class _RegistrySlider(_RegistryChecked):
    """A slider whose track extends (up to the registry's bound) to show a larger value."""

    @validate("value")
    def _validate_value(self, proposal: dict[str, Any]) -> Any:
        value = checked_value(self.spec, proposal["value"])
        if value > self.max:
            self.max = slider_top(self.spec, [value])
        return value


class RegistryFloatSlider(_RegistrySlider, widgets.FloatSlider):
    """A float slider bounded by, and checked against, one registry entry."""

    value = AnyTrait(0.0).tag(sync=True)

    def __init__(self, spec: ParamSpec, **kwargs: Any) -> None:
        self.spec = spec
        super().__init__(**kwargs)


class RegistryIntSlider(_RegistrySlider, widgets.IntSlider):
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


def unit_text(spec: ParamSpec) -> str:
    """The unit as shown to people: nothing for dimensionless numbers ("1", "") and dates."""
    unit = spec.unit.strip()
    if unit in ("", "1", "date") or spec.kind in ("date", "bool", "choice"):
        return ""
    return unit.replace("1/", "per ")


def label(spec: ParamSpec) -> str:
    """"Human name (unit)", or just the name for dimensionless numbers, switches and choices."""
    unit = unit_text(spec)
    return f"{param_label(spec)} ({unit})" if unit else param_label(spec)


@functools.cache
def _facts() -> dict[str, str]:
    """Fact name -> where the figure was published (the package's copy of the facts table)."""
    import pandas as pd

    from ..data import __file__ as data_init
    from pathlib import Path

    table = pd.read_csv(Path(data_init).with_name("channel_facts.csv"), dtype=str)
    sources = table["source"].where(~table["source"].str.strip().str.lower().eq("same")).ffill()
    return dict(zip(table["fact"], sources))


def source_in_words(source: str) -> str:
    """A registry source ("fact:<name>", "calibrated (...): <target>", "assumption: <why>") in words."""
    kind, _, rest = source.partition(":")
    rest = rest.strip()
    if kind == "fact":
        where = _facts().get(rest)
        what = rest.replace("_", " ")
        return f"published figure ({what}){': ' + where if where else ''}"
    if kind.startswith("calibrated"):
        how = "by the calibration routine" if "channelsim.calibration" in kind else "by hand"
        year = " 2024" if "2024" in kind else ""
        return f"fitted{' ' + how} to the{year} record: {rest}"
    if kind == "assumption":
        return f"an assumption: {rest}"
    return source


def allowed(spec: ParamSpec) -> str:
    """The allowed values in words ("a number between 0 and 5000 officers")."""
    if spec.kind not in ("float", "int") or spec.low is None or spec.high is None:
        return spec.expected()
    what = "a whole number" if spec.kind == "int" else "a number"
    unit = unit_text(spec)
    return f"{what} from {_show(spec.low)} to {_show(spec.high)}{' ' + unit if unit else ''}"


def tooltip(spec: ParamSpec) -> str:
    """The description, the allowed values and the source, in words."""
    allowed_values = f" Allowed: {allowed(spec)}." if spec.kind in ("float", "int") else ""
    return f"{spec.description}.{allowed_values} Source: {source_in_words(spec.source)}."


def make_control(spec: ParamSpec) -> widgets.ValueWidget:
    """The value widget of one registry entry (no label: see :class:`ParameterControls`),
    showing its default."""
    common: dict[str, Any] = dict(tooltip=tooltip(spec), layout=widgets.Layout(width=SLIDER_WIDTH))
    if spec.kind in ("float", "int") and (spec.low is None or spec.high is None):
        w: widgets.ValueWidget = RegistryFloatText(spec, **common)
    elif spec.kind == "float":
        top = slider_top(spec)
        step = slider_step(spec, top=top)
        w = RegistryFloatSlider(spec, min=spec.low, max=top, step=step, readout=False,
                                readout_format=readout_format(step), continuous_update=False, **common)
    elif spec.kind == "int":
        top = slider_top(spec)
        w = RegistryIntSlider(spec, min=int(spec.low), max=int(top), readout=False,
                              step=max(1, int(slider_step(spec, top=top))), continuous_update=False, **common)
    elif spec.kind == "bool":
        w = RegistryCheckbox(spec, indent=False, **common)
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


def _box_text(value: Any) -> str:
    """A number as typed in a box: no thousands separators, no needless decimals."""
    if isinstance(value, float):
        return f"{value:.10g}"
    return str(value)


class ParameterRow:
    """One parameter: its label (with the tooltip), its control, a number box for slider
    parameters, a reset button, and a line for a refused value."""

    def __init__(self, spec: ParamSpec, on_reset: Callable[[str], None]) -> None:
        self.spec = spec
        self.control = make_control(spec)
        tip = tooltip(spec)
        self.label = widgets.HTML(html.escape(label(spec)), tooltip=tip,
                                  layout=widgets.Layout(width="100%", margin="4px 0 0 0"))
        self.label.add_class("channelsim-param-label")
        self.box: widgets.Text | None = None
        parts: list[widgets.Widget] = [self.control]
        if isinstance(self.control, (widgets.FloatSlider, widgets.IntSlider)):
            self.box = widgets.Text(value=_box_text(self.control.value), continuous_update=False,
                                    tooltip=f"Type a value: {allowed(spec)}",
                                    layout=widgets.Layout(width=BOX_WIDTH))
            self.box.add_class("channelsim-box")
            self.box.add_class(f"channelsim-box-{spec.name}")
            self.box.observe(self._typed, names="value")
            self.control.observe(self._moved, names="value")
            parts.append(self.box)
        self.reset = widgets.Button(icon="undo", tooltip=f"Reset {param_label(spec)} to the reference value",
                                    layout=widgets.Layout(width="32px", padding="0"))
        self.reset.add_class("channelsim-reset")
        self.reset.add_class(f"channelsim-reset-{spec.name}")
        self.reset.on_click(lambda _: on_reset(spec.name))
        parts.append(self.reset)
        self.message = widgets.HTML()
        self.message.add_class("channelsim-refused")
        self.widget = widgets.VBox([self.label, widgets.HBox(parts), self.message],
                                   layout=widgets.Layout(margin="0 0 2px 0"))

    def _moved(self, change: dict[str, Any]) -> None:
        if self.box is not None:
            self.box.value = _box_text(change["new"])
            self.message.value = ""

    def _typed(self, change: dict[str, Any]) -> None:
        text = str(change["new"]).replace(",", "").replace("_", "").strip()
        if text == _box_text(self.control.value):
            return
        try:
            number: Any = float(text)
            if number.is_integer() and self.spec.kind == "int":
                number = int(number)
            self.control.value = checked_value(self.spec, number)
        except (ValueError, TraitError) as err:
            shown = str(err) if isinstance(err, ParameterError) else (
                f"{self.spec.name}={text!r} is invalid: expected {self.spec.expected()}")
            self.message.value = (f"<span style='color:#b00020'>Refused: {html.escape(shown)}. "
                                  f"Kept {_show(self.control.value)}.</span>")
            self.box.value = _box_text(self.control.value)

    def mark(self, changed: bool) -> None:
        text = html.escape(label(self.spec))
        self.label.value = f"<b>● {text}</b>" if changed else text
        if isinstance(self.control, (widgets.FloatSlider, widgets.IntSlider)):
            self.control.style.handle_color = "#e8590c" if changed else None


class ParameterControls:
    """All registry controls, grouped by agent type and policy in an accordion.

    ``on_change(name)`` is called after a user (or code) changes a control; :meth:`set_values`
    changes many at once without calling it.
    """

    def __init__(self, on_change: Callable[[str], None]) -> None:
        self.on_change = on_change
        self.widgets: dict[str, widgets.ValueWidget] = {}
        self.rows: dict[str, ParameterRow] = {}
        self.specs: dict[str, ParamSpec] = {}
        self._quiet = False
        panels, titles = [], []
        for _, title, specs in groups():
            rows = []
            for s in specs:
                row = ParameterRow(s, self.reset)
                row.control.observe(self._changed, names="value")
                self.rows[s.name], self.widgets[s.name], self.specs[s.name] = row, row.control, s
                rows.append(row.widget)
            panels.append(widgets.VBox(rows))
            panels[-1].add_class("channelsim-param-group")  # in columns where the panel is wide
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

    def reset(self, name: str) -> None:
        """Put parameter ``name`` back to its reference value (the scenario's)."""
        self.widgets[name].value = self.reference[name]

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
                    w.step = min(w.step, slider_step(self.specs[name], [value], top=w.max))
                    w.readout_format = readout_format(w.step)
                elif isinstance(w, RegistryIntSlider) and value % w.step:
                    w.step = 1
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
        for name, row in self.rows.items():
            row.mark(name in changed)
        if not changed:
            self.changes.value = f"<i>All parameters as in {html.escape(self.reference_name)}.</i>"
            return
        items = "".join(
            f"<li><b>{html.escape(param_label(self.specs[name]))}</b>: {_show(ref)} → {_show(now)} "
            f"{html.escape(unit_text(self.specs[name]))}</li>" for name, (ref, now) in changed.items())
        self.changes.value = (f"<b>Changed from {html.escape(self.reference_name)}</b> "
                              f"({len(changed)}):<ul style='margin:0;padding-left:18px'>{items}</ul>")
