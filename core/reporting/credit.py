"""Credit score estimate (信用评分估算), DOMAIN.md §9 — clearly an estimate: the official model is not public.

Components (0–100 each) and their weights (``[credit.weights]`` in ``core/infra/rules.toml``):

================ ======================================================================================
timeliness       the report year's filing: by 31 March 100, in April (grace) 60, later or missing 0;
                 a year whose deadline has not come yet is judged by its progress (steps due done)
accuracy         data-quality checks passing (weighted by severity) and report fields complete
consistency      report figures matching the data (stored submission vs data) and material changes
                 explained (difference list signed and pre-communicated: steps 4 and 5 done)
complaints       100 at zero complaints per 10k outbound, 50 at the benchmark, 0 at twice it
rule_breaches    100 at no breach, 0 at ``breaches_per_10k_zero`` breaches per 10k outbound calls
qa               the QA pass rate
hygiene          licence valid all year × share of outbound calls inside coverage and from
                 registered numbers within their dates
================ ======================================================================================

The score is Σ weight × component / 100; below 80 the verdict lists the consequences, and the
improvements are the components ranked by the points they could still add.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from core.compliance.risk import COUNT_BASES
from core.infra import db, schema
from core.infra.rules import Rules, load_rules
from core.reporting import regulatory
from core.reporting.asset_pack import (
    BENCHMARK_METRIC,
    benchmark_value,
    complaint_score,
    licence_valid_all_year,
)
from core.reporting.quality import quality_score, run_checks
from core.semantic.bases import BASES
from core.semantic.metrics import compute_metrics

#: The outbound-call breaches the rule_breaches component counts: the count bases of the risk rules
#: (core.compliance.risk.SIGNALS) whose rows are calls, so complaints are not counted twice.
BREACH_KEYS: tuple[str, ...] = tuple(
    base for base in COUNT_BASES.values() if BASES[base].source in ("calls", "dnc", "percallee")
)
LABELS: dict[str, tuple[str, str]] = {
    "timeliness": ("报送及时性", "Timeliness"),
    "accuracy": ("数据准确性", "Accuracy"),
    "consistency": ("数据一致性", "Consistency"),
    "complaints": ("投诉水平", "Complaints"),
    "rule_breaches": ("外呼违规", "Outbound rule breaches"),
    "qa": ("质检通过率", "QA pass rate"),
    "hygiene": ("许可与码号合规", "Licence and number hygiene"),
}
ADVICE: dict[str, tuple[str, str]] = {
    "timeliness": (
        "按八步日历在 3 月 31 日前提交正式年报",
        "File the formal report by 31 March following the eight steps",
    ),
    "accuracy": (
        "修复数据质量检查发现的问题,补齐空缺字段",
        "Fix the data-quality findings and complete empty fields",
    ),
    "consistency": (
        "核对已报送数据与底层数据,签署并预沟通风险差异清单",
        "Reconcile submitted figures with the data; sign and pre-communicate the difference list",
    ),
    "complaints": (
        "降低每万次外呼投诉量,优先处理 12321 渠道投诉",
        "Lower complaints per 10k calls, 12321 first",
    ),
    "rule_breaches": (
        "清零时段外、拒呼名单、超频与未登记号码外呼",
        "Eliminate off-hours, DNC, over-cap and unregistered-number calls",
    ),
    "qa": ("提高质检通过率:话术培训与复检", "Raise the QA pass rate: script training and re-checks"),
    "hygiene": ("确保许可覆盖与码号登记有效", "Keep licence coverage and number registrations valid"),
}
CONSEQUENCES = (
    ("可能影响 95 号码申请", "may block 95-number applications"),
    ("可能影响跨省扩容", "may block cross-province expansion"),
    ("可能影响政府采购资格", "may block government procurement"),
)


@dataclass(frozen=True)
class CreditEstimate:
    """The estimate: components, score, grade, verdict and the best improvements."""

    year: int
    components: dict[str, float]
    weights: dict[str, float]
    score: float
    grade: str
    passes: bool
    threshold: float
    consequences: list[tuple[str, str]]
    improvements: list[dict[str, Any]]
    details: dict[str, Any]


def _timeliness(engine: Engine, year: int, today: date, steps: pl.DataFrame) -> tuple[float, dict[str, Any]]:
    dates = regulatory.hard_dates(year)
    rs = schema.report_submissions
    sub = db.read_frame(engine, sa.select(rs.c.submitted_at).where(rs.c.year == year))
    step6 = steps.filter(pl.col("step") == 6)
    submitted = None
    if sub.height and sub["submitted_at"][0] is not None:
        value = sub["submitted_at"][0]
        submitted = value.date() if hasattr(value, "date") else date.fromisoformat(str(value)[:10])
    elif step6.height and step6["done_on"][0] is not None:
        submitted = step6["done_on"][0]
    if submitted is not None:
        score = 100.0 if submitted <= dates["deadline"] else 60.0 if submitted <= dates["grace_end"] else 0.0
        return score, {"submitted_on": submitted, **dates}
    if today <= dates["deadline"]:
        due = steps.filter(pl.col("due_on") <= today)
        share = (due["done_on"].is_not_null().sum() / due.height) if due.height else 1.0
        return 100.0 * float(share), {"submitted_on": None, "steps_due": due.height, **dates}
    return (60.0 if today <= dates["grace_end"] else 0.0), {"submitted_on": None, **dates}


def estimate(
    engine: Engine,
    year: int,
    *,
    today: date | None = None,
    rules: Rules | None = None,
    fields: list[dict[str, Any]] | None = None,
    changes: list[dict[str, Any]] | None = None,
    steps: pl.DataFrame | None = None,
) -> CreditEstimate:
    """The credit estimate for report year ``year`` as seen on ``today``.

    The annual-report fields, the difference list and the checklist it judges are taken as given
    when the caller already has them (the regulatory page data computes each once and passes them
    here); whatever is not given is computed for ``year`` with ``rules``.

    Args:
        engine: the database.
        year: the report year Y.
        today: the day the estimate is made on (default: today), which decides timeliness.
        rules: the rules in force (default: ``core/infra/rules.toml``).
        fields: :func:`core.reporting.regulatory.compute_fields` of ``year`` with the same rules (only each
            row's ``value`` is read: the ``sql`` may be there or not).
        changes: :func:`core.reporting.regulatory.compute_changes` of ``year`` with the same rules.
        steps: :func:`core.reporting.regulatory.checklist` of ``year`` on ``today``.
    """
    rules = rules or load_rules()
    today = today or date.today()
    cfg = rules.data["credit"]
    weights = {k: float(v) for k, v in cfg["weights"].items()}
    start, end = date(year, 1, 1), date(year, 12, 31)

    if steps is None:
        steps = regulatory.checklist(engine, year, today)
    if changes is None:
        changes = regulatory.compute_changes(engine, year, rules=rules)
    if fields is None:
        fields = regulatory.compute_fields(engine, year, rules=rules, with_sql=False, changes=changes)

    timeliness, t_detail = _timeliness(engine, year, today, steps)

    checks = run_checks(engine, start, end)
    complete = sum(1 for f in fields if f["value"] is not None) / len(fields)
    accuracy = 100.0 * (0.5 * quality_score(checks) + 0.5 * complete)

    disagree = next((c for c in checks if c.id == "report_fields_disagree"), None)
    prev_checks = run_checks(engine, date(year - 1, 1, 1), date(year - 1, 12, 31))
    prev_disagree = next((c for c in prev_checks if c.id == "report_fields_disagree"), None)
    mismatches = (disagree.count if disagree else 0) + (prev_disagree.count if prev_disagree else 0)
    explained = steps.filter(pl.col("step").is_in([4, 5]))["done_on"].is_not_null().all() if changes else True
    consistency = 50.0 * (1.0 if mismatches == 0 else max(0.0, 1.0 - 0.25 * mismatches)) + 50.0 * float(
        explained
    )

    keys = ["outbound_calls", "complaints_per_10k", "qa_pass_rate", *BREACH_KEYS]
    m = compute_metrics(engine, start, end, metrics=keys, rules=rules).row(0, named=True)
    bench, _ = benchmark_value(engine, BENCHMARK_METRIC, year)
    complaints = complaint_score(m["complaints_per_10k"], bench)
    out = m["outbound_calls"] or 0
    breaches = sum(int(m[k] or 0) for k in BREACH_KEYS)
    per_10k = breaches / out * 10_000 if out else 0.0
    zero = float(cfg.get("breaches_per_10k_zero", 10.0))
    rule_breaches = max(0.0, 100.0 * (1 - per_10k / zero))
    qa = 100.0 * m["qa_pass_rate"] if m["qa_pass_rate"] is not None else 0.0
    clean = out - int(m["out_of_coverage_calls"] or 0) - int(m["unregistered_number_calls"] or 0)
    hygiene = (100.0 * clean / out if out else 100.0) * (1.0 if licence_valid_all_year(engine, year) else 0.0)

    components = {
        "timeliness": timeliness,
        "accuracy": accuracy,
        "consistency": consistency,
        "complaints": complaints if complaints is not None else 50.0,
        "rule_breaches": rule_breaches,
        "qa": qa,
        "hygiene": max(0.0, hygiene),
    }
    score = round(sum(weights[k] * components[k] / 100.0 for k in weights), 2)
    grade = next(g for g, floor in cfg["grades"] if score >= floor)
    threshold = float(cfg["threshold"])
    improvements = sorted(
        (
            {
                "component": k,
                "label_zh": LABELS[k][0],
                "label_en": LABELS[k][1],
                "score": round(components[k], 1),
                "gain": round(weights[k] * (100.0 - components[k]) / 100.0, 2),
                "advice_zh": ADVICE[k][0],
                "advice_en": ADVICE[k][1],
            }
            for k in weights
        ),
        key=lambda x: -x["gain"],
    )
    return CreditEstimate(
        year=year,
        components={k: round(v, 2) for k, v in components.items()},
        weights=weights,
        score=score,
        grade=grade,
        passes=score >= threshold,
        threshold=threshold,
        consequences=[] if score >= threshold else list(CONSEQUENCES),
        improvements=[i for i in improvements if i["gain"] > 0][:4],
        details={
            "timeliness": t_detail,
            "quality_checks_failed": [c.id for c in checks if not c.passed],
            "fields_complete": complete,
            "report_mismatches": mismatches,
            "changes_explained": explained,
            "breaches": breaches,
            "breaches_per_10k": per_10k,
            "benchmark": bench,
        },
    )
