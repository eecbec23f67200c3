"""The documentation site builds with no warnings and covers the public interface.

One Sphinx build (warnings are errors, nitpicky) into a temporary folder, with the notebooks
executed in quick mode (``CHANNELSIM_QUICK=1``; outputs are cached in
``docs/_build/.jupyter_cache_quick`` while a notebook's code is unchanged), then checks on the
pages.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import channelsim
from channelsim.model import RESULT_COLUMNS
from channelsim.params import REGISTRY
from channelsim.policies import POLICY_TYPES, registry_parameter

pytest.importorskip("sphinx", reason="the docs extra is not installed: pip install -e '.[docs]'")
pytest.importorskip("myst_nb", reason="the docs extra is not installed: pip install -e '.[docs]'")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "docs" / "_ext"))
import channelsim_site

pytestmark = pytest.mark.docs


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}  # figures need the inline backend
    env |= {"CHANNELSIM_QUICK": "1", "JUPYTER_RUNTIME_DIR": str(out / "runtime"), "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-n", "-q", "-b", "html",
           "-d", str(out / "doctrees"), str(ROOT / "docs"), str(out / "html")]
    proc = subprocess.run(cmd, check=False, env=env, capture_output=True, text=True, timeout=1200)
    warnings = [line for line in proc.stderr.splitlines() if "WARNING" in line or "ERROR" in line]
    assert proc.returncode == 0, "the site did not build:\n" + "\n".join(warnings[:40] or
                                                                           [proc.stderr[-3000:]])
    return out / "html"


def _html(site: Path, page: str) -> str:
    return (site / page).read_text(encoding="utf-8")


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_every_public_name_has_an_entry_in_the_reference(site):
    anchors = set()
    for page in (site / "reference").rglob("*.html"):
        anchors |= set(re.findall(r'id="((?:module-)?channelsim[\w.]*)"', _html(site, page.relative_to(site))))
    api = _html(site, "reference/api.html")
    for name in channelsim.__all__:
        documented = channelsim_site.canonical("channelsim", name)
        assert documented in anchors or f"module-{documented}" in anchors, \
            f"channelsim.{name} ({documented}) has no entry in the reference"
        assert f"#{documented}" in api or f"#module-{documented}" in api, \
            f"the namespace page does not link channelsim.{name}"


def test_every_module_has_a_page(site):
    for modname in channelsim_site._modules():
        if modname != "channelsim":
            assert (site / "reference" / "generated" / f"{modname}.html").exists(), modname


def test_simulate_is_documented_with_its_arguments(site):
    page = _text(_html(site, "reference/generated/channelsim.simulation.html"))
    first_line = channelsim.simulate.__doc__.strip().splitlines()[0].replace("``", "")
    assert " ".join(first_line.split()[:6]) in page
    for argument in ("scenario", "days", "seed"):
        assert argument in page


def test_policies_page_lists_every_policy_with_its_settings_and_units(site):
    page = _text(_html(site, "reference/policies.html"))
    units = {s.name: s.unit for s in REGISTRY}
    for kind, cls in POLICY_TYPES.items():
        assert cls.__name__ in page and f'type = "{kind}"' in page.replace("&quot;", '"')
        for name in cls.model_fields:
            assert name in page, f"{cls.__name__}.{name} missing"
            param = registry_parameter(cls, name)
            if param and units[param]:
                assert units[param] in page


def test_result_columns_and_parameters_are_generated_from_the_code(site):
    results = _text(_html(site, "reference/results.html"))
    for column in RESULT_COLUMNS:
        assert column in results, column
    parameters = _text(_html(site, "reference/parameters.html"))
    for s in REGISTRY:
        assert s.name in parameters and s.unit in parameters, s.name


def test_notebooks_are_rendered_with_figures_and_tables_and_say_how(site):
    for name in ("01_explore", "02_one_in_one_out", "03_validation"):
        assert "quick mode" in _text(_html(site, f"notebooks/{name}.html")), name
    page = _html(site, "notebooks/02_one_in_one_out.html")
    images = re.findall(r'<img[^>]+src="([^"]+\.png)"', page)
    assert len(images) >= 3, "notebook 02 shows fewer than three figures"
    for src in images:
        assert (site / "notebooks" / src).resolve().exists(), src
    assert page.count("<table") >= 3, "notebook 02 shows fewer than three tables"
    assert "Traceback" not in page


def test_pages_load_nothing_from_the_network_and_stay_small(site):
    for page in site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        remote = re.findall(r'<(?:script|link)[^>]*(?:src|href)="(https?:[^"]+)"', html)
        assert not remote, f"{page.relative_to(site)} loads {remote[:3]}"
        assert len(html) < 2_000_000, f"{page.relative_to(site)} is {len(html):,} characters"


def test_a_public_name_without_a_docstring_is_reported(monkeypatch):
    monkeypatch.setattr(channelsim.results.summary, "__doc__", None)
    monkeypatch.setattr(channelsim.policies.Policy.attach, "__doc__", None)
    missing = channelsim_site.undocumented()
    assert "channelsim.results.summary" in missing
    assert "channelsim.policies.Policy.attach" in missing
    assert "channelsim.results.aggregate" not in missing
