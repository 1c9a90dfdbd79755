"""Rules as data (DOMAIN.md §6): the shipped defaults, a company's override file and its errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.compliance import risk
from core.infra.rules import DEFAULT_RULES, RulesError, load_rules


def write(tmp_path: Path, text: str, name: str = "mine.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_are_the_domain_defaults() -> None:
    """The shipped file holds DOMAIN.md §6: 08:00–21:00 (寿险 09:00), 新疆/西藏, caps 5/24 h and 3/5 min, 72 h, 3 %, marking 20 % / 50 % / 200."""
    r = load_rules()
    assert r.default_window == (8 * 60, 21 * 60)
    assert r.window_for(purpose="marketing", industry="寿险") == (9 * 60, 21 * 60)
    assert r.window_for(purpose="marketing", industry="零售") == (8 * 60, 21 * 60)
    assert r.blocked_provinces == ("新疆", "西藏")
    assert (r.caps_per_24h, r.caps_per_5min, r.recall_hours) == (5, 3, 72)
    assert r.get("abandon.limit") == 0.03
    assert r.get("recording.coverage") == 1.0
    assert (
        r.get("marking.min_answer_rate"),
        r.get("marking.max_short_share"),
        r.get("marking.max_daily_calls"),
    ) == (
        0.20,
        0.50,
        200,
    )
    assert r.get("complaints.red_channels") == ["12321", "miit"]
    assert (r.get("risk_bands.medium"), r.get("risk_bands.high"), r.get("risk_bands.critical")) == (
        30,
        60,
        80,
    )


def test_every_risk_rule_has_a_weight_a_kind_and_a_source() -> None:
    """Each [risk.*] rule: kind count / rate_high / rate_low, weight in (0, 1], levels for rate rules, a resolved source text."""
    rules = risk.risk_rules()
    assert {r.id for r in rules} == {
        "outside_hours",
        "blocked_region",
        "out_of_coverage",
        "unregistered_number",
        "dnc",
        "over_cap",
        "recall_after_abandon",
        "abandon",
        "recording",
        "marking",
        "regulator_complaints",
        "complaint_reply",
    }
    for r in rules:
        assert r.kind in ("count", "rate_high", "rate_low"), r.id
        assert 0 < r.weight <= 1, r.id
        assert r.source and not r.source.endswith(".source"), r.id
        assert r.label_zh and r.label_en, r.id
        if r.kind != "count":
            assert r.warning is not None and r.critical is not None, r.id


def test_an_override_changes_one_value_and_keeps_the_rest(tmp_path: Path) -> None:
    """An override of caps.per_24h = 4 changes that value only: per_5min, the window and the weights keep their defaults."""
    default = load_rules()
    mine = load_rules(write(tmp_path, "[caps]\nper_24h = 4\n"))
    assert mine.caps_per_24h == 4 and default.caps_per_24h == 5
    assert mine.caps_per_5min == 3
    assert mine.default_window == default.default_window
    assert mine.get("caps.source") == default.get("caps.source")
    changed = {k for k in default.data if default.data[k] != mine.data[k]}
    assert changed == {"caps"}
    assert {k: v for k, v in mine.data["caps"].items() if default.data["caps"][k] != v} == {"per_24h": 4}


def test_an_override_of_a_risk_weight_and_a_new_industry_window(tmp_path: Path) -> None:
    """risk.dnc.weight = 0.5 and a new 银行 window 10:00–20:00: both apply, the other rules keep theirs."""
    path = write(tmp_path, '[risk.dnc]\nweight = 0.5\n\n[window.by_industry]\n"银行" = ["10:00", "20:00"]\n')
    mine = load_rules(path)
    weights = {r.id: r.weight for r in risk.risk_rules(mine)}
    assert weights["dnc"] == 0.5 and weights["over_cap"] == 0.35
    assert mine.window_for(purpose="marketing", industry="银行") == (600, 1200)
    assert mine.window_for(purpose="marketing", industry="寿险") == (540, 1260)


def test_an_integer_is_accepted_for_a_float(tmp_path: Path) -> None:
    """marking.min_answer_rate = 0 (an integer where the default is 0.20) is accepted."""
    assert load_rules(write(tmp_path, "[marking]\nmin_answer_rate = 0\n")).get("marking.min_answer_rate") == 0


@pytest.mark.parametrize(
    ("text", "key"),
    [
        pytest.param("[caps]\nper_hour = 3\n", "caps.per_hour", id="unknown-key"),
        pytest.param("[capz]\nper_24h = 3\n", "capz", id="unknown-section"),
        pytest.param('[caps]\nper_24h = "five"\n', "caps.per_24h", id="string-for-int"),
        pytest.param("[caps]\nper_5min = 3.5\n", "caps.per_5min", id="float-for-int"),
        pytest.param(
            '[blocked_regions]\nprovinces = "新疆"\n', "blocked_regions.provinces", id="string-for-list"
        ),
        pytest.param(
            "[risk.dnc]\nweight = true\n",
            "risk.dnc.weight",
            id="bool-for-float",  # pinned: bool is an int subclass and once slipped through
        ),
        pytest.param("[marking]\nmax_daily_calls = true\n", "marking.max_daily_calls", id="bool-for-int"),
        pytest.param('[window]\ndefault = ["8am", "21:00"]\n', "window.default", id="bad-time"),
        pytest.param('[window]\ndefault = ["08:00", "25:00"]\n', "window.default", id="time-out-of-range"),
        pytest.param('[window]\ndefault = ["21:00", "08:00"]\n', "window.default", id="start-after-end"),
        pytest.param('[window]\ndefault = ["08:00"]\n', "window.default", id="not-a-pair"),
        pytest.param(
            '[window.by_industry]\n"寿险" = ["09-00", "21:00"]\n',
            "window.by_industry.寿险",
            id="bad-industry-time",
        ),
    ],
)
def test_a_bad_override_names_the_key(tmp_path: Path, text: str, key: str) -> None:
    """A bad value raises RulesError whose Chinese and English messages both name the key."""
    with pytest.raises(RulesError) as info:
        load_rules(write(tmp_path, text))
    assert key in info.value.zh, info.value.zh
    assert key in info.value.en, info.value.en
    assert key in str(info.value)


def test_an_unparseable_or_missing_file_is_a_rules_error(tmp_path: Path) -> None:
    """A file that is not TOML, or that does not exist, raises RulesError naming the file."""
    with pytest.raises(RulesError) as info:
        load_rules(write(tmp_path, "[caps\nper_24h = 4\n", name="broken.toml"))
    assert "broken.toml" in info.value.en and "broken.toml" in info.value.zh
    with pytest.raises(RulesError) as info:
        load_rules(tmp_path / "absent.toml")
    assert "absent.toml" in info.value.en


def test_the_shipped_file_loads_as_its_own_override() -> None:
    """core/infra/rules.toml passed as an override is accepted and changes nothing."""
    assert load_rules(DEFAULT_RULES).data == load_rules().data
