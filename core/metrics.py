"""The metric registry of DOMAIN.md §5 and the engine that computes any metric by any dimension.

Every metric key is declared once in :data:`METRICS`, with its labels, format code, direction of
"good", a one-line definition (the app's tooltip) and its formula over a few *base* aggregates.
Bases are integer counts, integer sums of seconds and exact distinct counts, aggregated **in the
database** by the query builders in :mod:`core.cubes`; every division happens afterwards in polars,
null-safe (a zero denominator gives null), so every engine yields the same numbers to the last digit.

>>> METRICS["connect_rate"].needs
('connected_calls', 'outbound_calls')
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

import polars as pl
from sqlalchemy.engine import Engine

from core import cubes
from core.cubes import DIMENSIONS, Filters
from core.rules import Rules, load_rules

#: Format codes used by :func:`core.i18n.fmt` and the exports.
FORMATS = ("num0", "num1", "num2", "pct1", "hours1", "sec0", "per10k2")


def safe_div(num: pl.Expr, den: pl.Expr, factor: float = 1.0) -> pl.Expr:
    """``num / den × factor`` as Float64, null when ``den`` is zero or null."""
    return pl.when(den.is_not_null() & (den != 0)).then(num.cast(pl.Float64) / den * factor).otherwise(None)


@dataclass(frozen=True)
class Metric:
    """One metric of DOMAIN.md §5.

    Attributes:
        key: fixed key (DOMAIN.md §5).
        label_zh, label_en: labels for the UI and exports.
        fmt: format code (see :data:`FORMATS`).
        higher_is_better: direction of "good" for colouring deltas; ``None`` when neutral.
        description_zh, description_en: the one-line definition shown as a tooltip.
        needs: the base aggregates the formula reads.
        formula: builds the polars expression from base columns.
    """

    key: str
    label_zh: str
    label_en: str
    fmt: str
    higher_is_better: bool | None
    description_zh: str
    description_en: str
    needs: tuple[str, ...]
    formula: Callable[[], pl.Expr]

    def label(self, lang: str = "zh") -> str:
        return self.label_zh if lang == "zh" else self.label_en

    def description(self, lang: str = "zh") -> str:
        return self.description_zh if lang == "zh" else self.description_en


def _base(name: str) -> Callable[[], pl.Expr]:
    return lambda: pl.col(name).cast(pl.Int64)


def _ratio(num: str, den: str, factor: float = 1.0) -> Callable[[], pl.Expr]:
    return lambda: safe_div(pl.col(num), pl.col(den), factor)


def _hours(name: str) -> Callable[[], pl.Expr]:
    return lambda: pl.col(name).cast(pl.Float64) / 3600.0


_DEFS: list[tuple[str, str, str, str, bool | None, str, str, tuple[str, ...], Callable[[], pl.Expr]]] = [
    # key, zh, en, fmt, higher_is_better, description zh, description en, needs, formula
    (
        "outbound_calls",
        "外呼量",
        "Outbound calls",
        "num0",
        None,
        "外呼通话次数(direction = out)",
        "Count of outbound calls",
        ("outbound_calls",),
        _base("outbound_calls"),
    ),
    (
        "inbound_calls",
        "呼入量",
        "Inbound calls",
        "num0",
        None,
        "呼入通话次数(direction = in)",
        "Count of inbound calls",
        ("inbound_calls",),
        _base("inbound_calls"),
    ),
    (
        "outbound_share",
        "外呼占比",
        "Outbound share",
        "pct1",
        None,
        "外呼量 ÷(外呼量 + 呼入量)",
        "outbound_calls / (outbound_calls + inbound_calls)",
        ("outbound_calls", "inbound_calls"),
        lambda: safe_div(pl.col("outbound_calls"), pl.col("outbound_calls") + pl.col("inbound_calls")),
    ),
    (
        "connected_calls",
        "外呼接通量",
        "Connected outbound calls",
        "num0",
        True,
        "接通(answered)的外呼次数",
        "Outbound calls connected (disposition answered)",
        ("connected_calls",),
        _base("connected_calls"),
    ),
    (
        "connect_rate",
        "外呼接通率",
        "Connect rate",
        "pct1",
        True,
        "外呼接通量 ÷ 外呼量",
        "connected_calls / outbound_calls",
        ("connected_calls", "outbound_calls"),
        _ratio("connected_calls", "outbound_calls"),
    ),
    (
        "effective_calls",
        "有效通话量",
        "Effective calls",
        "num0",
        True,
        "接通且通话 ≥ 30 秒并有双向语音的外呼",
        "Outbound calls connected with talk ≥ 30 s and two-way voice",
        ("effective_calls",),
        _base("effective_calls"),
    ),
    (
        "effective_rate",
        "有效通话率",
        "Effective rate",
        "pct1",
        True,
        "有效通话量 ÷ 外呼量",
        "effective_calls / outbound_calls",
        ("effective_calls", "outbound_calls"),
        _ratio("effective_calls", "outbound_calls"),
    ),
    (
        "effective_of_connected",
        "接通有效率",
        "Effective share of connected",
        "pct1",
        True,
        "有效通话量 ÷ 外呼接通量",
        "effective_calls / connected_calls",
        ("effective_calls", "connected_calls"),
        _ratio("effective_calls", "connected_calls"),
    ),
    (
        "reached_customers",
        "触达客户数",
        "Customers reached",
        "num0",
        True,
        "接通外呼的去重客户数",
        "Distinct callees over connected outbound calls",
        ("reached_customers",),
        _base("reached_customers"),
    ),
    (
        "effective_customers",
        "有效触达客户数",
        "Customers reached effectively",
        "num0",
        True,
        "有效外呼的去重客户数",
        "Distinct callees over effective outbound calls",
        ("effective_customers",),
        _base("effective_customers"),
    ),
    (
        "attempts_per_effective_customer",
        "单客有效触达外呼次数",
        "Attempts per effective customer",
        "num2",
        False,
        "外呼量 ÷ 有效触达客户数",
        "outbound_calls / effective_customers",
        ("outbound_calls", "effective_customers"),
        _ratio("outbound_calls", "effective_customers"),
    ),
    (
        "avg_talk_seconds",
        "平均通话时长",
        "Average talk time",
        "sec0",
        None,
        "接通外呼的平均通话秒数",
        "Mean talk_seconds over connected outbound calls",
        ("talk_seconds_connected_out", "connected_calls"),
        _ratio("talk_seconds_connected_out", "connected_calls"),
    ),
    (
        "inbound_answer_rate",
        "呼入接通率",
        "Inbound answer rate",
        "pct1",
        True,
        "呼入接通量 ÷ 呼入量",
        "Inbound answered / inbound_calls",
        ("inbound_answered", "inbound_calls"),
        _ratio("inbound_answered", "inbound_calls"),
    ),
    (
        "inbound_abandon_rate",
        "呼入放弃率",
        "Inbound abandon rate",
        "pct1",
        False,
        "排队中挂断的呼入 ÷ 呼入量",
        "Inbound abandoned / inbound_calls",
        ("inbound_abandoned", "inbound_calls"),
        _ratio("inbound_abandoned", "inbound_calls"),
    ),
    (
        "service_level_20s",
        "20 秒服务水平",
        "Service level (20 s)",
        "pct1",
        True,
        "20 秒内接起的呼入 ÷ 呼入量",
        "Inbound answered with ring_seconds ≤ 20 / inbound_calls",
        ("inbound_answered_20s", "inbound_calls"),
        _ratio("inbound_answered_20s", "inbound_calls"),
    ),
    (
        "effective_talk_hours",
        "有效通话时长",
        "Effective talk hours",
        "hours1",
        True,
        "人工有效通话(呼入呼出)的通话秒数合计 ÷ 3600",
        "Sum of talk_seconds of effective human calls, both directions, / 3600",
        ("effective_human_talk_seconds",),
        _hours("effective_human_talk_seconds"),
    ),
    (
        "active_agents",
        "在岗坐席数",
        "Active agents",
        "num0",
        None,
        "期内有登录或有人工通话的去重坐席数",
        "Distinct agents with a session or a human call in the period",
        ("active_agents",),
        _base("active_agents"),
    ),
    (
        "agent_months",
        "坐席·月",
        "Agent-months",
        "num0",
        None,
        "各月在岗坐席数之和",
        "Sum over months of that month's active_agents",
        ("agent_months",),
        _base("agent_months"),
    ),
    (
        "effective_talk_hours_per_agent_month",
        "人工坐席月均有效通话时长",
        "Effective talk hours per agent-month",
        "hours1",
        True,
        "有效通话时长 ÷ 坐席·月",
        "effective_talk_hours / agent_months",
        ("effective_human_talk_seconds", "agent_months"),
        _ratio("effective_human_talk_seconds", "agent_months", 1 / 3600),
    ),
    (
        "declared_seats",
        "申报坐席数",
        "Declared seats",
        "num0",
        None,
        "期末在营场地最近一次申报的坐席数之和",
        "Over sites open at the period's end, the sum of each site's latest declared seats on or before that day",
        ("declared_seats",),
        _base("declared_seats"),
    ),
    (
        "peak_concurrent_agents",
        "峰值同时在线坐席",
        "Peak concurrent agents",
        "num0",
        None,
        "期内同一时刻登录坐席数的最大值",
        "The most agents logged in at the same moment in the period",
        ("peak_concurrent_agents",),
        _base("peak_concurrent_agents"),
    ),
    (
        "seat_usage_rate",
        "坐席使用率",
        "Seat usage rate",
        "pct1",
        None,
        "峰值同时在线坐席 ÷ 申报坐席数",
        "peak_concurrent_agents / declared_seats",
        ("peak_concurrent_agents", "declared_seats"),
        _ratio("peak_concurrent_agents", "declared_seats"),
    ),
    (
        "logged_in_hours",
        "登录时长",
        "Logged-in hours",
        "hours1",
        None,
        "(登出 − 登录 − 休息秒数)合计 ÷ 3600",
        "Sum of (logout_at − login_at − break_seconds) / 3600",
        ("logged_in_seconds",),
        _hours("logged_in_seconds"),
    ),
    (
        "handle_hours",
        "处理时长",
        "Handle hours",
        "hours1",
        None,
        "人工通话的通话与话后秒数合计 ÷ 3600",
        "Sum of talk_seconds + wrap_seconds of human calls / 3600",
        ("handle_seconds",),
        _hours("handle_seconds"),
    ),
    (
        "occupancy",
        "坐席占用率",
        "Occupancy",
        "pct1",
        True,
        "处理时长 ÷ 登录时长",
        "handle_hours / logged_in_hours",
        ("handle_seconds", "logged_in_seconds"),
        _ratio("handle_seconds", "logged_in_seconds"),
    ),
    (
        "headcount_end",
        "期末在职人数",
        "Headcount at period end",
        "num0",
        None,
        "期末前入职且期末尚未离职的坐席数",
        "Agents hired on or before the period's end and not left by then",
        ("headcount_end",),
        _base("headcount_end"),
    ),
    (
        "hires",
        "入职人数",
        "Hires",
        "num0",
        None,
        "期内入职的坐席数",
        "Agents hired within the period",
        ("hires",),
        _base("hires"),
    ),
    (
        "leavers",
        "离职人数",
        "Leavers",
        "num0",
        False,
        "期内离职的坐席数",
        "Agents who left within the period",
        ("leavers",),
        _base("leavers"),
    ),
    (
        "attrition_rate",
        "流失率",
        "Attrition rate",
        "pct1",
        False,
        "离职人数 ÷ 期初与期末在职人数的平均",
        "leavers / mean of headcount at the period's start and end",
        ("leavers", "headcount_start", "headcount_end"),
        lambda: safe_div(pl.col("leavers"), (pl.col("headcount_start") + pl.col("headcount_end")) / 2),
    ),
    (
        "outsourced_share",
        "外包坐席占比",
        "Outsourced share",
        "pct1",
        None,
        "在岗坐席中外包人员的占比",
        "Outsourced share of active_agents",
        ("outsourced_agents", "active_agents"),
        _ratio("outsourced_agents", "active_agents"),
    ),
    (
        "robot_share",
        "机器人外呼占比",
        "Robot share",
        "pct1",
        None,
        "机器人外呼 ÷ 外呼量",
        "Outbound calls with robot true / outbound_calls",
        ("robot_calls", "outbound_calls"),
        _ratio("robot_calls", "outbound_calls"),
    ),
    (
        "recording_coverage",
        "录音覆盖率",
        "Recording coverage",
        "pct1",
        True,
        "有录音的接通外呼 ÷ 外呼接通量",
        "Connected outbound calls recorded / connected_calls",
        ("recorded_connected_calls", "connected_calls"),
        _ratio("recorded_connected_calls", "connected_calls"),
    ),
    (
        "short_call_ratio",
        "短通话占比",
        "Short-call ratio",
        "pct1",
        False,
        "通话不足 6 秒的接通外呼 ÷ 外呼接通量",
        "Connected outbound calls with talk_seconds < 6 / connected_calls",
        ("short_connected_calls", "connected_calls"),
        _ratio("short_connected_calls", "connected_calls"),
    ),
    (
        "abandon_rate",
        "外呼放弃率",
        "Abandon rate",
        "pct1",
        False,
        "外呼放弃 ÷(外呼接通量 + 外呼放弃)",
        "Outbound abandoned / (connected_calls + outbound abandoned)",
        ("abandoned_outbound", "connected_calls"),
        lambda: safe_div(
            pl.col("abandoned_outbound"), pl.col("connected_calls") + pl.col("abandoned_outbound")
        ),
    ),
    (
        "complaints",
        "投诉量",
        "Complaints",
        "num0",
        False,
        "期内收到的投诉数",
        "Count of complaints received in the period",
        ("complaints",),
        _base("complaints"),
    ),
    (
        "regulator_complaints",
        "监管渠道投诉",
        "Regulator complaints",
        "num0",
        False,
        "12321 与工信部渠道的投诉数",
        "Complaints with channel 12321 or miit",
        ("regulator_complaints",),
        _base("regulator_complaints"),
    ),
    (
        "complaints_per_10k",
        "万次外呼投诉量",
        "Complaints per 10k outbound",
        "per10k2",
        False,
        "投诉量 ÷ 外呼量 × 10,000",
        "complaints / outbound_calls × 10,000",
        ("complaints", "outbound_calls"),
        _ratio("complaints", "outbound_calls", 10_000),
    ),
    (
        "complaint_reply_rate",
        "投诉回复率",
        "Complaint reply rate",
        "pct1",
        True,
        "已回复投诉 ÷ 投诉量",
        "Complaints with replied_at / complaints",
        ("complaints_replied", "complaints"),
        _ratio("complaints_replied", "complaints"),
    ),
    (
        "qa_reviews",
        "质检量",
        "QA reviews",
        "num0",
        True,
        "期内完成的质检数",
        "Count of QA reviews in the period",
        ("qa_reviews",),
        _base("qa_reviews"),
    ),
    (
        "qa_coverage",
        "质检覆盖率",
        "QA coverage",
        "pct1",
        True,
        "被质检的接通通话 ÷ 接通通话(呼入呼出)",
        "QA-reviewed connected calls / connected calls (all directions)",
        ("reviewed_connected_all", "connected_all"),
        _ratio("reviewed_connected_all", "connected_all"),
    ),
    (
        "qa_pass_rate",
        "质检通过率",
        "QA pass rate",
        "pct1",
        True,
        "通过的质检 ÷ 质检量",
        "Passed reviews / qa_reviews",
        ("qa_passed", "qa_reviews"),
        _ratio("qa_passed", "qa_reviews"),
    ),
    (
        "outside_hours_calls",
        "时段外外呼",
        "Calls outside hours",
        "num0",
        False,
        "在允许时段之外发起的外呼",
        "Outbound calls started outside the allowed window",
        ("outside_hours_calls",),
        _base("outside_hours_calls"),
    ),
    (
        "blocked_region_calls",
        "禁呼地区外呼",
        "Calls to blocked regions",
        "num0",
        False,
        "呼往禁呼地区(默认新疆、西藏)的外呼",
        "Outbound calls to a callee province on the blocked list",
        ("blocked_region_calls",),
        _base("blocked_region_calls"),
    ),
    (
        "out_of_coverage_calls",
        "许可范围外外呼",
        "Calls outside licence coverage",
        "num0",
        False,
        "呼往许可证覆盖范围以外省份的外呼",
        "Outbound calls to a callee province outside the licence coverage",
        ("out_of_coverage_calls",),
        _base("out_of_coverage_calls"),
    ),
    (
        "unregistered_number_calls",
        "未登记号码外呼",
        "Calls from unregistered numbers",
        "num0",
        False,
        "使用未登记号码或在分配期之外使用号码的外呼",
        "Outbound calls from a caller number not registered, or used outside its allocated…released dates",
        ("unregistered_number_calls",),
        _base("unregistered_number_calls"),
    ),
    (
        "dnc_calls",
        "拒呼名单外呼",
        "Calls to DNC customers",
        "num0",
        False,
        "呼往已在拒呼名单中客户的外呼(名单加入时间早于呼叫)",
        "Outbound calls to a callee whose DNC entry was added before the call",
        ("dnc_calls",),
        _base("dnc_calls"),
    ),
    (
        "over_cap_calls",
        "超频外呼",
        "Calls over the per-callee cap",
        "num0",
        False,
        "超出单客呼叫频次上限的外呼(每个超出的呼叫计一次)",
        "Outbound calls beyond a per-callee frequency cap (each extra call counts once)",
        ("over_cap_calls",),
        _base("over_cap_calls"),
    ),
    (
        "recall_after_abandon_72h",
        "放弃后 72 小时内重呼",
        "Re-calls within 72 h of an abandoned call",
        "num0",
        False,
        "对 72 小时内曾有放弃呼叫的客户再次外呼",
        "Outbound calls to a callee within 72 h after an abandoned call to them",
        ("recall_after_abandon_72h",),
        _base("recall_after_abandon_72h"),
    ),
]

METRICS: dict[str, Metric] = {}
for _d in _DEFS:
    if _d[0] in METRICS:
        raise RuntimeError(f"duplicate metric key {_d[0]}")
    METRICS[_d[0]] = Metric(*_d)
del _d

METRIC_KEYS: tuple[str, ...] = tuple(METRICS)


def compute_metrics(
    engine: Engine,
    start: date,
    end: date,
    *,
    by: Sequence[str] = (),
    metrics: Sequence[str] | None = None,
    filters: Filters | None = None,
    rules: Rules | None = None,
) -> pl.DataFrame:
    """Any metric of :data:`METRICS` over ``[start, end]`` (both inclusive), cut by ``by``.

    Args:
        engine: the database.
        start, end: the period, inclusive days.
        by: dimensions (see :data:`core.cubes.DIMENSIONS`); empty for one total row.
        metrics: keys to return (default: all).
        filters: site / team / campaign filters (applied where the data has the column).
        rules: compliance rules (default: ``core/rules.toml``).

    Returns:
        One row per combination of dimension values present in the data, the dimension columns
        first, then one column per metric. Rates are fractions; a zero denominator gives null; a
        metric that the dimension cannot cut (e.g. logged-in hours by caller number) is null.

    Raises:
        ValueError: an unknown metric key or dimension.
    """
    keys = list(metrics or METRIC_KEYS)
    unknown = [k for k in keys if k not in METRICS]
    if unknown:
        raise ValueError(f"unknown metric key(s): {', '.join(unknown)}")
    bad = [d for d in by if d not in DIMENSIONS]
    if bad:
        raise ValueError(f"unknown dimension(s): {', '.join(bad)}; choose from {', '.join(DIMENSIONS)}")
    if len(set(by)) != len(by):
        raise ValueError("a dimension is repeated in --by")
    if end < start:
        raise ValueError("the period ends before it starts")
    needs = sorted({n for k in keys for n in METRICS[k].needs})
    base = cubes.compute_bases(
        engine,
        start,
        end,
        by=list(by),
        bases=needs,
        filters=filters or Filters(),
        rules=rules or load_rules(),
    )
    out = base.select(*[pl.col(d) for d in by], *[METRICS[k].formula().alias(k) for k in keys])
    return out.sort(list(by), nulls_last=True) if by else out
