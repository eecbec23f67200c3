"""``channelsim app``: the dashboard as a standalone web page on this computer, served by Voila.

:func:`serve` writes a one-cell notebook that shows :class:`~channelsim.Dashboard` into a
temporary folder (nothing is written where it is started), and runs Voila on 127.0.0.1 until
interrupted. Only this computer can reach the page.

The page uses the ``channelsim`` Voila template shipped in this package
(``jupyter/voila/templates/channelsim``): Voila's own "lab" page without the Font Awesome style
sheets it links from a CDN, so the page asks nothing of any other computer and works offline.
:func:`voila_environment` puts the template where Voila looks for templates.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from .. import scenarios
from ..params import ParameterError

__all__ = ["serve", "app_notebook", "voila_command", "voila_environment", "stop_server", "DEFAULT_PORT",
           "TEMPLATE"]

DEFAULT_PORT = 8866  #: Voila's usual port
TEMPLATE = "channelsim"  #: the Voila template of the app (Voila's "lab" page, nothing from a CDN)
JUPYTER_DATA = Path(__file__).resolve().parent / "jupyter"  #: holds voila/templates/channelsim


def app_notebook(scenario: str | None = None, seed: int = 1, days: int | None = None) -> dict[str, Any]:
    """The notebook (as JSON data) that shows the dashboard with these settings."""
    if scenario is not None:
        scenarios.get(scenario)  # a clear error now rather than in the browser
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ParameterError(f"seed={seed!r} is invalid: expected a whole number >= 0")
    if days is not None and (isinstance(days, bool) or not isinstance(days, int) or days < 1):
        raise ParameterError(f"days={days!r} is invalid: expected a whole number of days >= 1")
    args = [repr(scenario)] if scenario is not None else []
    args += [f"seed={seed}"] + ([f"days={days}"] if days is not None else [])
    code = f"from channelsim import Dashboard\n\nDashboard({', '.join(args)})"
    return {"cells": [{"cell_type": "code", "execution_count": None, "id": "dashboard", "metadata": {},
                       "outputs": [], "source": code}],
            "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                         "language_info": {"name": "python"}},
            "nbformat": 4, "nbformat_minor": 5}


def voila_command(notebook: Path, port: int = DEFAULT_PORT, open_browser: bool = True) -> list[str]:
    """The command line that serves ``notebook`` with Voila on 127.0.0.1:``port``."""
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise ParameterError(f"port={port!r} is invalid: expected a whole number from 1 to 65535")
    return [sys.executable, "-m", "voila", str(notebook), f"--port={port}", "--Voila.ip=127.0.0.1",
            "--theme=light", f"--template={TEMPLATE}", *([] if open_browser else ["--no-browser"])]


def voila_environment(base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment to run :func:`voila_command` in: ``base`` (by default this process's)
    with the package's template folder first on ``JUPYTER_PATH``, where Voila finds templates."""
    env = dict(os.environ if base is None else base)
    env["JUPYTER_PATH"] = os.pathsep.join(p for p in (str(JUPYTER_DATA), env.get("JUPYTER_PATH", "")) if p)
    return env


def stop_server(proc: subprocess.Popen, timeout: float = 30) -> None:
    """Ask a server process to stop, and kill it if it has not stopped within ``timeout`` s."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def serve(scenario: str | None = None, *, seed: int = 1, days: int | None = None,
          port: int = DEFAULT_PORT, open_browser: bool = True) -> int:
    """Serve the dashboard on http://127.0.0.1:``port``/ until interrupted; returns Voila's
    exit status."""
    try:
        import voila  # noqa: F401
    except ImportError as err:
        raise ImportError("channelsim app needs Voila: pip install 'channelsim[jupyter]'") from err
    notebook = app_notebook(scenario, seed, days)
    with tempfile.TemporaryDirectory(prefix="channelsim-app-") as folder:
        path = Path(folder) / "channelsim.ipynb"
        path.write_text(json.dumps(notebook), encoding="utf-8")
        print(f"channelsim: serving the dashboard on http://127.0.0.1:{port}/ (Ctrl-C to stop)", flush=True)
        proc = subprocess.Popen(voila_command(path, port, open_browser), cwd=folder, env=voila_environment())

        def stop(signum: int, frame: Any) -> None:  # a plain kill stops Voila too
            raise KeyboardInterrupt

        previous = signal.signal(signal.SIGTERM, stop)
        try:
            return proc.wait()
        except KeyboardInterrupt:
            stop_server(proc, timeout=30)
            return 0
        finally:
            signal.signal(signal.SIGTERM, previous)
