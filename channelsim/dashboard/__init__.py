"""The Jupyter dashboard (needs the ``jupyter`` extra: ipywidgets).

``Dashboard(scenario=None)`` shows controls generated from the parameter registry, the map of
the Channel, time-series charts, an ensemble comparison and an export button; it works in
JupyterLab and in Voila. See :class:`Dashboard`.
"""

from .app import Dashboard, RunSettings
from .controls import ControlValueError

__all__ = ["Dashboard", "RunSettings", "ControlValueError"]
