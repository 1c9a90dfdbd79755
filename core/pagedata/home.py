"""Page data of the overview (home) page: the headline figures of a period and the one before.

The figures come from the metric registry (:func:`core.semantic.metrics.compute_metrics`), so the overview,
the other pages, the CLI and the reports show the same number for the same key: definitions
follow DOMAIN.md §5, aggregation happens in the database (portable ``SUM(CASE …)`` counts and
half-open ``started_at`` bounds), and rates divide null-safely (a zero denominator gives None).
This module adds what only the shell needs: the default period (the last complete month of the
data), the choices of the sidebar filters and the comparison with the previous period.

Tiny example (the unit tests use a table like this)::

    direction  disposition  talk  two_way  → outbound_calls 3, connected_calls 2,
    out        answered     30    true        effective_calls 1 (the 29 s call is not effective),
    out        answered     29    true        connect_rate 2/3, effective_rate 1/3
    out        no_answer    0     false
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from core.infra.periods import previous_period, whole_months
from core.infra.schema import agents, calls, campaigns, sites
from core.semantic.cubes import Filters
from core.semantic.metrics import METRICS, compute_metrics

__all__ = [
    "HEADLINES",
    "FilterOptions",
    "Filters",
    "Headline",
    "HomeData",
    "HomeFigures",
    "build_filter_options",
    "build_home",
    "last_complete_month",
    "latest_call_day",
    "month_bounds",
    "previous_period",
]


@dataclass(frozen=True)
class Headline:
    """One KPI card: a metric key of the registry, how the card formats it, how it compares.

    Labels, the definition (tooltip) and the direction of "good" come from
    :data:`core.semantic.metrics.METRICS`, declared once for the whole product.
    """

    key: str
    fmt: str  # format code of core.infra.i18n.fmt for the card's value (``wan``: compact counts)
    delta_fmt: str  # format code for the change against the previous period
    relative_delta: bool  # True: change shown as a relative % ; False: as a difference

    @property
    def higher_is_better(self) -> bool | None:
        """Direction of "good" (None: volumes, neither good nor bad)."""
        return METRICS[self.key].higher_is_better

    def label(self, lang: str) -> str:
        """The metric's name in ``lang``."""
        return METRICS[self.key].label(lang)

    def description(self, lang: str) -> str:
        """The metric's one-line definition in ``lang`` (the card's tooltip)."""
        metric = METRICS[self.key]
        return metric.description_en if lang == "en" else metric.description_zh


#: The overview's KPI cards, in display order.
HEADLINES: tuple[Headline, ...] = (
    Headline("outbound_calls", "wan", "pct1", True),
    Headline("connect_rate", "pct1", "pp1", False),
    Headline("effective_rate", "pct1", "pp1", False),
    Headline("inbound_calls", "wan", "pct1", True),
    Headline("inbound_answer_rate", "pct1", "pp1", False),
    Headline("complaints", "num0", "pct1", True),
    Headline("active_agents", "num0", "pct1", True),
)


@dataclass(frozen=True)
class HomeFigures:
    """The headline figures of one period (DOMAIN.md §5 keys; rates are fractions or None)."""

    outbound_calls: int
    inbound_calls: int
    connected_calls: int
    effective_calls: int
    complaints: int
    active_agents: int
    connect_rate: float | None
    effective_rate: float | None
    inbound_answer_rate: float | None

    @property
    def total_calls(self) -> int:
        """Outbound plus inbound calls."""
        return self.outbound_calls + self.inbound_calls

    def value(self, key: str) -> float | int | None:
        """The figure named by a metric key."""
        return getattr(self, key)  # type: ignore[no-any-return]


@dataclass(frozen=True)
class HomeData:
    """Everything the overview page shows, computed for one period and the period before it."""

    period_start: date
    period_end: date
    previous_start: date
    previous_end: date
    whole_month: bool  # the period is exactly one calendar month
    filters: Filters
    current: HomeFigures
    previous: HomeFigures
    headlines: tuple[Headline, ...] = field(default=HEADLINES)

    @property
    def filtered(self) -> bool:
        """Whether a site, team or campaign filter is set."""
        return bool(self.filters.sites or self.filters.teams or self.filters.campaigns)

    def delta(self, key: str) -> float | None:
        """Change of ``key`` against the previous period, as the headline shows it.

        Rates: the difference (in fractions; shown in percentage points). Counts: the relative
        change ``current / previous − 1``; None when the previous value is zero or missing.
        """
        spec = next((h for h in self.headlines if h.key == key), None)
        cur = self.current.value(key)
        prev = self.previous.value(key)
        if cur is None or prev is None:
            return None
        if spec is not None and spec.relative_delta:
            return None if prev == 0 else cur / prev - 1
        return float(cur - prev)


@dataclass(frozen=True)
class FilterOptions:
    """What the sidebar filters offer: ``(id, label)`` pairs, sorted by label."""

    sites: tuple[tuple[str, str], ...]
    teams: tuple[tuple[str, str], ...]
    campaigns: tuple[tuple[str, str], ...]


# ----------------------------------------------------------------------------------------------
# Periods
# ----------------------------------------------------------------------------------------------


