"""The dashboard in a real browser: Voila and JupyterLab serve a working copy of
notebooks/01_explore.ipynb on 127.0.0.1 (its period shortened to keep the tests quick), and a
headless Chromium (Debian's /usr/bin/chromium, driven by Playwright; never a downloaded build)
checks what a user relies on:

* at 1280 x 800 and 1920 x 1080, in Voila and in JupyterLab with its file browser open or
  closed, nothing is clipped sideways: every figure lies inside the viewport and inside the
  dashboard, the map and the charts sit side by side in one row, and neither the page nor the
  notebook scrolls sideways. Vertically the notebook and the page may scroll: each figure,
  once scrolled into view, lies wholly inside the viewport;
* the pages request nothing from outside this computer (Voila is started as ``channelsim app``
  starts it, with the package's template, which drops Voila's links to a CDN);
* the charts' camera button saves a PNG of them, and the export panel's link an SVG, in both;
* a slider moved with the mouse updates the charts (and how long that took is printed);
* hovering a boat on the map shows the people aboard;
* a scenario switch with edited parameters asks first;
* the download link produces a CSV file.

Screenshots are saved under out/browser/, or the folder named by ``CHANNELSIM_SCREENSHOTS``
(their paths are printed).
"""

from __future__ import annotations

import json
import os
import socket
import struct
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from xml.etree import ElementTree

import pytest

