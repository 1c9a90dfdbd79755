"""The metric registry: every key of DOMAIN.md §5 declared once, with labels, format and definition."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from core.semantic import cubes, metrics

DOMAIN = Path(__file__).resolve().parents[3] / "shared" / "DOMAIN.md"


def domain_keys() -> list[str]:
    """The metric keys of DOMAIN.md §5, read from its table (the first column of each row)."""
    text = DOMAIN.read_text(encoding="utf-8")
    section = text.split("## 5.")[1].split("## 6.")[0]
    keys: list[str] = []
    for line in section.splitlines():
        m = re.match(r"^\| ([a-z0-9_, ]+) \|", line)
        if m and m.group(1).strip() != "key":
            keys += [k.strip() for k in m.group(1).split(",")]
    return keys


@pytest.mark.skipif(not DOMAIN.exists(), reason="shared/DOMAIN.md is not beside the project")
def test_every_domain_key_is_in_the_registry() -> None:
    """All 48 keys of DOMAIN.md §5 (hires and leavers share a row) are registered, none extra."""
    keys = domain_keys()
    assert len(keys) == 48
    assert set(keys) == set(metrics.METRIC_KEYS)


def test_keys_unique_labels_formats_and_definitions() -> None:
    """Keys are unique; each has zh and en labels, a known format and a definition in both languages."""
    assert len(metrics.METRIC_KEYS) == len(set(metrics.METRIC_KEYS))
    for m in metrics.METRICS.values():
        assert m.label_zh and m.label_en and m.label_zh != m.label_en, m.key
        assert m.fmt in metrics.FORMATS, m.key
        assert m.description_zh and m.description_en, m.key
        assert m.needs, m.key


def test_every_base_has_a_source_and_every_source_runs() -> None:
    """Every base a formula needs is computed by a known source that declares its dimensions."""
    needed = {n for m in metrics.METRICS.values() for n in m.needs}
    assert needed <= set(cubes.BASE_SOURCE) | {"headcount_start"}
    assert set(cubes.BASE_SOURCE.values()) <= set(cubes.SOURCE_DIMS)


def test_rates_are_formatted_as_percentages() -> None:
    """Every key ending in _rate or _share or _coverage is a pct1 metric (a fraction shown as %)."""
    for key, m in metrics.METRICS.items():
        if key.endswith(("_rate", "_share", "_coverage", "_ratio")):
            assert m.fmt == "pct1", key


def test_unknown_keys_and_dimensions_are_refused() -> None:
    """compute_metrics names an unknown key or dimension before touching the database."""
    with pytest.raises(ValueError, match="unknown metric key"):
        metrics.compute_metrics(None, None, None, metrics=["nope"])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown dimension"):
        metrics.compute_metrics(None, None, None, by=["colour"])  # type: ignore[arg-type]