def month_bounds(day: date) -> tuple[date, date]:
    """First and last day of the calendar month containing ``day``."""
    last = calendar.monthrange(day.year, day.month)[1]
    return day.replace(day=1), day.replace(day=last)


def latest_call_day(engine: Engine) -> date | None:
    """The day of the latest call in the database (``MAX(started_at)``), or None without calls."""
    with engine.connect() as conn:
        latest = conn.execute(sa.select(sa.func.max(calls.c.started_at))).scalar_one()
    if latest is None:
        return None
    if isinstance(latest, str):  # SQLite through a text() path, or a driver without types
        latest = datetime.fromisoformat(latest)
    if isinstance(latest, datetime):
        return latest.date()
    return latest if isinstance(latest, date) else None


def last_complete_month(engine: Engine, today: date) -> tuple[date, date]:
    """The last calendar month that ends on or before the latest call day.

    If the latest call falls on the last day of a month, that month counts as complete. A
    database without calls falls back to ``today`` in the same rule (the month before today,
    or this month if today is its last day).

    Args:
        engine: the database.
        today: the reference day used only when there are no calls.

    Returns:
        ``(first day, last day)`` of that month.
    """
    ref = latest_call_day(engine) or today
    first, last = month_bounds(ref)
    if ref == last:
        return first, last
    return month_bounds(first - timedelta(days=1))


# ----------------------------------------------------------------------------------------------
# Figures
# ----------------------------------------------------------------------------------------------

#: The registry keys the overview reads (the cards, plus the counts behind the rates).
FIGURE_KEYS: tuple[str, ...] = (
    "outbound_calls",
    "inbound_calls",
    "connected_calls",
    "effective_calls",
    "complaints",
    "active_agents",
    "connect_rate",
    "effective_rate",
    "inbound_answer_rate",
)


def _figures(engine: Engine, start: date, end: date, filters: Filters) -> HomeFigures:
    row = compute_metrics(engine, start, end, metrics=FIGURE_KEYS, filters=filters).row(0, named=True)

    def count(key: str) -> int:
        return int(row[key] or 0)

    def rate(key: str) -> float | None:
        return None if row[key] is None else float(row[key])

    return HomeFigures(
        outbound_calls=count("outbound_calls"),
        inbound_calls=count("inbound_calls"),
        connected_calls=count("connected_calls"),
        effective_calls=count("effective_calls"),
        complaints=count("complaints"),
        active_agents=count("active_agents"),
        connect_rate=rate("connect_rate"),
        effective_rate=rate("effective_rate"),
        inbound_answer_rate=rate("inbound_answer_rate"),
    )


def build_home(
    engine: Engine, month_start: date, month_end: date, filters: Filters | None = None
) -> HomeData:
    """Headline figures of a period and of the period before it, for the overview page.

    Args:
        engine: the database (the schema must be present).
        month_start: first day of the period (usually the 1st of the last complete month).
        month_end: last day of the period, inclusive. Any range works; "previous" is the same
            number of whole months before (or of days, for a range that is not whole months).
        filters: site, team and campaign filters (None: no filter), with the meaning they have
            for every figure (module docstring of :mod:`core.semantic.cubes`): a call without an agent (a
            dialer drop, a queue abandon) passes a site or team filter when agents of that site or
            team worked its campaign in the period, a robot campaign's calls pass none; sessions
            count for active agents only without a campaign filter.

    Returns:
        :class:`HomeData`; counts are integers, rates fractions in 0..1 or None when their
        denominator is zero.
    """
    filters = filters or Filters()
    if month_end < month_start:
        month_start, month_end = month_end, month_start
    prev_start, prev_end = previous_period(month_start, month_end)
    return HomeData(
        period_start=month_start,
        period_end=month_end,
        previous_start=prev_start,
        previous_end=prev_end,
        whole_month=whole_months(month_start, month_end) == 1,
        filters=filters,
        current=_figures(engine, month_start, month_end, filters),
        previous=_figures(engine, prev_start, prev_end, filters),
    )


def _pairs(rows: Sequence[Any]) -> tuple[tuple[str, str], ...]:
    pairs = {
        (str(r[0]), str(r[1]) if r[1] not in (None, "") else str(r[0])) for r in rows if r[0] is not None
    }
    return tuple(sorted(pairs, key=lambda p: (p[1], p[0])))


def build_filter_options(engine: Engine) -> FilterOptions:
    """The choices of the sidebar filters: sites, teams and campaigns in the database.

    Sites are labelled ``name(province)``, campaigns ``name``; teams are their own label.
    """
    with engine.connect() as conn:
        site_rows = conn.execute(sa.select(sites.c.site_id, sites.c.name, sites.c.province)).all()
        team_rows = conn.execute(
            sa.select(agents.c.team).where(agents.c.team.is_not(None)).group_by(agents.c.team)
        ).all()
        campaign_rows = conn.execute(sa.select(campaigns.c.campaign_id, campaigns.c.name)).all()
    site_pairs = _pairs([(r[0], f"{r[1]}({r[2]})" if r[1] and r[2] else (r[1] or r[0])) for r in site_rows])
    return FilterOptions(
        sites=site_pairs,
        teams=_pairs([(r[0], r[0]) for r in team_rows]),
        campaigns=_pairs(campaign_rows),
    )
