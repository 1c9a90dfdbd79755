"""The three-year compliance asset pack (合规资产包), DOMAIN.md §10.

Five dimensions, each 0–100 per year:

=================== =========================================================================
licence boundary    share of outbound calls inside the licence coverage, made from sites inside
                    it, × whether a B24 licence was valid all year
number resources    share of outbound calls from registered numbers within their dates, less the
                    share of caller numbers used that had a day at marking risk
seat utilisation    100 while occupancy is inside the healthy band (70–88 %), falling linearly to
                    0 at 30 % and at 100 %
complaint rate      100 at zero complaints per 10k outbound, 50 at the benchmark, 0 at twice it
QA pass rate        qa_pass_rate × 100
=================== =========================================================================

The benchmark sentence is claimed only when it is true in every year shown.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from core.compliance.risk import compute_risk
from core.infra import db, schema
from core.infra.rules import Rules, load_rules
from core.reporting import charts
from core.reporting.regulatory import coverage_at, sites_open_at
from core.semantic.metrics import compute_metrics

DIMENSIONS: tuple[tuple[str, str, str], ...] = (
    ("licence_boundary", "许可边界", "Licence boundary"),
    ("number_resources", "码号资源", "Number resources"),
    ("seat_utilisation", "坐席利用率", "Seat utilisation"),
    ("complaint_rate", "投诉率", "Complaint rate"),
    ("qa_pass_rate", "质检通过率", "QA pass rate"),
)


def _clip(x: float) -> float:
    """Clamp to 0..100 and round away float noise (50.00000000000001 → 50.0)."""
    return round(max(0.0, min(100.0, x)), 6)


#: The metric the complaint dimension compares with its benchmark of the year (benchmarks table).
BENCHMARK_METRIC = "complaints_per_10k"


def occupancy_score(occupancy: float | None, rules: Rules | None = None) -> float | None:
    """Seat utilisation score from occupancy.

    >>> occupancy_score(0.80), occupancy_score(0.50), occupancy_score(0.94), occupancy_score(0.2)
    (100.0, 50.0, 50.0, 0.0)
    """
    if occupancy is None:
        return None
    band = (rules or load_rules()).data["healthy_occupancy"]
    low, high, zl, zh = band["low"], band["high"], band["zero_low"], band["zero_high"]
    if low <= occupancy <= high:
        return 100.0
    if occupancy < low:
        return _clip(100.0 * (occupancy - zl) / (low - zl))
    return _clip(100.0 * (zh - occupancy) / (zh - high))


def complaint_score(rate: float | None, benchmark: float | None) -> float | None:
    """100 at zero, 50 at the benchmark, 0 at twice the benchmark (linear).

    >>> complaint_score(0.0, 3.0), complaint_score(3.0, 3.0), complaint_score(1.5, 3.0), complaint_score(7, 3)
    (100.0, 50.0, 75.0, 0.0)
    """
    if rate is None or not benchmark:
        return None
    return _clip(100.0 - 50.0 * rate / benchmark)


def benchmark_value(engine: Engine, metric: str, year: int) -> tuple[float | None, str | None]:
    """The benchmark of ``metric`` for ``year`` (else the latest earlier one) and its source."""
    b = schema.benchmarks
    frame = db.read_frame(
        engine, sa.select(b.c.year, b.c.value, b.c.source).where(b.c.metric == metric, b.c.year <= year)
    )
    if frame.height == 0:
        return None, None
    row = frame.sort("year").row(-1, named=True)
    return float(row["value"]), row["source"]


def licence_valid_all_year(engine: Engine, year: int) -> bool:
    """Whether a B24 licence covered every day of ``year``."""
    lic = db.read_frame(engine, sa.select(*schema.licences.columns))
    for r in lic.iter_rows(named=True):
        if (r["business_code"] or "").upper() != "B24":
            continue
        start, end = r["valid_from"], r["valid_to"]
        start = start if isinstance(start, date) else date.fromisoformat(str(start)[:10]) if start else None
        end = end if isinstance(end, date) else date.fromisoformat(str(end)[:10]) if end else None
        if (start is None or start <= date(year, 1, 1)) and (end is None or end >= date(year, 12, 31)):
            return True
    return False


@dataclass(frozen=True)
class YearScores:
    """The five scores of one year, with the figures behind them."""

    year: int
    scores: dict[str, float | None]
    figures: dict[str, Any]
    #: The rules version the scores were computed with (core.infra.rules.Rules.provenance).
    rules_version: dict[str, str] = field(default_factory=dict)


def compute_year(engine: Engine, year: int, *, rules: Rules | None = None) -> YearScores:
    """The five dimension scores for one year."""
    rules = rules or load_rules()
    start, end = date(year, 1, 1), date(year, 12, 31)
    keys = [
        "outbound_calls",
        "out_of_coverage_calls",
        "unregistered_number_calls",
        "occupancy",
        "complaints_per_10k",
        "qa_pass_rate",
    ]
    m = compute_metrics(engine, start, end, metrics=keys, rules=rules).row(0, named=True)
    out = m["outbound_calls"] or 0

    # Licence boundary: calls inside coverage, from sites inside it.
    coverage = set(coverage_at(engine, end))
    by_site = compute_metrics(engine, start, end, by=["site"], metrics=["outbound_calls"], rules=rules)
    site_prov = {r["site_id"]: r["province"] for r in sites_open_at(engine, end).iter_rows(named=True)}
    all_sites = db.read_frame(engine, sa.select(schema.sites.c.site_id, schema.sites.c.province))
    site_prov.update({r["site_id"]: r["province"] for r in all_sites.iter_rows(named=True)})
    nationwide = "全国" in coverage
    outside_sites = 0
    if not nationwide:
        for r in by_site.iter_rows(named=True):
            if r["site"] is not None and site_prov.get(r["site"]) not in coverage:
                outside_sites += int(r["outbound_calls"] or 0)
    inside = out - (m["out_of_coverage_calls"] or 0) - outside_sites
    valid = licence_valid_all_year(engine, year)
    licence = _clip(100.0 * inside / out * (1.0 if valid else 0.0)) if out else None

    # Number resources.
    risk = compute_risk(engine, start, end, entity="caller_number", grain="month", rules=rules)
    used = set(risk["entity"].drop_nulls().to_list()) if risk.height else set()
    marked = (
        set(risk.filter(pl.col("n_marking") > 0)["entity"].drop_nulls().to_list()) if risk.height else set()
    )
    registered_share = 1.0 - (m["unregistered_number_calls"] or 0) / out if out else None
    marked_share = len(marked) / len(used) if used else 0.0
    numbers = _clip(100.0 * (registered_share - marked_share)) if registered_share is not None else None

    bench, bench_source = benchmark_value(engine, BENCHMARK_METRIC, year)
    scores = {
        "licence_boundary": licence,
        "number_resources": numbers,
        "seat_utilisation": occupancy_score(m["occupancy"], rules),
        "complaint_rate": complaint_score(m["complaints_per_10k"], bench),
        "qa_pass_rate": None if m["qa_pass_rate"] is None else 100.0 * m["qa_pass_rate"],
    }
    figures = {
        **m,
        "inside_coverage_calls": inside,
        "licence_valid_all_year": valid,
        "numbers_used": len(used),
        "numbers_at_marking_risk": sorted(marked),
        "benchmark": bench,
        "benchmark_source": bench_source,
    }
    return YearScores(year, scores, figures, rules.provenance())


def benchmark_sentence(years: list[YearScores], lang: str = "zh") -> str | None:
    """'Complaints per 10,000 outbound calls below the industry benchmark by N% for K years running'.

    Claimed only when the rate is below the benchmark in every year given (N is the smallest
    margin, so the sentence holds for each year); ``None`` otherwise.
    """
    margins = []
    for y in years:
        rate, bench = y.figures.get("complaints_per_10k"), y.figures.get("benchmark")
        if rate is None or not bench or rate >= bench:
            return None
        margins.append(1.0 - rate / bench)
    if not margins:
        return None
    n = int(min(margins) * 100)
    k = len(margins)
    illustrative = any("illustrative" in str(y.figures.get("benchmark_source") or "") for y in years)
    if lang == "zh":
        words = {1: "一", 2: "两", 3: "三"}.get(k, str(k))
        text = (
            f"外呼投诉率(每万次外呼投诉量)连续{words}年低于行业基准 {n}%"
            if k > 1
            else f"外呼投诉率低于行业基准 {n}%"
        )
        return text + ("(基准为示意数据)" if illustrative else "")
    text = (
        f"Complaints per 10,000 outbound calls below the industry benchmark by {n}% for {k} years running"
        if k > 1
        else f"Complaints per 10,000 outbound calls below the industry benchmark by {n}%"
    )
    return text + (" (benchmark figures are illustrative)" if illustrative else "")


def build_pack(engine: Engine, years: list[int], *, rules: Rules | None = None) -> list[YearScores]:
    """Scores for up to three years, oldest first."""
    if not 1 <= len(years) <= 3:
        raise ValueError("the asset pack covers one to three years")
    return [compute_year(engine, y, rules=rules) for y in sorted(years)]


def pack_html(pack: list[YearScores], *, company: str, lang: str = "zh") -> str:
    """A self-contained interactive HTML page (plotly inlined, works offline)."""
    radar = charts.radar_figure(pack, dimensions=DIMENSIONS, lang=lang)
    trend = charts.pack_trend_figure(pack, dimensions=DIMENSIONS, lang=lang)
    sentence = benchmark_sentence(pack, lang)
    parts = [
        radar.to_html(full_html=False, include_plotlyjs=True, config={"displaylogo": False}),
        trend.to_html(full_html=False, include_plotlyjs=False, config={"displaylogo": False}),
    ]
    head = {
        "zh": (
            "合规资产包",
            "五维度评分",
            "年份",
            "数据来源:公司自有通话、坐席、投诉与质检数据;评分口径见 DOMAIN.md §10。",
        ),
        "en": (
            "Compliance asset pack",
            "Five-dimension scores",
            "Year",
            "Source: the company's own call, roster, complaint and QA data; scoring per DOMAIN.md §10.",
        ),
    }[lang]
    rows = "".join(
        "<tr><td>{}</td>{}</tr>".format(
            y.year,
            "".join(
                f"<td>{'—' if y.scores[k] is None else f'{y.scores[k]:.0f}'}</td>" for k, _, _ in DIMENSIONS
            ),
        )
        for y in pack
    )
    cols = "".join(f"<th>{html.escape(zh if lang == 'zh' else en)}</th>" for _, zh, en in DIMENSIONS)
    data = json.dumps(
        [{"year": y.year, **{k: y.scores[k] for k, _, _ in DIMENSIONS}} for y in pack], ensure_ascii=False
    )
    version = pack[0].rules_version if pack else {}
    rules_line = (
        (f"规则版本 {version['label_zh']}" if lang == "zh" else f"Rules version {version['label']}")
        if version
        else ""
    )
    return f"""<!doctype html>
