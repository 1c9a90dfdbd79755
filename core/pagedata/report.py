"""The monthly regulatory dashboard (监管仪表盘月报) as one self-contained HTML file plus PNG charts.

``python -m core report --month 2026-10 --out reports/`` writes, for the month:

* ``regulatory-dashboard-2026-10.html``: headline KPIs with month-over-month and year-over-year
  changes (:func:`core.pagedata.touch.compute_kpis`), the capacity headline (:mod:`core.pagedata.capacity`), the
  riskiest caller numbers, campaigns and teams of the month (:func:`core.compliance.risk.compute_risk`), the
  data-quality summary (:func:`core.reporting.quality.run_checks`) and three interactive charts. plotly.js
  is inlined once, so the file opens offline and can be mailed as is;
* ``2026-10-trend.png``, ``2026-10-risk-heatmap.png``, ``2026-10-capacity.png``: the same charts
  as images (kaleido with the system Chromium), for slides and OKR decks.

The report is company-wide (no site/team/campaign filter): it is what the operations director
reads on the 5th of each month for the month before (DOMAIN.md §1).
"""

from __future__ import annotations

import html
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import plotly.graph_objects as go
import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from core.compliance.risk import compute_risk, compute_risk_all, risk_rules
from core.infra import db, schema
from core.infra.i18n import fmt, t
from core.infra.periods import add_months, month_end, previous_period, year_earlier
from core.infra.rules import Rules, load_rules
from core.pagedata.capacity import build_capacity
from core.pagedata.touch import Kpi, compute_kpis
from core.reporting import charts
from core.reporting.quality import Check, quality_score, run_checks
from core.semantic.cubes import Filters
from core.semantic.metrics import METRICS, compute_metrics

#: Headline KPIs of the month (DOMAIN.md §5 keys).
REPORT_KPIS: tuple[str, ...] = (
    "outbound_calls",
    "connect_rate",
    "effective_rate",
    "inbound_calls",
    "inbound_answer_rate",
    "complaints",
    "complaints_per_10k",
    "qa_pass_rate",
)
#: The capacity headline.
CAPACITY_HEADLINE: tuple[str, ...] = (
    "declared_seats",
    "peak_concurrent_agents",
    "seat_usage_rate",
    "occupancy",
    "effective_talk_hours_per_agent_month",
    "headcount_end",
)
#: Entities ranked in the risk top lists, and how many of each.
RISK_ENTITIES: tuple[str, ...] = ("caller_number", "campaign", "team")
TOP_N = 5
#: Months in the trend chart (the month and the twelve before it).
TREND_MONTHS = 13
CHART_NAMES: tuple[str, ...] = ("trend", "risk-heatmap", "capacity")


