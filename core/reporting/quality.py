"""Data-quality checks: what real exports get wrong, counted in the database, with examples.

Each check returns a count, a severity (``info``, ``warning``, ``error``), whether it passed and a
few example rows (customer ids masked). The checks feed the credit estimate's accuracy component
(:mod:`core.reporting.credit`) and the data-quality page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from core.infra import db, rule_versions, schema
from core.semantic import cubes, rollup
from core.semantic.metrics import compute_metrics

EXAMPLES = 5


@dataclass(frozen=True)
class Check:
    """The result of one data-quality check."""

    id: str
    label_zh: str
    label_en: str
    severity: str
    count: int
    examples: list[dict[str, Any]] = field(default_factory=list)
    hint_zh: str = ""
    hint_en: str = ""
    #: False for a count that describes the data rather than faults it (left out of quality_score).
    scored: bool = True

    @property
    def passed(self) -> bool:
        return self.count == 0

    def label(self, lang: str = "zh") -> str:
        return self.label_zh if lang == "zh" else self.label_en


def _frame(engine: Engine, query: Any) -> pl.DataFrame:
    return db.read_frame(engine, query)


def _count_and_examples(engine: Engine, count_q: Any, example_q: Any) -> tuple[int, list[dict[str, Any]]]:
    """The count (``count_q``: a query of one value, or the count already known) and, when it is not
    0, up to :data:`EXAMPLES` rows of ``example_q``."""
    n = count_q if isinstance(count_q, int) else int(_frame(engine, count_q).row(0)[0] or 0)
    examples = _frame(engine, example_q.limit(EXAMPLES)).to_dicts() if n else []
    return n, examples


def _stored_counts(engine: Engine, t0: Any, t1: Any) -> dict[str, int] | None:
    """The checks' counts from the rollups when they are current (:mod:`core.semantic.rollup`: a
    stale rollup is never read): ``agents_not_on_roster``, ``duplicate_call_ids`` and every count of
    :data:`core.semantic.rollup.QUALITY_COUNTS`, the same numbers the calls give; else ``None``."""
    with engine.connect() as conn:
        if not rollup.current(conn):
            return None
        out = dict(conn.execute(rollup.select_quality_counts(t0, t1)).one()._mapping)
        out["agents_not_on_roster"] = conn.execute(rollup.select_unrostered_calls(t0, t1)).scalar()
        dup = rollup.select_duplicate_ids(t0, t1).subquery("dup")
        out["duplicate_call_ids"] = conn.execute(sa.select(sa.func.count()).select_from(dup)).scalar()
    return {key: int(v or 0) for key, v in out.items()}


def run_checks(engine: Engine, start: date, end: date) -> list[Check]:
    """Every data-quality check over calls started in ``[start, end]`` (and the whole roster).

    The counts over the calls come from the rollups when they are current (one read of
    ``rollup_quality_daily`` and one of ``rollup_call_copies``; :func:`_stored_counts`), else from
    the calls; the examples of a failing check are always read from the calls."""
    d = db.dialect_of(engine)
    k, a, s = schema.calls, schema.agents, schema.agent_sessions
    t0, t1 = cubes.period_bounds(start, end)
    in_period = sa.and_(k.c.started_at >= t0, k.c.started_at < t1)
    cond = rollup.quality_conditions(d, k.c)
    stored = _stored_counts(engine, t0, t1)
    checks: list[Check] = []

    def counted(name: str, query: Any) -> Any:
        """The check's count: the stored one when there is one, else ``query`` on the calls."""
        return query if stored is None else stored[name]

    # 1. Agents in calls but not on the roster.
    ghost = sa.and_(in_period, k.c.agent_id.is_not(None), k.c.agent_id.not_in(sa.select(a.c.agent_id)))
    n, ex = _count_and_examples(
        engine,
        counted("agents_not_on_roster", sa.select(sa.func.count()).select_from(k).where(ghost)),
        sa.select(
            k.c.agent_id, sa.func.count().label("calls"), sa.func.min(k.c.started_at).label("first_call")
        )
        .where(ghost)
        .group_by(k.c.agent_id)
        .order_by(sa.func.count().desc()),
    )
    checks.append(
        Check(
            "agents_not_on_roster",
            "通话中的坐席不在花名册",
            "Agents in calls but not on the roster",
            "warning",
            n,
            ex,
            "补录花名册或更正通话记录的坐席工号",
            "Add the agents to the roster or correct the agent ids in the calls",
        )
    )

    # 2. Sessions never closed (older than a day before the end of the period).
    open_s = sa.and_(s.c.logout_at.is_(None), s.c.login_at < t1 - timedelta(days=1))
    n, ex = _count_and_examples(
        engine,
        sa.select(sa.func.count()).select_from(s).where(open_s),
        sa.select(s.c.agent_id, s.c.login_at).where(open_s).order_by(s.c.login_at.desc()),
    )
    checks.append(
        Check(
            "sessions_never_closed",
            "未登出的坐席会话",
            "Sessions never closed",
            "warning",
            n,
            ex,
            "这些会话不计入登录时长与并发;请在话务系统中补登出时间",
            "These sessions count in neither logged-in hours nor concurrency; fix the logout time",
        )
    )

    # 3. Talk longer than the call.
    longer = sa.and_(in_period, cond["talk_longer_than_call"])
    n, ex = _count_and_examples(
        engine,
        counted("talk_longer_than_call", sa.select(sa.func.count()).select_from(k).where(longer)),
        sa.select(k.c.call_id, k.c.started_at, k.c.ended_at, k.c.talk_seconds).where(longer),
    )
    checks.append(
        Check(
            "talk_longer_than_call",
            "通话时长超过呼叫总时长",
            "Talk longer than the call",
            "error",
            n,
            ex,
            "检查导出字段对应关系(通话秒数与起止时间)",
            "Check the export's duration and time columns",
        )
    )

    # 4. Times out of order or negative durations.
    bad_time = sa.and_(in_period, cond["times_out_of_order"])
    n, ex = _count_and_examples(
        engine,
        counted("times_out_of_order", sa.select(sa.func.count()).select_from(k).where(bad_time)),
        sa.select(k.c.call_id, k.c.started_at, k.c.answered_at, k.c.ended_at, k.c.talk_seconds).where(
            bad_time
        ),
    )
    checks.append(
        Check(
            "times_out_of_order",
            "时间顺序错误或时长为负",
            "Times out of order or negative durations",
            "error",
            n,
            ex,
            "检查时区与时间字段",
            "Check time zones and time columns",
        )
    )

    # 5. Answered calls without an answer time.
    no_answer_time = sa.and_(in_period, cond["answered_without_answer_time"])
    n, ex = _count_and_examples(
        engine,
        counted(
            "answered_without_answer_time", sa.select(sa.func.count()).select_from(k).where(no_answer_time)
        ),
        sa.select(k.c.call_id, k.c.started_at, k.c.disposition).where(no_answer_time),
    )
    checks.append(
        Check(
            "answered_without_answer_time",
            "接通但无接通时间",
            "Answered calls without an answer time",
            "error",
            n,
            ex,
            "补齐 answered_at,否则振铃与服务水平不准",
            "Fill answered_at, or ring time and service level are wrong",
        )
    )

    # 6. Duplicate call ids (possible on engines that do not enforce keys, e.g. ClickHouse).
    dup = (
        sa.select(k.c.call_id, sa.func.count().label("copies"))
        .where(in_period)
        .group_by(k.c.call_id)
        .having(sa.func.count() > 1)
        .subquery("dup")
    )
    n, ex = _count_and_examples(
        engine,
        counted("duplicate_call_ids", sa.select(sa.func.count()).select_from(dup)),
        sa.select(dup.c.call_id, dup.c.copies).order_by(dup.c.copies.desc()),
    )
    checks.append(
        Check(
            "duplicate_call_ids",
            "重复的通话编号",
            "Duplicate call ids",
            "error",
            n,
            ex,
            "重复导入或分叉记录未合并",
            "Imported twice, or forked records not merged",
        )
    )

    # 7. Missing callee province.
    no_prov = sa.and_(in_period, cond["missing_callee_province"])
    out_q = counted(
        "missing_callee_province_out",
        sa.select(sa.func.count()).select_from(k).where(in_period, cond["missing_callee_province_out"]),
    )
    n_out = out_q if isinstance(out_q, int) else int(_frame(engine, out_q).row(0)[0] or 0)
    n, ex = _count_and_examples(
        engine,
        counted("missing_callee_province", sa.select(sa.func.count()).select_from(k).where(no_prov)),
        sa.select(k.c.call_id, k.c.direction, k.c.started_at).where(no_prov),
    )
    checks.append(
        Check(
            "missing_callee_province",
            "缺少被叫省份",
            "Missing callee province",
            "warning" if n_out else "info",
            n,
            ex,
            "外呼缺省份时无法判断许可范围与禁呼地区" if n_out else "仅呼入缺省份(号码隐藏或未知)",
            "Outbound calls without a province cannot be checked against coverage"
            if n_out
            else "Only inbound calls lack a province (withheld or unknown numbers)",
        )
    )

    # 8. Declared seats exceeded.
    daily = compute_metrics(
        engine, start, end, by=["day"], metrics=["peak_concurrent_agents", "declared_seats"]
    )
    over = daily.filter(pl.col("peak_concurrent_agents") > pl.col("declared_seats"))
    checks.append(
        Check(
            "declared_seats_exceeded",
            "在线坐席超过申报坐席",
            "More agents logged in than seats declared",
            "warning",
            over.height,
            over.sort("day", descending=True).head(EXAMPLES).to_dicts(),
            "补充申报坐席或控制排班",
            "Declare more seats or cap the schedule",
        )
    )

    # 9. Report fields that disagree with the data.
    checks.append(_report_disagreements(engine, start, end))

    # 10. Two-way voice inferred at import (the source had no flag; rule in core/ingest/calls.py).
    checks.append(_inferred_two_way_voice(engine, t0, t1))
    return checks


