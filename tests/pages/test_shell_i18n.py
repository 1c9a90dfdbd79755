"""core.infra.i18n: the translation table and the one number formatter (exact strings)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from core.infra.i18n import FORMATS, MISSING, TEXTS, fmt, normalize_lang, t
from core.pagedata.home import HEADLINES

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("value", "code", "lang", "expected"),
    [
        (2_345_678, "wan", "zh", "234.6万"),
        (2_345_678, "wan", "en", "2.35M"),
        (9_999, "wan", "zh", "9,999"),
        (12_345, "wan", "en", "12.3K"),
        (123_456_789, "wan", "zh", "1.23亿"),
        (99_999_999, "wan", "zh", "1.00亿"),
        (999_950, "wan", "en", "1.00M"),
        (1_234_567_890, "wan", "en", "1.23B"),
        (-12_345, "wan", "zh", "-1.2万"),
        (2_345_678, "num0", "zh", "2,345,678"),
        (2_345_678, "num0", "en", "2,345,678"),
        (1234.5678, "num2", "en", "1,234.57"),
        (0.1234, "pct1", "zh", "12.3%"),
        (0.1234, "pct0", "en", "12%"),
        (0.15, "pct1", "en", "15.0%"),
        (1.0, "pct2", "en", "100.00%"),
        (0.012, "pp1", "zh", "1.2个百分点"),
        (-0.043, "pp1", "en", "-4.3 pp"),
        (1234.56, "hours1", "zh", "1,234.6小时"),
        (1234.56, "hours1", "en", "1,234.6 h"),
        (45, "sec0", "zh", "45秒"),
        (45, "sec0", "en", "45 s"),
        (1.2345, "per10k2", "en", "1.23"),
        (date(2024, 5, 1), "month", "zh", "2024年5月"),
        (date(2024, 5, 1), "month", "en", "May 2024"),
        (date(2024, 5, 1), "date", "en", "2024-05-01"),
    ],
)
def test_fmt_exact_strings(value: object, code: str, lang: str, expected: str) -> None:
    """fmt gives the exact display string for each format code and language."""
    assert fmt(value, code, lang) == expected


@pytest.mark.parametrize("code", FORMATS)
def test_fmt_missing_is_dash(code: str) -> None:
    """None and NaN show as an em dash in every format, never as 0 or 'None'."""
    assert fmt(None, code, "zh") == "—"
    assert fmt(float("nan"), code, "en") == MISSING == "—"


def test_fmt_signed_deltas() -> None:
    """signed=True adds + to gains, keeps - on losses and leaves a rounded zero unsigned."""
    assert fmt(0.15, "pct1", "en", signed=True) == "+15.0%"
    assert fmt(-0.024, "pct1", "en", signed=True) == "-2.4%"
    assert fmt(0.012, "pp1", "zh", signed=True) == "+1.2个百分点"
    assert fmt(0.0004, "pp1", "en", signed=True) == "0.0 pp"
    assert fmt(0, "pct1", "zh", signed=True) == "0.0%"
    assert fmt(12_345, "wan", "zh", signed=True) == "+1.2万"


def test_fmt_rejects_unknown_code() -> None:
    """An unknown format code is a programming error, not a silent str()."""
    with pytest.raises(ValueError, match="unknown format code 'percent'"):
        fmt(0.5, "percent", "en")


def test_t_languages_and_placeholders() -> None:
    """t picks the language, fills placeholders, and returns an unknown key unchanged."""
    assert t("page.home", "zh") == "总览"
    assert t("page.home", "en") == "Overview"
    assert t("page.settings", "zh") == "设置"
    assert t("page.settings", "en") == "Settings"
    assert t("demo.done", "en", calls="1,234") == "Demo database built: 1,234 calls."
    assert t("no.such.key", "zh") == "no.such.key"


def test_normalize_lang() -> None:
    """Only English variants switch to English; anything else is Chinese (the default)."""
    assert [normalize_lang(v) for v in ("en", "EN", "en-US", "zh", "fr", None, "")] == [
        "en",
        "en",
        "en",
        "zh",
        "zh",
        "zh",
        "zh",
    ]


def test_every_text_has_both_languages() -> None:
    """Each entry of the table has a non-empty Chinese and English text."""
    empty = [key for key, (zh, en) in TEXTS.items() if not zh.strip() or not en.strip()]
    assert empty == []


def test_every_key_used_in_the_ui_exists() -> None:
    """Every literal t("…") key in app.py, pages/ and ui/, and every headline's labels, is in TEXTS."""
    sources = [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py")), *sorted((ROOT / "ui").glob("*.py"))]
    found: set[str] = set()
    for path in sources:
        found |= set(re.findall(r"""\bt\(\s*["']([a-z_.]+)["']""", path.read_text(encoding="utf-8")))
    # The scan itself works (it is not vacuously empty): keys from three different files.
    assert {"home.no_match", "settings.schema_ok", "filter.header"} <= found
    used = set(found)
    # Keys passed by name rather than as a literal t("…") argument.
    used |= {
        "page.home",
        "page.settings",
        "lang.zh",
        "lang.en",
        "filter.site",
        "filter.team",
        "filter.campaign",
    }
    assert sorted(used - set(TEXTS)) == []


def test_headline_formats_are_known() -> None:
    """The overview's cards only use format codes fmt knows."""
    assert {h.fmt for h in HEADLINES} | {h.delta_fmt for h in HEADLINES} <= set(FORMATS)


def test_registry_formats_are_known() -> None:
    """Every format code of the metric registry (core.semantic.metrics) is one fmt understands."""
    from core.semantic.metrics import FORMATS as REGISTRY_FORMATS
    from core.semantic.metrics import METRICS

    assert set(REGISTRY_FORMATS) - set(FORMATS) == set()
    assert {m.fmt for m in METRICS.values()} - set(FORMATS) == set()
