"""Rules validated by meaning (issue 15): every key of rules.toml has a range; a value outside it is
refused with the key and the range named, in Chinese and English, from the library and the CLI.

Each snippet is a hand-written override; the range each message must name is the one written
beside the key in core/infra/rules.py (CHECKS) or the order between keys it breaks.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from core.cli.parser import main
from core.infra import db
from core.infra.rules import CHECKS, DEFAULT_RULES, RulesError, check_for, load_rules, shipped_defaults

ALL_WEIGHTS_ZERO = "[credit.weights]\n" + "".join(
    f"{k} = 0\n"
    for k in ("timeliness", "accuracy", "consistency", "complaints", "rule_breaches", "qa", "hygiene")
)

#: (override, key named, fragment of the English range, fragment of the Chinese range)
REFUSED = [
    # the issue's own examples
    pytest.param(
        "[risk.abandon]\nweight = nan\n",
        "risk.abandon.weight",
        "in [0, 1]; got nan",
        "[0, 1]",
        id="weight-nan",
    ),
    pytest.param(
        "[risk.abandon]\nweight = 5\n", "risk.abandon.weight", "in [0, 1]; got 5", "[0, 1]", id="weight-5"
    ),
    pytest.param(
        "[risk.dnc]\nweight = -2\n", "risk.dnc.weight", "in [0, 1]; got -2", "[0, 1]", id="weight-minus-2"
    ),
    pytest.param(
        "[risk.dnc]\nweight = inf\n", "risk.dnc.weight", "in [0, 1]; got inf", "[0, 1]", id="weight-inf"
    ),
    pytest.param(
        '[risk.abandon]\nkind = "ratio"\n',
        "risk.abandon.kind",
        "one of count, rate_high, rate_low",
        "count, rate_high, rate_low 之一",
        id="unknown-kind",
    ),
    pytest.param(
        "[caps]\nper_24h = -1\n",
        "caps.per_24h",
        "a whole number ≥ 1; got -1",
        "不小于 1 的整数",
        id="cap-negative",
    ),
    pytest.param(
        "[caps]\nper_5min = 0\n", "caps.per_5min", "a whole number ≥ 1; got 0", "不小于 1", id="cap-zero"
    ),
    pytest.param(
        "[caps]\nper_24h = nan\n", "caps.per_24h", "a whole number ≥ 1; got nan", "不小于 1", id="cap-nan"
    ),
    pytest.param(
        "[risk_bands]\nmedium = 80\ncritical = 30\n",
        "risk_bands",
        "medium < high < critical ≤ 100 (now 80 / 60 / 30)",
        "medium < high < critical",
        id="bands-inverted",
    ),
    pytest.param(
        "[risk_bands]\ncritical = 120\n",
        "risk_bands.critical",
        "in (0, 100]; got 120",
        "(0, 100]",
        id="band-over-100",
    ),
    pytest.param(
        "[risk_bands]\nhigh = nan\n", "risk_bands.high", "in (0, 100]; got nan", "(0, 100]", id="band-nan"
    ),
    # every other key
    pytest.param(
        '[window]\ndefault = ["21:00", "08:00"]\n',
        "window.default",
        "start must be before end",
        "开始时间应早于结束时间",
        id="window-inverted",
    ),
    pytest.param(
        '[window.by_industry]\n"银行" = ["10:00", "10:00"]\n',
        "window.by_industry.银行",
        "start must be before end",
        "开始时间",
        id="industry-window-empty",
    ),
    pytest.param(
        '[window.by_purpose]\n"sales" = ["09:00", "20:00"]\n',
        "window.by_purpose.sales",
        "marketing, collection",
        "marketing, collection",
        id="purpose-unknown",
    ),
    pytest.param(
        '[blocked_regions]\nprovinces = ["新疆维吾尔自治区"]\n',
        "blocked_regions.provinces",
        "values from 北京",
        "取自 北京",
        id="province-unknown",
    ),
    pytest.param(
        '[blocked_regions]\nprovinces = ["新疆", "新疆"]\n',
        "blocked_regions.provinces",
        "distinct",
        "互不重复",
        id="province-twice",
    ),
    pytest.param(
        "[abandon]\nlimit = 1.5\n", "abandon.limit", "in [0, 1]; got 1.5", "[0, 1]", id="abandon-limit-over-1"
    ),
    pytest.param(
        "[abandon]\nlimit = nan\n", "abandon.limit", "in [0, 1]; got nan", "[0, 1]", id="abandon-limit-nan"
    ),
    pytest.param(
        "[abandon]\nrecall_hours = 0\n",
        "abandon.recall_hours",
        "in [1, 8784]; got 0",
        "[1, 8784]",
        id="recall-zero",
    ),
    pytest.param(
        "[recording]\ncoverage = -0.1\n", "recording.coverage", "in [0, 1]", "[0, 1]", id="coverage-negative"
    ),
    pytest.param(
        '[recording]\npurposes = ["marketing", "sales"]\n',
        "recording.purposes",
        "values from marketing",
        "marketing",
        id="purpose-list-unknown",
    ),
    pytest.param(
        "[marking]\nmin_answer_rate = inf\n",
        "marking.min_answer_rate",
        "in [0, 1]; got inf",
        "[0, 1]",
        id="answer-rate-inf",
    ),
    pytest.param(
        "[marking]\nmax_short_share = 2\n",
        "marking.max_short_share",
        "in [0, 1]; got 2",
        "[0, 1]",
        id="short-share-2",
    ),
    pytest.param(
        "[marking]\nshort_seconds = 0\n",
        "marking.short_seconds",
        "≥ 1; got 0",
        "不小于 1",
        id="short-seconds-0",
    ),
    pytest.param(
        "[marking]\nmax_daily_calls = 0\n",
        "marking.max_daily_calls",
        "≥ 1; got 0",
        "不小于 1",
        id="daily-calls-0",
    ),
    pytest.param(
        "[marking]\nmin_calls = -5\n", "marking.min_calls", "≥ 0; got -5", "不小于 0", id="min-calls-negative"
    ),
    pytest.param(
        "[marking]\nmin_connected = -1\n",
        "marking.min_connected",
        "≥ 0; got -1",
        "不小于 0",
        id="min-connected-negative",
    ),
    pytest.param(
        '[complaints]\nred_channels = ["12321", "weibo"]\n',
        "complaints.red_channels",
        "values from 12321, miit",
        "12321, miit",
        id="channel-unknown",
    ),
    pytest.param(
        "[complaints]\nmin_reply_rate = 1.2\n",
        "complaints.min_reply_rate",
        "in [0, 1]; got 1.2",
        "[0, 1]",
        id="reply-rate-over-1",
    ),
    pytest.param(
        "[healthy_occupancy]\nlow = 0.9\n",
        "healthy_occupancy",
        "zero_low < low < high < zero_high (now 0.3 / 0.9 / 0.88 / 1.0)",
        "zero_low < low",
        id="occupancy-unordered",
    ),
    pytest.param(
        "[healthy_occupancy]\nzero_high = nan\n",
        "healthy_occupancy.zero_high",
        "in [0, 1.5]; got nan",
        "[0, 1.5]",
        id="occupancy-nan",
    ),
    # rate_high: warning 0.05 against the critical level abandon.limit = 0.03
    pytest.param(
        "[risk.abandon]\nwarning = 0.05\n",
        "risk.abandon",
        "(rate_high) levels must satisfy warning < critical (now warning 0.05 / critical 0.03)",
        "warning < critical",
        id="rate-high-unordered",
    ),
    # rate_low: critical 1.0 against the warning level recording.coverage = 1.0
    pytest.param(
        "[risk.recording]\ncritical = 1.0\n",
        "risk.recording",
        "(rate_low) levels must satisfy warning > critical (now warning 1.0 / critical 1.0)",
        "warning > critical",
        id="rate-low-unordered",
    ),
    pytest.param(
        "[risk.abandon]\nwarning = nan\n",
        "risk.abandon.warning",
        "in [0, 1]; got nan",
        "[0, 1]",
        id="warning-nan",
    ),
    pytest.param(
        "[risk.complaint_reply]\ncritical = -0.5\n",
        "risk.complaint_reply.critical",
        "in [0, 1]",
        "[0, 1]",
        id="critical-negative",
    ),
    pytest.param(
        "[risk.abandon]\nmin_base = -1\n",
        "risk.abandon.min_base",
        "≥ 0; got -1",
        "不小于 0",
        id="min-base-negative",
    ),
    pytest.param(
        '[risk.dnc]\nlabel_en = " "\n', "risk.dnc.label_en", "non-empty text", "非空文本", id="label-blank"
    ),
    pytest.param(
        "[material.seats]\nmax_relative_change = -0.3\n",
        "material.seats.max_relative_change",
        "≥ 0; got -0.3",
        "不小于 0",
        id="seats-negative",
    ),
    pytest.param(
        "[material.numbers]\nmax_relative_change = inf\n",
        "material.numbers.max_relative_change",
        "≥ 0; got inf",
        "不小于 0",
        id="numbers-inf",
    ),
    pytest.param(
        '[material.outbound_share]\nmode = "percent"\n',
        "material.outbound_share.mode",
        "one of points, relative",
        "points, relative",
        id="share-mode",
    ),
    pytest.param(
        "[material.outbound_share]\nmax_change = 20\n",
        "material.outbound_share.max_change",
        "in [0, 1]; got 20",
        "[0, 1]",
        id="share-points-over-1",
    ),
    pytest.param(
        "[material.equity]\nmin_stake_change_pp = 101.0\n",
        "material.equity.min_stake_change_pp",
        "in [0, 100]; got 101.0",
        "[0, 100]",
        id="equity-over-100",
    ),
    pytest.param(
        "[material.sites]\nevidence = []\n",
        "material.sites.evidence",
        "a list of distinct non-empty texts",
        "非空文本",
        id="evidence-empty",
    ),
    pytest.param(
        "[credit]\nthreshold = 120\n",
        "credit.threshold",
        "in [0, 100]; got 120",
        "[0, 100]",
        id="credit-threshold",
    ),
    pytest.param(
        '[credit]\ngrades = [["AA", 100], ["A", 60], ["B", 80], ["C", 0]]\n',
        "credit.grades",
        "from the highest down to a last 0",
        "从高到低",
        id="grades-unordered",
    ),
    pytest.param(
        '[credit]\ngrades = [["AA", 100], ["A", 80], ["B", 60]]\n',
        "credit.grades",
        "from the highest down to a last 0",
        "最后一档为 0",
        id="grades-no-zero",
    ),
    pytest.param(
        "[credit]\nbreaches_per_10k_zero = 0\n",
        "credit.breaches_per_10k_zero",
        "> 0; got 0",
        "大于 0",
        id="breaches-zero",
    ),
    pytest.param(
        "[credit]\nbreaches_per_10k_zero = nan\n",
        "credit.breaches_per_10k_zero",
        "> 0; got nan",
        "大于 0",
        id="breaches-nan",
    ),
    pytest.param(
        "[credit.weights]\nqa = -10\n",
        "credit.weights.qa",
        "in [0, 100]; got -10",
        "[0, 100]",
        id="credit-weight-negative",
    ),
    pytest.param(
        ALL_WEIGHTS_ZERO,
        "credit.weights",
        "must have a positive sum",
        "总和应大于 0",
        id="credit-weights-zero",
    ),
    pytest.param('version = ""\n', "version", "non-empty text", "非空文本", id="version-blank"),
    pytest.param('[caps]\nsource = ""\n', "caps.source", "non-empty text", "非空文本", id="source-blank"),
]


#: The refusals issue 15 names.
ISSUE_EXAMPLES = (
    "weight-nan",
    "weight-5",
    "weight-minus-2",
    "unknown-kind",
    "cap-negative",
    "bands-inverted",
)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "override.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("text", "key", "en", "zh"), REFUSED)
def test_a_value_out_of_its_range_is_refused_naming_key_and_range(
    tmp_path: Path, text: str, key: str, en: str, zh: str
) -> None:
    """load_rules raises RulesError whose English and Chinese messages name the key and the range."""
    with pytest.raises(RulesError) as info:
        load_rules(write(tmp_path, text))
    assert f"rule {key} " in info.value.en, info.value.en
    assert en in info.value.en, info.value.en
    assert f"规则 {key} " in info.value.zh, info.value.zh
    assert zh in info.value.zh, info.value.zh


@pytest.mark.parametrize(
    ("text", "key", "en", "zh"),
    [p for p in REFUSED if p.id and "weight" in p.id][:3]
    + [p for p in REFUSED if p.id in ("unknown-kind", "cap-negative", "bands-inverted")],
)
def test_the_cli_refuses_it_in_one_line_exit_2(tmp_path: Path, text: str, key: str, en: str, zh: str) -> None:
    """``python -m core rules check FILE`` (no database needed): exit 2, one line naming key and range."""
    del zh
    lines: list[str] = []
    assert main(["rules", "check", str(write(tmp_path, text))], stderr=lines.append) == 2
    assert len(lines) == 1 and lines[0].count("\n") == 1, lines
    assert lines[0].startswith(f"error: rule {key} ") and en in lines[0], lines[0]


@pytest.fixture(scope="module")
def empty_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A DuckDB file with the schema and no rows (the risk command checks the schema first)."""
    url = f"duckdb:///{tmp_path_factory.mktemp('meaning') / 'empty.duckdb'}"
    engine = db.make_engine(url)
    db.create_schema(engine)
    engine.dispose()
    return url