from channelsim import scenarios
from channelsim.dashboard.app import _scenario_label
from channelsim.dashboard.app_server import stop_server, voila_command, voila_environment

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "01_explore.ipynb"
SCREENSHOT_DIR = Path(os.environ.get("CHANNELSIM_SCREENSHOTS", ROOT / "out" / "browser"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
TIMEOUT_MS = 240_000
DAYS = 120  #: the period of the tests' dashboard (days)
SIZES = [(1280, 800), (1920, 1080)]
LOCAL = ("http://127.0.0.1:", "ws://127.0.0.1:", "data:", "blob:", "about:")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is not installed (apt-get install chromium)"),
]
sync_api = pytest.importorskip("playwright.sync_api")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _short_notebook(folder: Path) -> Path:
    """A copy of the dashboard notebook whose dashboard runs ``DAYS`` days."""
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            src = "".join(cell["source"])
            if "Dashboard()" in src:
                cell["source"] = src.replace("Dashboard()", f"Dashboard(days={DAYS})")
    path = folder / NOTEBOOK.name
    path.write_text(json.dumps(nb), encoding="utf-8")
    return path


def _serve(cmd: list[str], url: str, work: Path, log: Path):
    env = {**voila_environment(), "JUPYTER_RUNTIME_DIR": str(work / "runtime"), "PYTHONUNBUFFERED": "1",
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    out = open(log, "w")
    proc = subprocess.Popen(cmd, cwd=work, stdout=out, stderr=subprocess.STDOUT, env=env)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{cmd[2]} exited with status {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5):
                return proc, out
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise TimeoutError(f"{cmd[2]} did not answer on {url}:\n{log.read_text()[-3000:]}")


def _stop(proc, out) -> None:
    stop_server(proc, timeout=20)
    out.close()


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    """Voila and JupyterLab serving the short notebook: {"voila": url, "lab": url}."""
    work = tmp_path_factory.mktemp("work")
    _short_notebook(work)
    vport, lport = _free_port(), _free_port()
    voila = _serve([*voila_command(Path(NOTEBOOK.name), vport, open_browser=False), "--show_tracebacks=True"],
                   f"http://127.0.0.1:{vport}/", work, work / "voila.log")
    try:
        lab = _serve([sys.executable, "-m", "jupyterlab", f"--port={lport}", "--no-browser",
                      "--ServerApp.ip=127.0.0.1", "--IdentityProvider.token=", "--ServerApp.password=",
                      "--LabApp.news_url=", "--allow-root", "--LabApp.extension_manager=readonly",
                      "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
                      f"--ServerApp.root_dir={work}"],
                     f"http://127.0.0.1:{lport}/lab", work, work / "lab.log")
    except BaseException:
        _stop(*voila)
        raise
    try:
        yield {"voila": f"http://127.0.0.1:{vport}/",
               "lab": f"http://127.0.0.1:{lport}/lab/tree/{NOTEBOOK.name}"}
    finally:
        _stop(*voila)
        _stop(*lab)


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def _open(browser, url: str, where: str, size: tuple[int, int]):
    """A page showing the dashboard with its first run drawn. ``page.outside`` lists every
    request (of the page, its frames and workers, and web sockets) to anything but this computer."""
    context = browser.new_context(viewport={"width": size[0], "height": size[1]}, accept_downloads=True)
    outside: list[str] = []
    context.on("request", lambda r: outside.append(r.url) if not r.url.startswith(LOCAL) else None)
    page = context.new_page()
    page.outside = outside
    page.on("websocket", lambda ws: outside.append(ws.url) if not ws.url.startswith(LOCAL) else None)
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(url, timeout=TIMEOUT_MS)
    if where == "lab":
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=TIMEOUT_MS)
        _run_all_cells(page)
    page.wait_for_selector(".channelsim-root", state="attached", timeout=TIMEOUT_MS)
    _wait_for_status(page, "Simulated")
    if where == "lab":
        no_news = page.locator(".Toastify__toast button", has_text="No")  # "get notified of news?"
        if no_news.count():
            no_news.first.click()
    page.locator(".channelsim-root").scroll_into_view_if_needed()
    return context, page


def _file_browser(page, shown: bool) -> None:
    """Open or close JupyterLab's left sidebar (the file browser)."""
    panel = page.locator("#jp-left-stack")
    if panel.is_visible() != shown:
        page.locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab").first.click()
        page.wait_for_timeout(500)


def _run_all_cells(page) -> None:
    """JupyterLab's Run > Run All Cells, once its kernel is connected and idle."""
    page.wait_for_function("() => [...document.querySelectorAll('.jp-StatusBar-TextItem')]"
                           ".some(e => e.innerText.includes('Idle'))", timeout=TIMEOUT_MS)
    for _ in range(3):
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
        try:  # the code cell's prompt shows [*] (running) or a number (done)
            page.wait_for_function("() => [...document.querySelectorAll('.jp-InputPrompt')]"
                                   ".some(e => /\\[(\\*|\\d+)\\]/.test(e.innerText))", timeout=20_000)
            return
        except sync_api.TimeoutError:
            page.keyboard.press("Escape")
    raise AssertionError("JupyterLab did not run the notebook")


def _wait_for_status(page, text: str) -> None:
    page.wait_for_function("t => { const s = document.querySelector('.channelsim-status');"
                           " return s && s.innerText.includes(t); }", arg=text, timeout=TIMEOUT_MS)


def _shot(page, name: str) -> Path:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{name}.png"
    page.screenshot(path=str(path))
    print(f"screenshot: {path}")
    return path


FIGURE_BOXES = """() => [...document.querySelectorAll('.channelsim-figure')].filter(e => e.offsetParent)
  .map(e => { e.scrollIntoView({block: 'nearest', inline: 'nearest'}); const r = e.getBoundingClientRect();
    const svg = e.querySelector('.main-svg').getBoundingClientRect();
    const texts = [...e.querySelectorAll('.main-svg text, .infolayer text')].map(t => t.getBoundingClientRect())
      .filter(t => t.width > 0);
    return {name: [...e.classList].find(c => c.startsWith('channelsim-') && c !== 'channelsim-figure'),
            left: r.left, top: r.top, right: r.right, bottom: r.bottom, plot_right: svg.right,
            text_left: Math.min(...texts.map(t => t.left)), text_right: Math.max(...texts.map(t => t.right)),
            legend_top: (e.querySelector('.legend') || {getBoundingClientRect: () => ({top: Infinity})})
              .getBoundingClientRect().top,
            ticks_bottom: Math.max(...[...e.querySelectorAll('g[class^="x"][class$="tick"] text')]
              .map(t => t.getBoundingClientRect()).filter(t => t.width > 0).map(t => t.bottom))}; })"""
#: The dashboard's box, and how far the dashboard, the page and JupyterLab's notebook could be
#: scrolled sideways (scrollWidth beyond clientWidth: content clipped or hidden to the right).
SIDEWAYS = """() => { const root = document.querySelector('.channelsim-root'), r = root.getBoundingClientRect();
  const over = e => e ? e.scrollWidth - e.clientWidth : null;
  return {left: r.left, right: r.right, root: over(root), page: over(document.scrollingElement),
          notebook: over(document.querySelector('.jp-NotebookPanel .jp-WindowedPanel-outer'))}; }"""
#: (width, height, JupyterLab's file browser shown): Voila has none.
LAYOUTS = {"voila": [(1280, 800, None), (1920, 1080, None)],
           "lab": [(1280, 800, True), (1280, 800, False), (1920, 1080, True), (1920, 1080, False)]}


FIGURES_FIT = """() => [...document.querySelectorAll('.channelsim-figure')].filter(e => e.offsetParent)
  .every(e => { const svg = e.querySelector('.main-svg');
    return svg && Math.abs(svg.getBoundingClientRect().width - e.getBoundingClientRect().width) <= 1; })"""


def _wait_for_figures_to_fit(page) -> None:
    """Until every figure has been redrawn at its container's new width (a loaded machine can
    take seconds), then a moment for its margins to settle."""
    page.wait_for_timeout(300)
    page.wait_for_function(FIGURES_FIT, timeout=30_000)
    page.wait_for_timeout(500)


def _check_layout(page, where: str, width: int, height: int) -> dict:
    """Every figure inside the viewport (horizontally as it is, vertically once scrolled into
    view) and inside the dashboard, its drawing inside its box, the map and the charts side by
    side in one row, and nothing that scrolls sideways; returns the figures' boxes."""
    boxes = {b["name"]: b for b in page.evaluate(FIGURE_BOXES)}
    assert {"channelsim-map", "channelsim-charts"} <= set(boxes), boxes
    frame = page.evaluate(SIDEWAYS)
    for name, b in boxes.items():
        assert b["left"] >= 0 and b["right"] <= width + 0.5, (where, width, name, b)
        assert b["left"] >= frame["left"] - 0.5 and b["right"] <= frame["right"] + 0.5, (where, width, name, b, frame)
        assert b["top"] >= 0 and b["bottom"] <= height + 0.5, (where, height, name, b)
        assert b["right"] - b["left"] > 280, (where, width, name, b)
        assert b["plot_right"] <= b["right"] + 1, (where, width, name, b)  # the drawing follows its box
        # no title, label or legend entry runs past the figure's edges
        assert b["text_left"] >= b["left"] - 1 and b["text_right"] <= b["right"] + 1, (where, width, name, b)
        assert b["legend_top"] >= b["ticks_bottom"] - 1, ("legend over the dates", where, width, name, b)
    m, c = boxes["channelsim-map"], boxes["channelsim-charts"]
    assert m["right"] <= c["left"] + 1, f"map and charts are not side by side: {m} {c}"
    page.locator(".channelsim-map").scroll_into_view_if_needed()
    m, c = ({**b, **page.evaluate("s => { const r = document.querySelector(s).getBoundingClientRect();"
                                  " return {top: r.top, bottom: r.bottom}; }", f".{n}")}
            for n, b in (("channelsim-map", m), ("channelsim-charts", c)))
    assert m["top"] < c["bottom"] and c["top"] < m["bottom"], f"map and charts are not in one row: {m} {c}"
    assert frame["root"] <= 1 and frame["page"] <= 1, (where, width, frame)
    if where == "lab":
        assert frame["notebook"] is not None and frame["notebook"] <= 1, (where, width, frame)
    return boxes


@pytest.mark.parametrize("where", ["voila", "lab"])
def test_every_figure_fits_the_viewport_at_laptop_and_desktop_sizes(servers, browser, where):
    context, page = _open(browser, servers[where], where, SIZES[0])
    try:
        for width, height, file_browser in LAYOUTS[where]:
            page.set_viewport_size({"width": width, "height": height})
            if file_browser is not None:
                _file_browser(page, shown=file_browser)
                assert page.locator("#jp-left-stack").is_visible() == file_browser
            _wait_for_figures_to_fit(page)
            _check_layout(page, where, width, height)
            _shot(page, f"{where}_{width}x{height}" + ("_file_browser" if file_browser else ""))
        assert not page.outside, f"requested from outside this computer: {page.outside}"
    finally:
        context.close()


def _download(page, click, folder: Path) -> Path:
    with page.expect_download() as download:
        click()
    saved = folder / download.value.suggested_filename
    download.value.save_as(saved)
    return saved


def _png_size(data: bytes) -> tuple[int, int]:
    """Width and height of a PNG image (from its IHDR chunk); AssertionError if it is not one."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", data[:16]
    return struct.unpack(">II", data[16:24])


@pytest.mark.parametrize("where", ["voila", "lab"])
def test_figures_download_as_png_and_svg_and_nothing_comes_from_outside(servers, browser, where, tmp_path):
    """The charts' camera button saves a PNG of the charts at twice their size on screen; the
    export panel's link saves the charts as SVG; the page never asked another computer for
    anything (style sheets, fonts, scripts, web sockets)."""
    context, page = _open(browser, servers[where], where, SIZES[0])
    try:
        charts = page.locator(".channelsim-charts")
        charts.scroll_into_view_if_needed()
        charts.hover()
        box = charts.bounding_box()
        camera = page.locator(".channelsim-charts .modebar-btn[data-title^='Download plot as a PNG']")
        png = _download(page, lambda: camera.click(timeout=30_000), tmp_path)
        data = png.read_bytes()
        width, height = _png_size(data)
        assert png.name == "channelsim.png" and len(data) > 30_000, (png.name, len(data))
        assert abs(width - 2 * box["width"]) <= 4 and abs(height - 2 * box["height"]) <= 4, (width, height, box)

        page.locator(".lm-TabBar-tab", has_text="Export").click()
        page.click("button.channelsim-export")
        link = page.locator("a.channelsim-download", has_text="charts (SVG)")
        svg = _download(page, lambda: link.click(), tmp_path)
        assert svg.name.endswith("-charts.svg") and svg.stat().st_size > 50_000, (svg.name, svg.stat().st_size)
        root = ElementTree.parse(svg).getroot()
        assert root.tag == "{http://www.w3.org/2000/svg}svg" and len(root) > 0
        assert not page.outside, f"requested from outside this computer: {page.outside}"
    finally:
        context.close()


SLIDER = ".channelsim-param-officers_per_day"
CHART_TITLE = ".channelsim-charts .g-gtitle"


def drag_slider(page, selector: str, pixels: float) -> float:
    """Drag a slider's handle by ``pixels`` with the mouse; returns the time of the release
    (``performance.now()`` of the page)."""
    handle = page.locator(f"{selector} .noUi-handle")
    handle.scroll_into_view_if_needed()
    box = handle.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + pixels / 2, y, steps=3)
    page.mouse.move(x + pixels, y, steps=3)
    released = page.evaluate("() => performance.now()")
    page.mouse.up()
    return released


WATCH_TITLE = """() => { window.__chartTimes = {}; const el = document.querySelector('.channelsim-charts');
  const seen = (el.querySelector('.g-gtitle') || {}).textContent || '';
  const look = () => { const t = (el.querySelector('.g-gtitle') || {}).textContent || '';
    const now = performance.now(), times = window.__chartTimes;
    if (t !== seen && !times.first) times.first = now;
    if (t !== seen && !t.includes('so far')) { times.full = now; return; }
    requestAnimationFrame(look); };
  requestAnimationFrame(look); }"""


def slider_to_chart(page) -> tuple[float, float]:
    """Move the officers slider; seconds from the release to the first days drawn and to the
    whole period drawn."""
    page.evaluate(WATCH_TITLE)
    released = drag_slider(page, SLIDER, 12)
    page.wait_for_function("() => window.__chartTimes.full", timeout=TIMEOUT_MS)
    times = page.evaluate("() => window.__chartTimes")
    return (times["first"] - released) / 1000, (times["full"] - released) / 1000


def test_slider_hover_scenario_switch_and_download_in_voila(servers, browser, tmp_path):
    context, page = _open(browser, servers["voila"], "voila", SIZES[0])
    try:
        before = page.input_value(".channelsim-box-officers_per_day input")
        first, full = slider_to_chart(page)
        print(f"\nslider release to first days drawn: {first:.2f} s; to the whole period: {full:.2f} s")
        after = page.input_value(".channelsim-box-officers_per_day input")
        assert after != before
        assert "1 parameter changed" in page.text_content(CHART_TITLE)

        # a typed value out of range is refused with the registry's message, not clamped
        box = page.locator(".channelsim-box-officers_per_day input")
        box.fill("99999")
        box.press("Enter")
        page.wait_for_function("() => document.querySelector('.channelsim-param-officers_per_day')"
                               ".closest('.widget-vbox').innerText.includes('Refused')")
        assert page.input_value(".channelsim-box-officers_per_day input") == after

        # step until boats are at sea at the map's hour, then hover one
        for _ in range(30):
            page.click("button.channelsim-step")
            page.wait_for_timeout(250)
            if page.evaluate(BOATS_ON_MAP) > 0:
                break
        assert page.evaluate(BOATS_ON_MAP) > 0, "no boat at sea in 30 days"
        page.locator(".channelsim-map").scroll_into_view_if_needed()
        x, y = page.evaluate(FIRST_BOAT_XY)
        page.mouse.move(x - 3, y - 3)
        page.mouse.move(x, y, steps=3)
        label = page.wait_for_selector(".channelsim-map .hoverlayer .hovertext", timeout=15_000)
        text = label.text_content()
        assert "people aboard" in text and "status" in text, text
        _shot(page, "voila_hover_boat")

        # a scenario switch with edits asks first
        picker = page.locator(".channelsim-scenario select")
        shown = picker.input_value()
        picker.select_option(label=_scenario_label(scenarios.get("pilot_announced")))
        page.wait_for_selector(".channelsim-confirm", state="visible")
        assert "discards your 1 edited parameter" in page.inner_text(".channelsim-confirm")
        assert picker.input_value() == shown
        page.locator(".channelsim-confirm button", has_text="Keep my edits").click()
        page.wait_for_selector(".channelsim-confirm", state="hidden")

        # the download link produces the run's CSV
        page.locator(".lm-TabBar-tab", has_text="Export").click()
        page.click("button.channelsim-export")
        link = page.wait_for_selector("a.channelsim-download")
        with page.expect_download() as download:
            link.click()
        saved = tmp_path / download.value.suggested_filename
        download.value.save_as(saved)
        assert saved.name.endswith("-daily.csv")
        lines = saved.read_text().splitlines()
        assert lines[0].startswith("date,arrivals") and len(lines) == DAYS + 1
    finally:
        context.close()


BOATS_ON_MAP = """() => { const gd = document.querySelector('.channelsim-map');
  const t = gd.data.find(d => (d.name || '').startsWith('boat at sea')); return t && t.x ? t.x.length : 0; }"""
FIRST_BOAT_XY = """() => { const gd = document.querySelector('.channelsim-map');
  const t = gd.data.find(d => (d.name || '').startsWith('boat at sea'));
  const L = gd._fullLayout, r = gd.getBoundingClientRect();
  return [r.left + L.xaxis._offset + L.xaxis.l2p(t.x[0]), r.top + L.yaxis._offset + L.yaxis.l2p(t.y[0])]; }"""