@dataclass(frozen=True)
class MonthlyReport:
    """Everything the monthly report shows (the page data of the HTML file)."""

    month: date  # first day of the month
    end: date  # last day of the month
    company: str
    lang: str
    generated_at: datetime
    kpis: tuple[Kpi, ...]
    capacity: tuple[Kpi, ...]
    seat_band: tuple[float, float] | None
    trend: pl.DataFrame  # month, outbound_calls, connect_rate, effective_rate
    daily_peak: pl.DataFrame  # day, peak_concurrent_agents, declared_seats, over_declared
    risk: pl.DataFrame  # campaign × day cells of the month (core.compliance.risk.compute_risk)
    risk_top: dict[str, pl.DataFrame]  # entity → its TOP_N riskiest of the month
    rule_labels: dict[str, str]
    checks: tuple[Check, ...]
    quality: float  # core.reporting.quality.quality_score, 0..1
    #: The rules version the figures were computed with (core.infra.rules.Rules.provenance).
    rules_version: dict[str, str] = field(default_factory=dict)
    rules_line: str = ""

    @property
    def has_calls(self) -> bool:
        """Whether the month has any call (a month without calls gets a notice, not empty charts)."""
        return any(k.key in ("outbound_calls", "inbound_calls") and (k.value or 0) > 0 for k in self.kpis)

    def figures(self) -> dict[str, go.Figure]:
        """The report's charts, by file-name stem (see :data:`CHART_NAMES`)."""
        lang = self.lang
        # Axis labels in the report's language (plotly would read "2026-10" as a date, in English).
        months = self.trend.with_columns(
            pl.col("month")
            .map_elements(lambda m: fmt(date.fromisoformat(m + "-01"), "month", lang), return_dtype=pl.String)
            .alias("label")
        )
        trend = charts.line_figure(
            months,
            x="label",
            ys={k: METRICS[k].label(lang) for k in ("connect_rate", "effective_rate")},
            percent=True,
            title=t("report.chart_trend", lang),
        )
        days = self.risk.with_columns(pl.col("period").str.slice(5).alias("period"))  # MM-DD
        heat = charts.risk_heatmap_figure(days, lang=lang, max_rows=15)
        heat.update_layout(title=t("report.chart_risk", lang), margin={"t": 60})
        seats = charts.seats_figure(
            self.daily_peak,
            band=self.seat_band,
            labels={
                "declared_seats": METRICS["declared_seats"].label(lang),
                "peak_concurrent_agents": METRICS["peak_concurrent_agents"].label(lang),
                "band": t("report.seat_band", lang),
            },
            x="day",
        )
        seats.update_layout(title=t("report.chart_capacity", lang), margin={"t": 60})
        seats.update_xaxes(tickformat="%m-%d")
        return dict(zip(CHART_NAMES, (trend, heat, seats), strict=True))


def month_of(text: str) -> date:
    """``YYYY-MM`` → the first day of that month.

    >>> month_of("2026-10")
    datetime.date(2026, 10, 1)

    Raises:
        ValueError: not a ``YYYY-MM`` month.
    """
    try:
        year, month = (int(part) for part in text.strip().split("-"))
        return date(year, month, 1)
    except (ValueError, TypeError):
        raise ValueError(f"not a month (YYYY-MM): {text!r}") from None


def previous_month(today: date) -> date:
    """The first day of the month before ``today`` (the month a report on the 5th is about).

    >>> previous_month(date(2026, 1, 5))
    datetime.date(2025, 12, 1)
    """
    return add_months(today.replace(day=1), -1)


def last_complete_year(latest: date) -> int:
    """The last calendar year the data covers completely (the default report year).

    >>> last_complete_year(date(2026, 10, 31)), last_complete_year(date(2025, 12, 31))
    (2025, 2025)
    """
    return latest.year if (latest.month, latest.day) == (12, 31) else latest.year - 1


def data_years(engine: Engine) -> tuple[int, ...]:
    """The calendar years with calls, oldest first (empty for a database without calls)."""
    k = schema.calls
    with engine.connect() as conn:
        first, last = conn.execute(sa.select(sa.func.min(k.c.started_at), sa.func.max(k.c.started_at))).one()
    if first is None or last is None:
        return ()
    years = [int(str(v)[:4]) if isinstance(v, str) else v.year for v in (first, last)]
    return tuple(range(years[0], years[1] + 1))


def company_name(engine: Engine) -> str:
    """The company's name from the company table (``—`` when not entered)."""
    frame = db.read_frame(engine, sa.select(schema.company.c.name))
    return str(frame["name"][0]) if frame.height and frame["name"][0] else "—"