@pytest.mark.parametrize(("text", "key", "en", "zh"), [p for p in REFUSED if p.id in ISSUE_EXAMPLES])
def test_a_command_given_it_with_rules_exits_2_in_one_line(
    tmp_path: Path, empty_url: str, text: str, key: str, en: str, zh: str
) -> None:
    """``python -m core risk --rules FILE``: the issue's examples each end the command with exit 2 and
    one line naming the key and the range; nothing is computed."""
    del zh
    lines: list[str] = []
    argv = [
        "risk",
        "--db",
        empty_url,
        "--from",
        "2025-09-01",
        "--to",
        "2025-09-30",
        "--rules",
        str(write(tmp_path, text)),
    ]
    assert main(argv, stderr=lines.append) == 2
    assert len(lines) == 1 and lines[0].startswith(f"error: rule {key} ") and en in lines[0], lines


def test_every_key_of_the_shipped_file_has_a_meaning_check() -> None:
    """Every leaf of rules.toml matches a pattern of CHECKS, and each pattern matches some leaf
    (no dead check); the shipped file passes them all, as its own override too."""

    def leaves(node: dict[str, object], path: str = "") -> list[str]:
        out: list[str] = []
        for key, value in node.items():
            where = f"{path}.{key}" if path else key
            out += leaves(value, where) if isinstance(value, dict) else [where]  # type: ignore[arg-type]
        return out

    keys = leaves(shipped_defaults())
    assert [k for k in keys if check_for(k) is None] == []
    import fnmatch

    # window.by_purpose.* has no shipped entry (none by default); every other pattern matches one
    unused = [p for p in CHECKS if not any(fnmatch.fnmatchcase(k, p) for k in keys)]
    assert unused == ["window.by_purpose.*"]
    assert load_rules().data == load_rules(DEFAULT_RULES).data


@pytest.mark.parametrize(
    ("text", "key", "value"),
    [
        pytest.param("[risk.dnc]\nweight = 0\n", "risk.dnc.weight", 0, id="weight-0-switches-a-rule-off"),
        pytest.param("[caps]\nper_5min = 1\n", "caps.per_5min", 1, id="cap-1"),
        pytest.param("[marking]\nmin_calls = 0\n", "marking.min_calls", 0, id="judge-every-day"),
        pytest.param(
            '[window.by_purpose]\n"collection" = ["09:00", "20:00"]\n',
            "window.by_purpose.collection",
            ["09:00", "20:00"],
            id="purpose-window",
        ),
        pytest.param("[risk_bands]\ncritical = 100\n", "risk_bands.critical", 100, id="band-100"),
    ],
)
def test_values_at_the_edges_of_their_range_are_accepted(
    tmp_path: Path, text: str, key: str, value: object
) -> None:
    """The ranges are closed where the docs say so: weight 0, cap 1, min_calls 0, critical band 100."""
    assert load_rules(write(tmp_path, text)).get(key) == value
