"""KPI cards: one ``st.metric`` per headline, the change coloured by whether higher is better.

Shared by the overview and (issue 5) the touch-efficiency page. The direction of "good" is data
(``Headline.higher_is_better``), not page code.
"""

from __future__ import annotations

from typing import Literal

import streamlit as st

from core.infra.i18n import fmt, t
from core.pagedata.home import Headline, HomeData
from core.pagedata.touch import Kpi
from core.semantic.metrics import METRICS

DeltaColor = Literal["normal", "inverse", "off"]
DeltaArrow = Literal["auto", "off"]

_COLOR: dict[bool | None, DeltaColor] = {True: "normal", False: "inverse", None: "off"}


def delta_style(delta_text: str | None, higher_is_better: bool | None) -> tuple[DeltaColor, DeltaArrow]:
    """``(delta_color, delta_arrow)`` for ``st.metric``.

    A rise is green when higher is better and red when lower is better; neither-way figures
    (volumes) stay grey. A change that rounds to zero (no sign) or no change at all is grey
    without an arrow, rather than Streamlit's default green "up".
    """
    moved = bool(delta_text) and str(delta_text).startswith(("+", "-"))
    if not moved:
        return "off", "off"
    return _COLOR[higher_is_better], "auto"


def render_headline(data: HomeData, spec: Headline, lang: str) -> None:
    """One card: the value, its change against the previous period, and the definition as help."""
    delta = data.delta(spec.key)
    delta_text = None if delta is None else fmt(delta, spec.delta_fmt, lang, signed=True)
    color, arrow = delta_style(delta_text, spec.higher_is_better)
    st.metric(
        spec.label(lang),
        fmt(data.current.value(spec.key), spec.fmt, lang),
        delta=delta_text,
        delta_color=color,
        delta_arrow=arrow,
        delta_description=t("delta.vs_previous", lang) if delta_text else None,
        help=spec.description(lang),
        border=True,
    )


def render_headlines(data: HomeData, lang: str, *, per_row: int = 4) -> None:
    """All headline cards, ``per_row`` to a row (four fit a 1440 px wide screenshot)."""
    specs = list(data.headlines)
    for row_start in range(0, len(specs), per_row):
        columns = st.columns(per_row)
        for column, spec in zip(columns, specs[row_start : row_start + per_row], strict=False):
            with column:
                render_headline(data, spec, lang)


# -- cards with two comparisons (touch and capacity pages) ----------------------------------------

_MARKDOWN_COLOUR: dict[DeltaColor, dict[bool, str]] = {
    "normal": {True: "green", False: "red"},
    "inverse": {True: "red", False: "green"},
    "off": {True: "gray", False: "gray"},
}


def kpi_formats(key: str) -> tuple[str, str]:
    """``(value format, change format)`` of a metric's card.

    Counts show compact (万 / K); rates (``pct1``) change in percentage points; every other
    figure changes as a relative %, as :func:`core.infra.periods.change` computes it.
    """
    metric_fmt = METRICS[key].fmt
    value_fmt = "wan" if metric_fmt == "num0" else metric_fmt
    return value_fmt, "pp1" if metric_fmt == "pct1" else "pct1"


def delta_markdown(delta_text: str | None, higher_is_better: bool | None) -> str:
    """A change as coloured markdown (``:green[▲ +1.2 pp]``), ``—`` when there is none."""
    if not delta_text:
        return "—"
    color, arrow = delta_style(delta_text, higher_is_better)
    if arrow == "off":
        return f":gray[{delta_text}]"
    rising = delta_text.startswith("+")
    return f":{_MARKDOWN_COLOUR[color][rising]}[{'▲' if rising else '▼'} {delta_text}]"


def render_kpi(kpi: Kpi, lang: str) -> None:
    """One card: the value, the change against the period before (as the metric's delta) and a
    year earlier (a coloured line under it); the metric's definition as the tooltip."""
    metric = METRICS[kpi.key]
    value_fmt, delta_fmt = kpi_formats(kpi.key)
    mom = None if kpi.mom is None else fmt(kpi.mom, delta_fmt, lang, signed=True)
    yoy = None if kpi.yoy is None else fmt(kpi.yoy, delta_fmt, lang, signed=True)
    color, arrow = delta_style(mom, metric.higher_is_better)
    with st.container(border=True, gap="xsmall"):
        # The label as text that wraps (a metric's own label is cut at the card's width, and the
        # longer Chinese names do not fit five cards to a 1440 px row); its tooltip is the definition.
        st.markdown(metric.label(lang), help=metric.description(lang))
        st.metric(
            metric.label(lang),
            fmt(kpi.value, value_fmt, lang),
            delta=mom,
            delta_color=color,
            delta_arrow=arrow,
            delta_description=t("delta.mom", lang) if mom else None,
            label_visibility="collapsed",
        )
        st.caption(f"{t('delta.yoy', lang)} {delta_markdown(yoy, metric.higher_is_better)}")


def render_kpis(kpis: tuple[Kpi, ...], lang: str, *, per_row: int = 5) -> None:
    """All cards, ``per_row`` to a row (five fit a 1440 px wide screenshot beside the sidebar)."""
    for row_start in range(0, len(kpis), per_row):
        columns = st.columns(per_row)
        for column, kpi in zip(columns, kpis[row_start : row_start + per_row], strict=False):
            with column:
                render_kpi(kpi, lang)