<html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">
<meta name="rules-version" content="{html.escape(version.get("id", ""))}">
<meta name="rules-version-at" content="{html.escape(version.get("at", ""))}">
<title>{html.escape(company)} · {head[0]}</title>
<style>
body{{font-family:"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;margin:2rem auto;max-width:1100px;color:#1f2933}}
h1{{font-size:1.6rem}} .claim{{font-size:1.25rem;background:#e8f4ea;border-left:6px solid #2e7d32;padding:.8rem 1rem}}
table{{border-collapse:collapse;margin:1rem 0}} td,th{{border:1px solid #ccd;padding:.4rem .8rem;text-align:center}}
.note{{color:#5f6b7a;font-size:.85rem}}
</style></head><body>
<h1>{html.escape(company)} · {head[0]}</h1>
{f'<p class="claim">{html.escape(sentence)}</p>' if sentence else ""}
{parts[0]}
<h2>{head[1]}</h2>
<table><tr><th>{head[2]}</th>{cols}</tr>{rows}</table>
{parts[1]}
<p class="note">{head[3]}</p>
<p class="note" id="rules-version">{html.escape(rules_line)}</p>
<script type="application/json" id="scores">{html.escape(data)}</script>
</body></html>"""


def write_pack(
    engine: Engine, years: list[int], out: Path | str, *, lang: str = "zh", rules: Rules | None = None
) -> Path:
    """Build the pack and write the HTML page to ``out``."""
    pack = build_pack(engine, years, rules=rules)
    company = db.read_frame(engine, sa.select(schema.company.c.name))
    name = company["name"][0] if company.height else "—"
    path = Path(out)
    path.write_text(pack_html(pack, company=name, lang=lang), encoding="utf-8")
    return path