def _inferred_two_way_voice(engine: Engine, t0: Any, t1: Any) -> Check:
    """Calls whose ``two_way_voice`` the importer inferred (``call_inferences``; absent: none)."""
    from core.ingest import tables as ingest_tables

    n, ex = 0, list[dict[str, Any]]()
    if ingest_tables.has_table(engine, "call_inferences"):
        q = ingest_tables.select_inferred_calls(t0, t1).subquery("inferred")
        n, ex = _count_and_examples(
            engine, sa.select(sa.func.count()).select_from(q), sa.select(q).order_by(q.c.started_at)
        )
    return Check(
        "two_way_voice_inferred",
        "双向通话为推断值",
        "Two-way voice inferred at import",
        "info",
        n,
        ex,
        "来源数据(如 Asterisk)没有双向通话标记,导入时按“接通且通话时长达到阈值”推断(见示例的 rule 列);"
        "有效通话依赖此值,报送前请确认规则",
        'The source (e.g. Asterisk) has no two-way-voice flag; it was inferred at import as "answered '
        'and talk time at least the threshold" (see the rule column). Effective calls depend on it.',
        scored=False,
    )


def _report_disagreements(engine: Engine, start: date, end: date) -> Check:
    """Stored submissions of years inside the period, compared field by field with the data."""
    from core.reporting.regulatory import stored_submission

    rows: list[dict[str, Any]] = []
    for year in range(start.year, end.year + 1):
        if date(year, 1, 1) < start or date(year, 12, 31) > end:
            continue
        payload = stored_submission(engine, year)
        if not payload:
            continue
        keys = [k for k in payload if k in _metric_keys()]
        if not keys:
            continue
        data = compute_metrics(
            engine,
            date(year, 1, 1),
            date(year, 12, 31),
            metrics=keys,
            rules=rule_versions.rules_in_force(engine),
        )
        values = data.row(0, named=True)
        for key in keys:
            submitted, actual = payload[key], values[key]
            if not _agree(submitted, actual):
                rows.append({"year": year, "field": key, "submitted": submitted, "data": actual})
    return Check(
        "report_fields_disagree",
        "已报送数据与底层数据不一致",
        "Report fields that disagree with the data",
        "error",
        len(rows),
        rows[:EXAMPLES],
        "核对差异并在下次报送中说明",
        "Reconcile and explain the difference in the next filing",
    )


def _metric_keys() -> set[str]:
    from core.semantic.metrics import METRIC_KEYS

    return set(METRIC_KEYS)


def _agree(submitted: Any, actual: Any) -> bool:
    if submitted is None or actual is None:
        return submitted is None and actual is None
    try:
        a, b = float(submitted), float(actual)
    except (TypeError, ValueError):
        return str(submitted) == str(actual)
    return abs(a - b) <= max(1e-6, 1e-6 * abs(b))


def quality_score(checks: list[Check]) -> float:
    """Share of checks passing, weighting errors 3, warnings 2 and info 1 (0..1)."""
    weight = {"error": 3, "warning": 2, "info": 1}
    checks = [c for c in checks if c.scored]
    total = sum(weight[c.severity] for c in checks)
    ok = sum(weight[c.severity] for c in checks if c.passed)
    return ok / total if total else 1.0


__all__ = ["Check", "quality_score", "run_checks"]