def build_report(
    engine: Engine,
    month: date,
    *,
    lang: str = "zh",
    rules: Rules | None = None,
    now: datetime | None = None,
) -> MonthlyReport:
    """The monthly report data for the calendar month containing ``month`` (company-wide)."""
    rules = rules or load_rules()
    start = month.replace(day=1)
    end = month_end(start)
    everything = Filters()
    kpis = compute_kpis(engine, start, end, REPORT_KPIS, filters=everything, rules=rules)
    cap = build_capacity(engine, start, end, filters=everything, rules=rules)
    capacity = compute_kpis(engine, start, end, CAPACITY_HEADLINE, filters=everything, rules=rules)
    trend = compute_metrics(
        engine,
        add_months(start, -(TREND_MONTHS - 1)),
        end,
        by=["month"],
        metrics=["outbound_calls", "connect_rate", "effective_rate"],
        rules=rules,
    ).filter(pl.col("outbound_calls") > 0)
    risk = compute_risk(engine, start, end, entity="campaign", grain="day", rules=rules)
    tops = {}
    monthly = compute_risk_all(engine, start, end, entities=RISK_ENTITIES, grain="month", rules=rules)
    for entity, frame in monthly.items():
        tops[entity] = (
            frame.filter(pl.col("score") > 0)
            .sort(["score", "entity"], descending=[True, False])
            .head(TOP_N)
            .select("entity", "score", "band", "top_rules")
        )
    checks = tuple(run_checks(engine, start, end))
    labels = {r.id: r.label(lang) for r in risk_rules(rules)}
    return MonthlyReport(
        month=start,
        end=end,
        company=company_name(engine),
        lang=lang,
        generated_at=now or datetime.now().replace(microsecond=0),
        kpis=kpis,
        capacity=capacity,
        seat_band=cap.seat_band,
        trend=trend,
        daily_peak=cap.daily_peak,
        risk=risk,
        risk_top=tops,
        rule_labels=labels,
        checks=checks,
        quality=quality_score(list(checks)),
        rules_version=rules.provenance(),
        rules_line=rules.provenance_line(lang),
    )


# --------------------------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------------------------

_CSS = """
body{font-family:"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;margin:2rem auto;
max-width:1180px;color:#1f2933;padding:0 1rem}
h1{font-size:1.7rem;margin-bottom:.2rem} h2{font-size:1.25rem;margin-top:2rem;border-bottom:2px solid #1F4E79;
padding-bottom:.3rem} .sub{color:#5f6b7a;margin-top:0}
.cards{display:grid;grid-template-columns:repeat(4,1fr);gap:.8rem}
.card{border:1px solid #d9dee5;border-radius:.5rem;padding:.7rem .9rem}
.card .label{color:#5f6b7a;font-size:.85rem} .card .value{font-size:1.5rem;font-weight:600;margin:.2rem 0}
.card .delta{font-size:.8rem;color:#5f6b7a} .up{color:#2E7D32} .down{color:#C62828}
table{border-collapse:collapse;width:100%;margin:.6rem 0} td,th{border:1px solid #d9dee5;padding:.35rem .6rem;
text-align:left;font-size:.9rem} th{background:#f5f7fa} .tops td:first-child{white-space:nowrap}
.tops{display:grid;grid-template-columns:repeat(3,1fr);gap:1rem}
.badge{display:inline-block;white-space:nowrap;border-radius:.8rem;padding:0 .55rem;font-size:.8rem;color:#fff}
.low{background:#2E7D32}.medium{background:#F9A825}.high{background:#EF6C00}.critical{background:#C62828}
.error{background:#C62828}.warning{background:#EF6C00}.info{background:#607D8B}.ok{background:#2E7D32}
.notice{background:#fff8e1;border-left:6px solid #F9A825;padding:.7rem 1rem}
.note{color:#5f6b7a;font-size:.85rem}
@media print{.cards{grid-template-columns:repeat(4,1fr)} h2{break-after:avoid} .chart{break-inside:avoid}}
"""


def _delta_html(kpi: Kpi, which: str, lang: str) -> str:
    value = kpi.mom if which == "mom" else kpi.yoy
    rate = METRICS[kpi.key].fmt == "pct1"
    text = fmt(value, "pp1" if rate else "pct1", lang, signed=True)
    better = METRICS[kpi.key].higher_is_better
    cls = ""
    if value is not None and better is not None and text.startswith(("+", "-")):
        cls = "up" if (value > 0) == better else "down"
    label = t("report.mom" if which == "mom" else "report.yoy", lang)
    return f'{html.escape(label)} <span class="{cls}">{html.escape(text)}</span>'


