"""The dashboard in a real browser: Voila serves notebooks/01_explore.ipynb on 127.0.0.1 and a
headless Chromium (Debian's /usr/bin/chromium, driven by Playwright) moves a slider, clicks
Step, and checks that the charts and the date readout change. A screenshot is saved under
out/browser/ (its path is printed).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "01_explore.ipynb"
SCREENSHOT_DIR = ROOT / "out" / "browser"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
TIMEOUT_MS = 120_000

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is not installed (apt-get install chromium)"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_http(url: str, proc: subprocess.Popen, log: Path, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"voila exited with status {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"voila did not answer on {url} within {seconds} s:\n{log.read_text()[-3000:]}")


@pytest.fixture
def voila_url(tmp_path):
    """Voila serving a working copy of the dashboard notebook; yields its URL."""
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(NOTEBOOK, work / NOTEBOOK.name)
    port = _free_port()
    log = tmp_path / "voila.log"
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"), "PYTHONUNBUFFERED": "1"}
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "voila", NOTEBOOK.name, f"--port={port}", "--no-browser",
             "--Voila.ip=127.0.0.1", "--show_tracebacks=True"],
            cwd=work, stdout=out, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}/"
    try:
        _wait_for_http(url, proc, log)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


CHARTS = "img.channelsim-charts"
DATE = ".channelsim-date"


def test_slider_and_step_change_the_readout_and_the_chart(voila_url):
    sync_api = pytest.importorskip("playwright.sync_api")
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    shot = SCREENSHOT_DIR / "dashboard.png"
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1700})
            page.set_default_timeout(TIMEOUT_MS)
            page.goto(voila_url, timeout=TIMEOUT_MS)
            page.wait_for_selector(DATE)
            # the first run of the year has been drawn
            page.wait_for_function(
                f"() => {{ const i = document.querySelector('{CHARTS}'); return i && i.naturalWidth > 0; }}")
            chart_first = page.get_attribute(CHARTS, "src")
            date_first = page.inner_text(DATE)
            assert "before the first day" in date_first

            # move a slider: type a value into the readout of officers_per_day
            readout = page.locator(".channelsim-param-officers_per_day .widget-readout")
            if not readout.is_visible():
                page.locator(".jupyter-widget-Collapse-header", has_text="French police").click()
            readout.click()
            page.keyboard.press("Control+A")
            page.keyboard.type("2000")
            moved = time.perf_counter()
            page.keyboard.press("Enter")
            # the status reports the new run once its charts are drawn
            page.wait_for_function("() => document.querySelector('.channelsim-status').innerText"
                                   ".includes('1 parameter changed')")
            slider_to_chart = time.perf_counter() - moved
            chart_after_slider = page.get_attribute(CHARTS, "src")
            assert chart_after_slider != chart_first
            assert page.inner_text(".channelsim-param-officers_per_day .widget-readout").strip() == "2000"
            assert "officers_per_day: 800 → 2,000" in page.inner_text(".channelsim-changes")

            # step one day: the date readout and the charts' cursor move
            page.click("button.channelsim-step")
            page.wait_for_function(f"old => document.querySelector('{DATE}').innerText !== old", arg=date_first)
            page.wait_for_function(f"old => document.querySelector('{CHARTS}').src !== old",
                                   arg=chart_after_slider)
            date_after_step = page.inner_text(DATE)
            assert "day 1" in date_after_step and date_after_step != date_first

            page.locator(".lm-TabBar-tab", has_text="Time series").click()
            page.wait_for_timeout(500)
            page.screenshot(path=str(shot), full_page=True)
        finally:
            browser.close()
    print(f"\nscreenshot: {shot}\nslider change to redrawn chart in the browser: {slider_to_chart:.2f} s")
    assert shot.stat().st_size > 50_000
