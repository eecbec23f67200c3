"""The Jupyter dashboard (needs the ``jupyter`` extra: ipywidgets and plotly).

``Dashboard(scenario=None)`` shows controls generated from the parameter registry, a map of the
Channel you can hover, time-series charts that fill in as a run is computed, a comparison of
paired differences and downloads; it works in JupyterLab and in Voila (``channelsim app``).
See :class:`Dashboard`.
"""

from .app import Dashboard, RunSettings
from .controls import ControlValueError

__all__ = ["Dashboard", "RunSettings", "ControlValueError"]
