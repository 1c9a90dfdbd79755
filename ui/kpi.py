"""KPI cards: one ``st.metric`` per headline, the change coloured by whether higher is better.

Shared by the overview and (issue 5) the touch-efficiency page. The direction of "good" is data
(``Headline.higher_is_better``), not page code.
"""

from __future__ import annotations

from typing import Literal

import streamlit as st

from core.home import Headline, HomeData
from core.i18n import fmt, t

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