def _card(kpi: Kpi, lang: str) -> str:
    metric = METRICS[kpi.key]
    code = "wan" if metric.fmt == "num0" else metric.fmt
    return (
        f'<div class="card" title="{html.escape(metric.description(lang))}">'
        f'<div class="label">{html.escape(metric.label(lang))}</div>'
        f'<div class="value">{html.escape(fmt(kpi.value, code, lang))}</div>'
        f'<div class="delta">{_delta_html(kpi, "mom", lang)} · {_delta_html(kpi, "yoy", lang)}</div></div>'
    )


def _top_table(report: MonthlyReport, entity: str) -> str:
    lang = report.lang
    frame = report.risk_top[entity]
    head = (
        f"<div><h3>{html.escape(t(f'report.entity.{entity}', lang))}</h3>"
        f"<table><tr><th>{html.escape(t('report.col_entity', lang))}</th>"
        f"<th>{html.escape(t('report.col_score', lang))}</th>"
        f"<th>{html.escape(t('report.col_rules', lang))}</th></tr>"
    )
    if frame.height == 0:
        return head + f'<tr><td colspan="3">{html.escape(t("report.no_risk", lang))}</td></tr></table></div>'
    rows = []
    for r in frame.iter_rows(named=True):
        band = str(r["band"])
        rules = "、".join(report.rule_labels.get(x, x) for x in r["top_rules"])
        rows.append(
            f"<tr><td>{html.escape(str(r['entity'] or '—'))}</td>"
            f'<td><span class="badge {band}">{fmt(r["score"], "num0", lang)} · '
            f"{html.escape(t(f'band.{band}', lang))}</span></td><td>{html.escape(rules)}</td></tr>"
        )
    return head + "".join(rows) + "</table></div>"


def _quality_table(report: MonthlyReport) -> str:
    lang = report.lang
    rows = []
    for c in report.checks:
        cls = "ok" if c.passed else c.severity
        status = t("quality.passed", lang) if c.passed else t(f"severity.{c.severity}", lang)
        rows.append(
            f"<tr><td>{html.escape(c.label(lang))}</td><td>{fmt(c.count, 'num0', lang)}</td>"
            f'<td><span class="badge {cls}">{html.escape(status)}</span></td>'
            f"<td>{html.escape(c.hint_zh if lang == 'zh' else c.hint_en) if not c.passed else ''}</td></tr>"
        )
    return (
        f"<p>{html.escape(t('report.quality_score', lang, score=fmt(report.quality, 'pct0', lang)))}</p>"
        f"<table><tr><th>{html.escape(t('quality.col_check', lang))}</th>"
        f"<th>{html.escape(t('quality.col_count', lang))}</th>"
        f"<th>{html.escape(t('quality.col_status', lang))}</th>"
        f"<th>{html.escape(t('quality.col_hint', lang))}</th></tr>" + "".join(rows) + "</table>"
    )


