"""The metric registry of DOMAIN.md §5 and the engine that computes any metric by any dimension.

Every metric key is declared once in :data:`METRICS`, with its labels, format code, direction of
"good", a one-line definition (the app's tooltip) and its formula over a few *base* aggregates.
Bases are integer counts, integer sums of seconds and exact distinct counts, aggregated **in the
database** by the query builders in :mod:`core.semantic.cubes`; every division happens afterwards in polars,
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

from core.infra.rules import Rules, load_rules
from core.semantic import cubes
from core.semantic.bases import BASES, params_of
from core.semantic.cubes import DIMENSIONS, Filters

#: Format codes used by :func:`core.infra.i18n.fmt` and the exports.
FORMATS = ("num0", "num1", "num2", "pct1", "hours1", "sec0", "per10k2")


def safe_div(num: pl.Expr, den: pl.Expr, factor: float = 1.0) -> pl.Expr:
    """``num / den × factor`` as Float64, null when ``den`` is zero or null."""
    return pl.when(den.is_not_null() & (den != 0)).then(num.cast(pl.Float64) / den * factor).otherwise(None)


@dataclass(frozen=True, kw_only=True)
class Metric:
    """One metric of DOMAIN.md §5, declared with keywords.

    Attributes:
        key: fixed key (DOMAIN.md §5).
        label_zh, label_en: labels for the UI and exports.
        fmt: format code (see :data:`FORMATS`).
        higher_is_better: direction of "good" for colouring deltas; ``None`` when neutral.
        description_zh, description_en: the one-line definition shown as a tooltip.
        formula: builds the polars expression from base columns (named as in
            :data:`core.semantic.bases.BASES`).

    The bases a metric reads (:attr:`needs`) are those its formula names, and the rule parameters
    it depends on (:attr:`params`) are those of its bases: neither is restated beside the formula.
    """

    key: str
    label_zh: str
    label_en: str
    fmt: str
    higher_is_better: bool | None
    description_zh: str
    description_en: str
    formula: Callable[[], pl.Expr]

    @property
    def needs(self) -> tuple[str, ...]:
        """The base aggregates the formula reads, sorted."""
        return tuple(sorted(set(self.formula().meta.root_names())))

    @property
    def params(self) -> tuple[str, ...]:
        """The rule parameters (dotted keys of ``core/infra/rules.toml``) the metric depends on, sorted."""
        return tuple(sorted(params_of(self.needs)))

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


_DECLARED: list[Metric] = [
    Metric(
        key="outbound_calls",
        label_zh="外呼量",
        label_en="Outbound calls",
        fmt="num0",
        higher_is_better=None,
        description_zh="外呼通话次数(direction = out)",
        description_en="Count of outbound calls",
        formula=_base("outbound_calls"),
    ),
    Metric(
        key="inbound_calls",
        label_zh="呼入量",
        label_en="Inbound calls",
        fmt="num0",
        higher_is_better=None,
        description_zh="呼入通话次数(direction = in)",
        description_en="Count of inbound calls",
        formula=_base("inbound_calls"),
    ),
    Metric(
        key="outbound_share",
        label_zh="外呼占比",
        label_en="Outbound share",
        fmt="pct1",
        higher_is_better=None,
        description_zh="外呼量 ÷(外呼量 + 呼入量)",
        description_en="outbound_calls / (outbound_calls + inbound_calls)",
        formula=lambda: safe_div(
            pl.col("outbound_calls"), pl.col("outbound_calls") + pl.col("inbound_calls")
        ),
    ),
    Metric(
        key="connected_calls",
        label_zh="外呼接通量",
        label_en="Connected outbound calls",
        fmt="num0",
        higher_is_better=True,
        description_zh="接通(answered)的外呼次数",
        description_en="Outbound calls connected (disposition answered)",
        formula=_base("connected_calls"),
    ),
    Metric(
        key="connect_rate",
        label_zh="外呼接通率",
        label_en="Connect rate",
        fmt="pct1",
        higher_is_better=True,
        description_zh="外呼接通量 ÷ 外呼量",
        description_en="connected_calls / outbound_calls",
        formula=_ratio("connected_calls", "outbound_calls"),
    ),
    Metric(
        key="effective_calls",
        label_zh="有效通话量",
        label_en="Effective calls",
        fmt="num0",
        higher_is_better=True,
        description_zh="接通且通话 ≥ 30 秒并有双向语音的外呼",
        description_en="Outbound calls connected with talk ≥ 30 s and two-way voice",
        formula=_base("effective_calls"),
    ),
    Metric(
        key="effective_rate",
        label_zh="有效通话率",
        label_en="Effective rate",
        fmt="pct1",
        higher_is_better=True,
        description_zh="有效通话量 ÷ 外呼量",
        description_en="effective_calls / outbound_calls",
        formula=_ratio("effective_calls", "outbound_calls"),
    ),
    Metric(
        key="effective_of_connected",
        label_zh="接通有效率",
        label_en="Effective share of connected",
        fmt="pct1",
        higher_is_better=True,
        description_zh="有效通话量 ÷ 外呼接通量",
        description_en="effective_calls / connected_calls",
        formula=_ratio("effective_calls", "connected_calls"),
    ),
    Metric(
        key="reached_customers",
        label_zh="触达客户数",
        label_en="Customers reached",
        fmt="num0",
        higher_is_better=True,
        description_zh="接通外呼的去重客户数",
        description_en="Distinct callees over connected outbound calls",
        formula=_base("reached_customers"),
    ),
    Metric(
        key="effective_customers",
        label_zh="有效触达客户数",
        label_en="Customers reached effectively",
        fmt="num0",
        higher_is_better=True,
        description_zh="有效外呼的去重客户数",
        description_en="Distinct callees over effective outbound calls",
        formula=_base("effective_customers"),
    ),
    Metric(
        key="attempts_per_effective_customer",
        label_zh="单客有效触达外呼次数",
        label_en="Attempts per effective customer",
        fmt="num2",
        higher_is_better=False,
        description_zh="外呼量 ÷ 有效触达客户数",
        description_en="outbound_calls / effective_customers",
        formula=_ratio("outbound_calls", "effective_customers"),
    ),
    Metric(
        key="avg_talk_seconds",
        label_zh="平均通话时长",
        label_en="Average talk time",
        fmt="sec0",
        higher_is_better=None,
        description_zh="接通外呼的平均通话秒数",
        description_en="Mean talk_seconds over connected outbound calls",
        formula=_ratio("talk_seconds_connected_out", "connected_calls"),
    ),
    Metric(
        key="inbound_answer_rate",
        label_zh="呼入接通率",
        label_en="Inbound answer rate",
        fmt="pct1",
        higher_is_better=True,
        description_zh="呼入接通量 ÷ 呼入量",
        description_en="Inbound answered / inbound_calls",
        formula=_ratio("inbound_answered", "inbound_calls"),
    ),
    Metric(
        key="inbound_abandon_rate",
        label_zh="呼入放弃率",
        label_en="Inbound abandon rate",
        fmt="pct1",
        higher_is_better=False,
        description_zh="排队中挂断的呼入 ÷ 呼入量",
        description_en="Inbound abandoned / inbound_calls",
        formula=_ratio("inbound_abandoned", "inbound_calls"),
    ),
    Metric(
        key="service_level_20s",
        label_zh="20 秒服务水平",
        label_en="Service level (20 s)",
        fmt="pct1",
        higher_is_better=True,
        description_zh="20 秒内接起的呼入 ÷ 呼入量",
        description_en="Inbound answered with ring_seconds ≤ 20 / inbound_calls",
        formula=_ratio("inbound_answered_20s", "inbound_calls"),
    ),
    Metric(
        key="effective_talk_hours",
        label_zh="有效通话时长",
        label_en="Effective talk hours",
        fmt="hours1",
        higher_is_better=True,
        description_zh="人工有效通话(呼入呼出)的通话秒数合计 ÷ 3600",
        description_en="Sum of talk_seconds of effective human calls, both directions, / 3600",
        formula=_hours("effective_human_talk_seconds"),
    ),
    Metric(
        key="active_agents",
        label_zh="在岗坐席数",
        label_en="Active agents",
        fmt="num0",
        higher_is_better=None,
        description_zh="期内有登录或有人工通话的去重坐席数",
        description_en="Distinct agents with a session or a human call in the period",
        formula=_base("active_agents"),
    ),
    Metric(
        key="agent_months",
        label_zh="坐席·月",
        label_en="Agent-months",
        fmt="num0",
        higher_is_better=None,
        description_zh="各月在岗坐席数之和",
        description_en="Sum over months of that month's active_agents",
        formula=_base("agent_months"),
    ),
    Metric(
        key="effective_talk_hours_per_agent_month",
        label_zh="人工坐席月均有效通话时长",
        label_en="Effective talk hours per agent-month",
        fmt="hours1",
        higher_is_better=True,
        description_zh="有效通话时长 ÷ 坐席·月",
        description_en="effective_talk_hours / agent_months",
        formula=_ratio("effective_human_talk_seconds", "agent_months", 1 / 3600),
    ),
    Metric(
        key="declared_seats",
        label_zh="申报坐席数",
        label_en="Declared seats",
        fmt="num0",
        higher_is_better=None,
        description_zh="期末在营场地最近一次申报的坐席数之和",
        description_en="Over sites open at the period's end, the sum of each site's latest declared seats on or before that day",
        formula=_base("declared_seats"),
    ),
    Metric(
        key="peak_concurrent_agents",
        label_zh="峰值同时在线坐席",
        label_en="Peak concurrent agents",
        fmt="num0",
        higher_is_better=None,
        description_zh="期内同一时刻登录坐席数的最大值",
        description_en="The most agents logged in at the same moment in the period",
        formula=_base("peak_concurrent_agents"),
    ),
    Metric(
        key="seat_usage_rate",
        label_zh="坐席使用率",
        label_en="Seat usage rate",
        fmt="pct1",
        higher_is_better=None,
        description_zh="峰值同时在线坐席 ÷ 申报坐席数",
        description_en="peak_concurrent_agents / declared_seats",
        formula=_ratio("peak_concurrent_agents", "declared_seats"),
    ),
    Metric(
        key="logged_in_hours",
        label_zh="登录时长",
        label_en="Logged-in hours",
        fmt="hours1",
        higher_is_better=None,
        description_zh="(登出 − 登录 − 休息秒数)合计 ÷ 3600",
        description_en="Sum of (logout_at − login_at − break_seconds) / 3600",
        formula=_hours("logged_in_seconds"),
    ),
    Metric(
        key="handle_hours",
        label_zh="处理时长",
        label_en="Handle hours",
        fmt="hours1",
        higher_is_better=None,
        description_zh="人工通话的通话与话后秒数合计 ÷ 3600",
        description_en="Sum of talk_seconds + wrap_seconds of human calls / 3600",
        formula=_hours("handle_seconds"),
    ),
    Metric(
        key="occupancy",
        label_zh="坐席占用率",
        label_en="Occupancy",
        fmt="pct1",
        higher_is_better=True,
        description_zh="处理时长 ÷ 登录时长",
        description_en="handle_hours / logged_in_hours",
        formula=_ratio("handle_seconds", "logged_in_seconds"),
    ),
    Metric(
        key="headcount_end",
        label_zh="期末在职人数",
        label_en="Headcount at period end",
        fmt="num0",
        higher_is_better=None,
        description_zh="期末前入职且期末尚未离职的坐席数",
        description_en="Agents hired on or before the period's end and not left by then",
        formula=_base("headcount_end"),
    ),
    Metric(
        key="hires",
        label_zh="入职人数",
        label_en="Hires",
        fmt="num0",
        higher_is_better=None,
        description_zh="期内入职的坐席数",
        description_en="Agents hired within the period",
        formula=_base("hires"),
    ),
    Metric(
        key="leavers",
        label_zh="离职人数",
        label_en="Leavers",
        fmt="num0",
        higher_is_better=False,
        description_zh="期内离职的坐席数",
        description_en="Agents who left within the period",
        formula=_base("leavers"),
    ),
    Metric(
        key="attrition_rate",
        label_zh="流失率",
        label_en="Attrition rate",
        fmt="pct1",
        higher_is_better=False,
        description_zh="离职人数 ÷ 期初与期末在职人数的平均",
        description_en="leavers / mean of headcount at the period's start and end",
        formula=lambda: safe_div(
            pl.col("leavers"), (pl.col("headcount_start") + pl.col("headcount_end")) / 2
        ),
    ),
    Metric(
        key="outsourced_share",
        label_zh="外包坐席占比",
        label_en="Outsourced share",
        fmt="pct1",
        higher_is_better=None,
        description_zh="在岗坐席中外包人员的占比",
        description_en="Outsourced share of active_agents",
        formula=_ratio("outsourced_agents", "active_agents"),
    ),
    Metric(
        key="robot_share",
        label_zh="机器人外呼占比",
        label_en="Robot share",
        fmt="pct1",
        higher_is_better=None,
        description_zh="机器人外呼 ÷ 外呼量",
        description_en="Outbound calls with robot true / outbound_calls",
        formula=_ratio("robot_calls", "outbound_calls"),
    ),
    Metric(
        key="recording_coverage",
        label_zh="录音覆盖率",
        label_en="Recording coverage",
        fmt="pct1",
        higher_is_better=True,
        description_zh="有录音的接通外呼 ÷ 外呼接通量",
        description_en="Connected outbound calls recorded / connected_calls",
        formula=_ratio("recorded_connected_calls", "connected_calls"),
    ),
    Metric(
        key="short_call_ratio",
        label_zh="短通话占比",
        label_en="Short-call ratio",
        fmt="pct1",
        higher_is_better=False,
        description_zh="通话不足 6 秒的接通外呼 ÷ 外呼接通量",
        description_en="Connected outbound calls with talk_seconds < 6 / connected_calls",
        formula=_ratio("short_connected_calls", "connected_calls"),
    ),
    Metric(
        key="abandon_rate",
        label_zh="外呼放弃率",
        label_en="Abandon rate",
        fmt="pct1",
        higher_is_better=False,
        description_zh="外呼放弃 ÷(外呼接通量 + 外呼放弃)",
        description_en="Outbound abandoned / (connected_calls + outbound abandoned)",
        formula=lambda: safe_div(
            pl.col("abandoned_outbound"), pl.col("connected_calls") + pl.col("abandoned_outbound")
        ),
    ),
    Metric(
        key="complaints",
        label_zh="投诉量",
        label_en="Complaints",
        fmt="num0",
        higher_is_better=False,
        description_zh="期内收到的投诉数",
        description_en="Count of complaints received in the period",
        formula=_base("complaints"),
    ),
    Metric(
        key="regulator_complaints",
        label_zh="监管渠道投诉",
        label_en="Regulator complaints",
        fmt="num0",
        higher_is_better=False,
        description_zh="12321 与工信部渠道的投诉数",
        description_en="Complaints with channel 12321 or miit",
        formula=_base("regulator_complaints"),
    ),
    Metric(
        key="complaints_per_10k",
        label_zh="万次外呼投诉量",
        label_en="Complaints per 10k outbound",
        fmt="per10k2",
        higher_is_better=False,
        description_zh="投诉量 ÷ 外呼量 × 10,000",
        description_en="complaints / outbound_calls × 10,000",
        formula=_ratio("complaints", "outbound_calls", 10_000),
    ),
    Metric(
        key="complaint_reply_rate",
        label_zh="投诉回复率",
        label_en="Complaint reply rate",
        fmt="pct1",
        higher_is_better=True,
        description_zh="已回复投诉 ÷ 投诉量",
        description_en="Complaints with replied_at / complaints",
        formula=_ratio("complaints_replied", "complaints"),
    ),
    Metric(
        key="qa_reviews",
        label_zh="质检量",
        label_en="QA reviews",
        fmt="num0",
        higher_is_better=True,
        description_zh="期内完成的质检数",
        description_en="Count of QA reviews in the period",
        formula=_base("qa_reviews"),
    ),
    Metric(
        key="qa_coverage",
        label_zh="质检覆盖率",
        label_en="QA coverage",
        fmt="pct1",
        higher_is_better=True,
        description_zh="被质检的接通通话 ÷ 接通通话(呼入呼出)",
        description_en="QA-reviewed connected calls / connected calls (all directions)",
        formula=_ratio("reviewed_connected_all", "connected_all"),
    ),
    Metric(
        key="qa_pass_rate",
        label_zh="质检通过率",
        label_en="QA pass rate",
        fmt="pct1",
        higher_is_better=True,
        description_zh="通过的质检 ÷ 质检量",
        description_en="Passed reviews / qa_reviews",
        formula=_ratio("qa_passed", "qa_reviews"),
    ),
    Metric(
        key="outside_hours_calls",
        label_zh="时段外外呼",
        label_en="Calls outside hours",
        fmt="num0",
        higher_is_better=False,
        description_zh="在允许时段之外发起的外呼",
        description_en="Outbound calls started outside the allowed window",
        formula=_base("outside_hours_calls"),
    ),
    Metric(
        key="blocked_region_calls",
        label_zh="禁呼地区外呼",
        label_en="Calls to blocked regions",
        fmt="num0",
        higher_is_better=False,
        description_zh="呼往禁呼地区(默认新疆、西藏)的外呼",
        description_en="Outbound calls to a callee province on the blocked list",
        formula=_base("blocked_region_calls"),
    ),
    Metric(
        key="out_of_coverage_calls",
        label_zh="许可范围外外呼",
        label_en="Calls outside licence coverage",
        fmt="num0",
        higher_is_better=False,
        description_zh="呼往许可证覆盖范围以外省份的外呼",
        description_en="Outbound calls to a callee province outside the licence coverage",
        formula=_base("out_of_coverage_calls"),
    ),
    Metric(
        key="unregistered_number_calls",
        label_zh="未登记号码外呼",
        label_en="Calls from unregistered numbers",
        fmt="num0",
        higher_is_better=False,
        description_zh="使用未登记号码或在分配期之外使用号码的外呼",
        description_en="Outbound calls from a caller number not registered, or used outside its allocated…released dates",
        formula=_base("unregistered_number_calls"),
    ),
    Metric(
        key="dnc_calls",
        label_zh="拒呼名单外呼",
        label_en="Calls to DNC customers",
        fmt="num0",
        higher_is_better=False,
        description_zh="呼往已在拒呼名单中客户的外呼(名单加入时间早于呼叫)",
        description_en="Outbound calls to a callee whose DNC entry was added before the call",
        formula=_base("dnc_calls"),
    ),
    Metric(
        key="over_cap_calls",
        label_zh="超频外呼",
        label_en="Calls over the per-callee cap",
        fmt="num0",
        higher_is_better=False,
        description_zh="超出单客呼叫频次上限的外呼(每个超出的呼叫计一次)",
        description_en="Outbound calls beyond a per-callee frequency cap (each extra call counts once)",
        formula=_base("over_cap_calls"),
    ),
    Metric(
        key="recall_after_abandon_72h",
        label_zh="放弃后 72 小时内重呼",
        label_en="Re-calls within 72 h of an abandoned call",
        fmt="num0",
        higher_is_better=False,
        description_zh="对 72 小时内曾有放弃呼叫的客户再次外呼",
        description_en="Outbound calls to a callee within 72 h after an abandoned call to them",
        formula=_base("recall_after_abandon_72h"),
    ),
]

METRICS: dict[str, Metric] = {}
for _m in _DECLARED:
    if _m.key in METRICS:
        raise RuntimeError(f"duplicate metric key {_m.key}")
    unknown = [n for n in _m.needs if n not in BASES]
    if unknown:
        raise RuntimeError(f"metric {_m.key} reads undeclared base(s) {', '.join(unknown)}")
    METRICS[_m.key] = _m
del _m

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
        by: dimensions (see :data:`core.semantic.cubes.DIMENSIONS`); empty for one total row.
        metrics: keys to return (default: all).
        filters: site / team / campaign filters (applied where the data has the column).
        rules: compliance rules (default: ``core/infra/rules.toml``).

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
