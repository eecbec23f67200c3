"""The model description (docs/ODD.md): its generated sections match the code, it follows the
ODD headings, and every figure it cites is in the packaged facts table."""

from __future__ import annotations

import difflib
import re

import pytest

from channelsim import docs
from channelsim.model import RESULT_COLUMNS
from channelsim.params import REGISTRY
from channelsim.validation import load_facts

ODD = docs.ODD_PATH


@pytest.fixture(scope="module")
def text() -> str:
    return ODD.read_text(encoding="utf-8")


def test_generated_sections_match_the_registry_and_the_results(text):
    fresh = docs.render(text, str(ODD))
    if fresh != text:
        diff = "\n".join(list(difflib.unified_diff(text.splitlines(), fresh.splitlines(),
                                                   "docs/ODD.md", "generated", lineterm=""))[:20])
        pytest.fail(f"docs/ODD.md is out of date with the code: run `{docs.REGENERATE}`\n{diff}")


def test_every_parameter_and_result_column_is_documented_once(text):
    for s in REGISTRY:
        rows = [r for r in re.findall(rf"^\| `{s.name}` \|.*$", text, flags=re.M)
                if r.count(" | ") == 5]  # parameter rows have six columns
        assert len(rows) == 1, f"parameter {s.name} appears {len(rows)} times in the table"
        assert s.unit in rows[0] and s.source.replace("|", "\\|") in rows[0]
    for column in RESULT_COLUMNS:
        assert re.search(rf"^\| `{column}` \|", text, flags=re.M), column


def test_a_registry_change_makes_the_document_stale(text, monkeypatch):
    import dataclasses

    from channelsim import params

    changed = tuple(dataclasses.replace(s, default=s.default * 2) if s.name == "inflow_per_year"
                    else s for s in params.REGISTRY)
    monkeypatch.setattr(params, "REGISTRY", changed)
    monkeypatch.setattr(docs, "REGISTRY", changed)
    assert docs.render(text) != text


def test_headings_follow_the_odd_protocol(text):
    headings = re.findall(r"^## (.+)$", text, flags=re.M)
    assert headings[:7] == [
        "1 Purpose and patterns", "2 Entities, state variables, and scales",
        "3 Process overview and scheduling", "4 Design concepts", "5 Initialization",
        "6 Input data", "7 Submodels"]
    concepts = re.findall(r"^### 4\.\d+ (.+)$", text, flags=re.M)
    assert concepts == ["Basic principles", "Emergence", "Adaptation", "Objectives", "Learning",
                        "Prediction", "Sensing", "Interaction", "Stochasticity", "Collectives",
                        "Observation"]


def test_every_cited_fact_is_in_the_packaged_facts_table(text):
    known = set(load_facts().fact)
    cited = set(re.findall(r"fact:(\w+)", text))
    assert cited, "the description cites no facts"
    assert cited <= known, f"cited but not in channel_facts.csv: {sorted(cited - known)}"


def test_missing_markers_are_named():
    with pytest.raises(ValueError, match="mine.md: no generated section 'parameters'"):
        docs.render("# nothing generated here\n", "mine.md")