def report_html(report: MonthlyReport) -> str:
    """The report as one self-contained HTML page (plotly.js inlined once, no external resource)."""
    lang = report.lang
    month_text = fmt(report.month, "month", lang)
    prev = previous_period(report.month, report.end)[0]
    ago = year_earlier(report.month, report.end)[0]
    title = t("report.title", lang, company=report.company, month=month_text)
    figs = report.figures()
    divs = []
    for i, (name, fig) in enumerate(figs.items()):
        divs.append(
            f'<div class="chart" id="chart-{name}">'
            + fig.to_html(
                full_html=False,
                include_plotlyjs=(i == 0),  # inline, once: the file works offline
                config={"displaylogo": False, "responsive": True},
                default_width="100%",
            )
            + "</div>"
        )
    notice = "" if report.has_calls else f'<p class="notice">{html.escape(t("report.no_calls", lang))}</p>'
    return f"""<!doctype html>
<html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="rules-version" content="{html.escape(report.rules_version.get("id", ""))}">
<meta name="rules-version-at" content="{html.escape(report.rules_version.get("at", ""))}">
<title>{html.escape(title)}</title>
<style>{_CSS}</style></head><body>
<h1>{html.escape(title)}</h1>
<p class="sub">{
        html.escape(
            t(
                "report.subtitle",
                lang,
                start=fmt(report.month, "date"),
                end=fmt(report.end, "date"),
                prev=fmt(prev, "month", lang),
                ago=fmt(ago, "month", lang),
                generated=report.generated_at.strftime("%Y-%m-%d %H:%M"),
            )
        )
    }</p>
{notice}
<h2>{html.escape(t("report.kpis", lang))}</h2>
<div class="cards">{"".join(_card(k, lang) for k in report.kpis)}</div>
{divs[0]}
<h2>{html.escape(t("report.capacity", lang))}</h2>
<div class="cards">{"".join(_card(k, lang) for k in report.capacity)}</div>
{divs[2]}
<h2>{html.escape(t("report.risk", lang))}</h2>
<div class="tops">{"".join(_top_table(report, e) for e in RISK_ENTITIES)}</div>
{divs[1]}
<h2>{html.escape(t("report.quality", lang))}</h2>
{_quality_table(report)}
<p class="note">{html.escape(t("report.footer", lang))}</p>
<p class="note" id="rules-version">{html.escape(report.rules_line)}</p>
</body></html>"""


# --------------------------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportFiles:
    """What :func:`write_report` wrote."""

    html: Path
    pngs: tuple[Path, ...]
    has_calls: bool


@contextmanager
def _png_session() -> Iterator[None]:
    """Keep one kaleido browser for all the charts (a fresh Chromium per chart costs seconds)."""
    try:
        import kaleido

        kaleido.start_sync_server(silence_warnings=True)
    except Exception:  # noqa: BLE001 - an old kaleido or one already running: render one by one
        yield
        return
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="The kopts argument is ignored")
            yield
    finally:
        kaleido.stop_sync_server(silence_warnings=True)


def write_report(
    engine: Engine,
    month: date,
    out_dir: Path | str,
    *,
    lang: str = "zh",
    rules: Rules | None = None,
    png: bool = True,
    now: datetime | None = None,
) -> ReportFiles:
    """Write the month's HTML report and (``png``) its charts as PNG files into ``out_dir``.

    Raises:
        OSError: ``out_dir`` cannot be created or written.
        RuntimeError: a chart could not be rendered to PNG (no Chromium for kaleido); the HTML
            file is written before the charts, so it is there anyway.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    report = build_report(engine, month, lang=lang, rules=rules, now=now)
    stem = report.month.strftime("%Y-%m")
    page = out / f"regulatory-dashboard-{stem}.html"
    page.write_text(report_html(report), encoding="utf-8")
    pngs: list[Path] = []
    if png:
        with _png_session():
            for name, fig in report.figures().items():
                path = out / f"{stem}-{name}.png"
                try:
                    path.write_bytes(charts.figure_png(fig))
                except Exception as exc:  # kaleido raises several types: one message
                    raise RuntimeError(f"cannot render {path.name}: {type(exc).__name__}: {exc}") from exc
                pngs.append(path)
    return ReportFiles(page, tuple(pngs), report.has_calls)


__all__ = [
    "CAPACITY_HEADLINE",
    "CHART_NAMES",
    "REPORT_KPIS",
    "MonthlyReport",
    "ReportFiles",
    "build_report",
    "data_years",
    "last_complete_year",
    "month_of",
    "previous_month",
    "report_html",
    "write_report",
]
