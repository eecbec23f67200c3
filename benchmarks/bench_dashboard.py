"""Dashboard responsiveness in a real browser: from releasing a slider to the first days drawn
and to the whole period drawn.

    .venv/bin/python benchmarks/bench_dashboard.py                 # 10 moves, 365 days, Voila
    .venv/bin/python benchmarks/bench_dashboard.py --moves 5 --days 120

Voila serves the dashboard notebook (notebooks/01_explore.ipynb, its period set by ``--days``)
on 127.0.0.1 and a headless Chromium (/usr/bin/chromium, driven by Playwright) drags the
"Officers on the coast per day" slider ``--moves`` times with the mouse, alternately right and left. For
each move the page itself timestamps (``performance.now()``) the release of the mouse button,
the first frame in which the charts' title shows the new run (its first days drawn), and the
frame in which it shows the whole period (checked at every animation frame). Medians are printed with every value, the machine's load before and after
(on a shared machine a load above the number of cores means other work competed for the CPU),
and the screenshot taken at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's channelsim, as the served notebook uses
NOTEBOOK = ROOT / "notebooks" / "01_explore.ipynb"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
TIMEOUT_MS = 300_000

WATCH = """() => { window.__t = {}; const el = document.querySelector('.channelsim-charts');
  const seen = (el.querySelector('.g-gtitle') || {}).textContent || '';
  const look = () => { const t = (el.querySelector('.g-gtitle') || {}).textContent || '';
    const now = performance.now();
    if (t !== seen && !window.__t.first) window.__t.first = now;
    if (t !== seen && !t.includes('so far')) { window.__t.full = now; return; }
    requestAnimationFrame(look); };
  requestAnimationFrame(look); }"""


def _notebook(folder: Path, days: int) -> Path:
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            cell["source"] = "".join(cell["source"]).replace("Dashboard()", f"Dashboard(days={days})")
    path = folder / NOTEBOOK.name
    path.write_text(json.dumps(nb), encoding="utf-8")
    return path


def _voila(folder: Path) -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    from channelsim.dashboard.app_server import voila_command, voila_environment  # as channelsim app runs it

    env = {**voila_environment(), "PYTHONPATH": str(ROOT), "JUPYTER_RUNTIME_DIR": str(folder / "runtime")}
    log = open(folder / "voila.log", "w")
    proc = subprocess.Popen(voila_command(Path(NOTEBOOK.name), port, open_browser=False),
                            cwd=folder, stdout=log, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}/"
    for _ in range(600):
        try:
            urllib.request.urlopen(url, timeout=5)
            return proc, url
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise TimeoutError(f"voila did not answer on {url}")


def _move(page, pixels: float) -> tuple[float, float]:
    """Drag the officers slider by ``pixels``; seconds to the first and to the full redraw."""
    page.evaluate(WATCH)
    handle = page.locator(".channelsim-param-officers_per_day .noUi-handle")
    handle.scroll_into_view_if_needed()
    before = page.input_value(".channelsim-box-officers_per_day input")
    box = handle.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + pixels, y, steps=4)
    released = page.evaluate("() => performance.now()")
    page.mouse.up()
    page.wait_for_function("old => document.querySelector('.channelsim-box-officers_per_day input').value"
                           " !== old", arg=before, timeout=30_000)
    page.wait_for_function("() => window.__t.full", timeout=TIMEOUT_MS)
    t = page.evaluate("() => window.__t")
    return (t["first"] - released) / 1000, (t["full"] - released) / 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=10, help="slider moves to time (default 10)")
    parser.add_argument("--days", type=int, default=365, help="length of the simulated period (default 365)")
    parser.add_argument("--shot", default=str(ROOT / "out" / "browser" / "bench_dashboard.png"),
                        help="where to save the final screenshot")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        _notebook(folder, args.days)
        proc, url = _voila(folder)
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
                page = browser.new_page(viewport={"width": 1280, "height": 800})
                page.set_default_timeout(TIMEOUT_MS)
                page.goto(url, timeout=TIMEOUT_MS)
                page.wait_for_function("() => (document.querySelector('.channelsim-status') || {innerText: ''})"
                                       ".innerText.includes('Simulated')", timeout=TIMEOUT_MS)
                first, full = [], []
                for k in range(args.moves):
                    a, b = _move(page, 14 if k % 2 == 0 else -14)
                    print(f"move {k + 1}: first days drawn {a:.2f} s, whole period {b:.2f} s", flush=True)
                    first.append(a)
                    full.append(b)
                Path(args.shot).parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=args.shot)
                browser.close()
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    print(f"\n{args.moves} slider moves in Voila, {args.days} days each; medians:")
    print(f"  release -> first days drawn   {statistics.median(first):6.2f} s")
    print(f"  release -> whole period drawn {statistics.median(full):6.2f} s")
    print(f"first (s): {', '.join(f'{x:.2f}' for x in first)}")
    print(f"full (s):  {', '.join(f'{x:.2f}' for x in full)}")
    print(f"screenshot: {args.shot}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
