"""The shared sidebar: language switch, period, site, team and campaign, synced with the URL.

Every value lives in the query string, so a copied link reproduces the view::

    ?lang=en&from=2025-05-01&to=2025-05-31&site=S01&team=A组&team=B组&campaign=C03

On a new session the widgets start from the URL (invalid values are dropped); after every run
the URL is rewritten from the widgets. Only these six parameters are touched: other pages may
keep their own state in the query string.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import streamlit as st

from core.infra.i18n import LANGS, fmt, normalize_lang, t
from core.pagedata.home import FilterOptions, Filters

# Query-string names (part of the product: links in e-mails and OKR decks use them).
QP_LANG = "lang"
QP_FROM = "from"
QP_TO = "to"
QP_SITE = "site"
QP_TEAM = "team"
QP_CAMPAIGN = "campaign"

# Widget keys (explicit, so state survives reruns and tests can address the widgets).
KEY_LANG = "lang"
KEY_FROM = "filter_from"
KEY_TO = "filter_to"
KEY_SITE = "filter_site"
KEY_TEAM = "filter_team"
KEY_CAMPAIGN = "filter_campaign"

#: Range the date pickers accept; a URL date outside it falls back to the default period.
MIN_DATE = date(2000, 1, 1)
MAX_DATE = date(2099, 12, 31)


@dataclass(frozen=True)
class Selection:
    """What the sidebar selects: an inclusive period and the dimension filters."""

    start: date
    end: date
    filters: Filters = field(default_factory=Filters)
    swapped: bool = False  # the user's "from" was after "to"; start/end are already in order


def _parse_date(values: Sequence[str]) -> date | None:
    try:
        day = date.fromisoformat(values[-1]) if values else None
    except ValueError:
        return None
    return day if day is not None and MIN_DATE <= day <= MAX_DATE else None


def _unique(values: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))


def language() -> str:
    """The current language (``zh``/``en``): session state, else ``?lang=``, else Chinese."""
    if KEY_LANG not in st.session_state or st.session_state[KEY_LANG] not in LANGS:
        st.session_state[KEY_LANG] = normalize_lang(st.query_params.get(QP_LANG))
    return str(st.session_state[KEY_LANG])


def render_language_switch(lang: str) -> str:
    """The zh/en switch at the top of the sidebar; returns the language chosen."""
    chosen = st.sidebar.segmented_control(
        t("app.language", lang),
        options=list(LANGS),
        format_func=lambda code: t(f"lang.{code}", code),
        key=KEY_LANG,
        required=True,
    )
    return normalize_lang(chosen)


def _init_date(key: str, qp: str, default: date) -> None:
    """Seed a date widget from the URL on a new session; repair a missing or cleared value."""
    if key not in st.session_state:
        st.session_state[key] = _parse_date(st.query_params.get_all(qp)) or default
    elif not isinstance(st.session_state[key], date):
        st.session_state[key] = default


def _init_choice(key: str, qp: str, valid: set[str]) -> None:
    """Seed a multiselect from the URL; drop values the database no longer offers."""
    current = st.session_state.get(key)
    source = st.query_params.get_all(qp) if current is None else list(current)
    cleaned = [v for v in _unique(source) if v in valid]
    if current is None or cleaned != list(current):
        st.session_state[key] = cleaned


def _multiselect(
    label_key: str, key: str, qp: str, pairs: Sequence[tuple[str, str]], lang: str
) -> tuple[str, ...]:
    labels = dict(pairs)
    _init_choice(key, qp, set(labels))
    chosen = st.sidebar.multiselect(
        t(label_key, lang),
        options=list(labels),
        format_func=lambda v: labels.get(v, v),
        key=key,
        placeholder=t("filter.all", lang) if labels else t("filter.none_available", lang),
    )
    return tuple(chosen)


def render_sidebar(
    options: FilterOptions | None, default: tuple[date, date], lang: str, *, default_from_data: bool = True
) -> Selection:
    """Draw the period and the site/team/campaign filters; return what they select.

    Args:
        options: the choices from the database (None when the database cannot be read; the
            multiselects are then empty).
        default: the default period (the last complete month of the data).
        lang: interface language.
        default_from_data: whether ``default`` comes from the data (then a caption says so).
    """
    options = options or FilterOptions((), (), ())
    st.sidebar.subheader(t("filter.header", lang))
    _init_date(KEY_FROM, QP_FROM, default[0])
    _init_date(KEY_TO, QP_TO, default[1])
    # One per row: side by side, the sidebar is too narrow for a full YYYY-MM-DD.
    start = st.sidebar.date_input(
        t("filter.from", lang), key=KEY_FROM, min_value=MIN_DATE, max_value=MAX_DATE, format="YYYY-MM-DD"
    )
    end = st.sidebar.date_input(
        t("filter.to", lang), key=KEY_TO, min_value=MIN_DATE, max_value=MAX_DATE, format="YYYY-MM-DD"
    )
    start = start if isinstance(start, date) else default[0]
    end = end if isinstance(end, date) else default[1]
    swapped = start > end
    if swapped:
        start, end = end, start
        st.sidebar.warning(t("filter.swapped", lang, start=fmt(start, "date"), end=fmt(end, "date")))
    if default_from_data and (start, end) == default:
        st.sidebar.caption(t("filter.default_hint", lang))
    chosen = Filters(
        sites=_multiselect("filter.site", KEY_SITE, QP_SITE, options.sites, lang),
        teams=_multiselect("filter.team", KEY_TEAM, QP_TEAM, options.teams, lang),
        campaigns=_multiselect("filter.campaign", KEY_CAMPAIGN, QP_CAMPAIGN, options.campaigns, lang),
    )
    return Selection(start=start, end=end, filters=chosen, swapped=swapped)


def query_state(selection: Selection, lang: str) -> dict[str, list[str]]:
    """The query-string values that reproduce ``selection`` (empty list: parameter absent)."""
    raw_from = st.session_state.get(KEY_FROM, selection.start)
    raw_to = st.session_state.get(KEY_TO, selection.end)
    return {
        QP_LANG: [lang],
        # The widgets' own values, so the link reproduces exactly what the sidebar shows.
        QP_FROM: [raw_from.isoformat() if isinstance(raw_from, date) else selection.start.isoformat()],
        QP_TO: [raw_to.isoformat() if isinstance(raw_to, date) else selection.end.isoformat()],
        QP_SITE: list(selection.filters.sites),
        QP_TEAM: list(selection.filters.teams),
        QP_CAMPAIGN: list(selection.filters.campaigns),
    }


def sync_query_params(selection: Selection, lang: str) -> None:
    """Write the sidebar's state to the URL, touching only our six parameters, only if changed."""
    for name, values in query_state(selection, lang).items():
        current = st.query_params.get_all(name)
        if current == values:
            continue
        if values:
            st.query_params[name] = values if len(values) > 1 else values[0]
        elif name in st.query_params:
            del st.query_params[name]
