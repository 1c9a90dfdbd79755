"""Caching glue between the pages and ``core``: the one place that knows about ``st.cache_*``.

* the engine: ``st.cache_resource`` keyed by the database URL;
* the schema check and the data version: ``st.cache_data`` with a short TTL, so a reload or an
  import shows up within :data:`VERSION_TTL` seconds;
* page data: ``st.cache_data`` keyed by (URL, data version, period, filters), so a page change
  is served from memory once warm, and a new data version misses the cache by construction.

Loaders take plain hashable arguments (strings, dates, frozen dataclasses) and return frozen
dataclasses or plain values; they never return live database objects.
"""

from __future__ import annotations

import importlib
import os
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TypeVar

import polars as pl
import streamlit as st
from sqlalchemy.engine import Engine, make_url

from core.alerts import store as alert_store
from core.compliance.risk import RiskRule, compute_risk_all, read_rule_calls, risk_rules, select_rule_calls
from core.compliance.risk_lists import rank_by_rule
from core.infra import db, rule_versions
from core.infra.i18n import fmt, t
from core.infra.rules import Rules, RulesError, rules_with
from core.infra.schema import TABLES
from core.pagedata import report
from core.pagedata.capacity import CapacityData, build_capacity
from core.pagedata.home import (
    FilterOptions,
    Filters,
    HomeData,
    build_filter_options,
    build_home,
    last_complete_month,
)
from core.pagedata.home import latest_call_day as _latest_call_day
from core.pagedata.regulatory import RegulatoryData, build_regulatory_data
from core.pagedata.staffing import StaffingSummary, compute_staffing, summarise_staffing
from core.pagedata.today import TodayData, build_today
from core.pagedata.touch import (
    TouchData,
    build_campaign_agents,
    build_touch,
    read_call_list,
    select_call_list,
)
from core.reporting import asset_pack, profile, quality, regulatory

#: Seconds the schema check and the data version are trusted before asking the database again.
VERSION_TTL = 30
#: Page data lives at most this long (a new data version misses the cache anyway).
DATA_TTL = 3600
DATA_MAX_ENTRIES = 128


def database_url() -> str:
    """The URL in force: ``CALLCENTER_DB_URL``, then secrets.toml, then the embedded default."""
    return db.resolve_url(use_secrets=True)


def is_default_url(url: str) -> bool:
    """Whether ``url`` is the embedded DuckDB file the app may build the demo into."""
    return url == db.DEFAULT_URL


_PASSWORD_IN_URL = re.compile(r"(://[^:/@\s]*:)[^@\s]*@")


def scrub_secrets(text: str) -> str:
    """``text`` with any ``scheme://user:password@`` password replaced by ``***``."""
    return _PASSWORD_IN_URL.sub(r"\1***@", text)


def display_url(url: str) -> str:
    """The URL for the screen: ``core.infra.db.redact_url``; a URL it cannot parse, with its password masked."""
    try:
        shown = db.redact_url(url)
    except Exception:  # noqa: BLE001 - e.g. a non-numeric port makes the parser raise ValueError
        shown = ""
    return shown if shown and shown != "<invalid URL>" else scrub_secrets(url)


@st.cache_resource(max_entries=4, show_spinner=False, on_release=lambda engine: engine.dispose())
def get_engine(url: str) -> Engine:
    """One engine per URL for the whole server (raises ``DatabaseError`` on a bad URL)."""
    # Only the embedded default may create its data/ folder; a typo in a configured DuckDB path
    # should fail loudly rather than quietly create an empty database somewhere.
    try:
        return db.make_engine(url, create_dirs=is_default_url(url))
    except ValueError as exc:
        # make_engine names unparseable URLs itself; a non-numeric port still escapes as ValueError.
        detail = f"{display_url(url)}: {exc}"
        raise db.DatabaseError(
            t("error.bad_url", "zh", detail=detail), t("error.bad_url", "en", detail=detail)
        ) from None


@st.cache_data(ttl=VERSION_TTL, max_entries=16, show_spinner=False)
def schema_problems(url: str) -> list[db.SchemaProblem]:
    """Missing tables and columns (empty: schema complete). Raises ``DatabaseError``."""
    return db.ready_schema(get_engine(url))


@st.cache_data(ttl=VERSION_TTL, max_entries=16, show_spinner=False)
def data_version(url: str) -> str:
    """The fingerprint in every page-data cache key: the data's, plus the rule version's if any.

    A new rule version changes what many figures mean, so storing one misses every cached page just
    as new data does. With the defaults in force this is exactly :func:`core.infra.db.data_version`.
    """
    version = db.data_version(get_engine(url))
    digest = rules_digest(url)
    return version if digest is None else f"{version}+rules.{digest}"


def clear_status() -> None:
    """Forget the cached schema check and data version (after the app itself wrote data)."""
    schema_problems.clear()
    data_version.clear()


# ----------------------------------------------------------------------------------------------
# Rules in force: core/infra/rules.toml merged with the latest rule version stored in the database
# (core/infra/rule_versions.py), the one source for the app and the CLI alike
# ----------------------------------------------------------------------------------------------

#: The app's former override file (before rule versions): moved into version 1 on first use when the
#: database holds no version yet, then renamed ``rules.override.toml.migrated`` (README, "Rules").
RULES_OVERRIDE = db.PROJECT_ROOT / "data" / "rules.override.toml"


def current_actor() -> str:
    """Who is making a change in the app: the name every rule version (and, later, audit row) keeps.

    A placeholder until sign-in exists (issue 15): the app runs as one local administrator. The
    sign-in work replaces this one function with the signed-in user's name.
    """
    return "local-admin"


@st.cache_data(ttl=VERSION_TTL, max_entries=16, show_spinner=False)
def rules_version_key(url: str) -> int:
    """The id of the rule version in force in ``url``'s database (0: the shipped defaults).

    Migrates the former override file first (once). Raises ``RulesError`` when that file fails
    the checks (it then stays in place, named in the message).
    """
    engine = get_engine(url)
    rule_versions.migrate_override_file(engine, RULES_OVERRIDE, actor="migration")
    live = rule_versions.current(engine)
    return 0 if live is None else live.version_id


@st.cache_data(max_entries=8, show_spinner=False)
def _rules_for(url: str, version_id: int) -> Rules:
    del version_id  # cache key only: a new version is read again
    return rule_versions.rules_in_force(get_engine(url))


#: The rules read last per database URL: used while another process holds the DuckDB file.
_last_rules: dict[str, Rules] = {}


def rules_in_force() -> Rules:
    """The rules every loader passes to core (raises ``RulesError`` for a stored version gone bad).

    Read from the database (the version in force, cached); while another process holds the DuckDB
    file for longer than :data:`LOCK_WAIT_S`, the rules read last are used, as the Today page keeps
    its last data (raises :class:`DatabaseBusy` when none were read yet).
    """
    url = database_url()
    try:
        rules = retry_locked(lambda: _rules_for(url, rules_version_key(url)))
    except DatabaseBusy:
        if url not in _last_rules:
            raise
        return _last_rules[url]
    _last_rules[url] = rules
    return rules


def rules_digest(url: str | None = None) -> str | None:
    """``v<N>`` for the rule version in force (None for the defaults); part of :func:`data_version`."""
    try:
        n = rules_version_key(url or database_url())
    except RulesError:
        return "broken"
    return None if n == 0 else f"v{n}"


def rule_version_list() -> list[rule_versions.Version]:
    """Every stored rule version, oldest first (for the settings page)."""
    return rule_versions.versions(get_engine(database_url()))


def pending_rule_proposals() -> list[rule_versions.Version]:
    return rule_versions.pending_proposals(get_engine(database_url()))


def check_rules_file(content: bytes, name: str) -> Rules:
    """Validate an uploaded rules file by meaning (nothing stored).

    Raises:
        RulesError: the file is not UTF-8 TOML, names an unknown key, or has a value out of its
            range; the message (zh / en) names the key and the range.
    """
    return rules_with(rule_versions.overrides_from_bytes(content, name))


def save_rules_override(
    content: bytes, name: str, *, note: str | None = None, propose: bool = False
) -> rule_versions.Version:
    """Validate an uploaded file, then store it as a new rule version by :func:`current_actor`
    (``propose``: a proposal, in force only once approved). Raises ``RulesError``; nothing stored then."""
    over = rule_versions.overrides_from_bytes(content, name)
    engine = get_engine(database_url())
    write = rule_versions.propose if propose else rule_versions.apply
    version = write(engine, over, actor=current_actor(), note=note or f"uploaded {Path(name).name}")
    _forget_rules()
    return version


def approve_rule_proposal(proposal_id: int, *, note: str | None = None) -> rule_versions.Version:
    version = rule_versions.approve(get_engine(database_url()), proposal_id, actor=current_actor(), note=note)
    _forget_rules()
    return version


def restore_rule_version(version_id: int, *, note: str | None = None) -> rule_versions.Version:
    """Bring back version ``version_id`` (0: the defaults) as a new version."""
    version = rule_versions.restore(get_engine(database_url()), version_id, actor=current_actor(), note=note)
    _forget_rules()
    return version


def remove_rules_override() -> rule_versions.Version:
    """Go back to the defaults of core/infra/rules.toml (a restore of version 0)."""
    return restore_rule_version(0)


def _forget_rules() -> None:
    """Drop everything cached from the old rules (the loaders keyed without a data version too)."""
    _rules_for.clear()
    rules_version_key.clear()
    data_version.clear()
    load_risk_rules.clear()
    load_occupancy_band.clear()
    clear_status()


# ----------------------------------------------------------------------------------------------
# Page data loaders: keyed by (url, version, …); ``version`` is unused in the body on purpose.
# ----------------------------------------------------------------------------------------------


@st.cache_data(ttl=DATA_TTL, max_entries=DATA_MAX_ENTRIES, show_spinner=False)
def load_home(url: str, version: str, start: date, end: date, filters: Filters) -> HomeData:
    """Overview page data (see :func:`core.pagedata.home.build_home`)."""
    del version  # part of the cache key only
    return build_home(get_engine(url), start, end, filters)


@st.cache_data(ttl=DATA_TTL, max_entries=16, show_spinner=False)
def load_filter_options(url: str, version: str) -> FilterOptions:
    """Sites, teams and campaigns for the sidebar filters."""
    del version
    return build_filter_options(get_engine(url))


@st.cache_data(ttl=DATA_TTL, max_entries=16, show_spinner=False)
def load_default_period(url: str, version: str, today: date) -> tuple[date, date]:
    """The last complete month of the data (the default period of every page)."""
    del version
    return last_complete_month(get_engine(url), today)


@st.cache_data(ttl=DATA_TTL, max_entries=16, show_spinner=False)
def load_latest_call_day(url: str, version: str) -> date | None:
    """The day of the latest call, or None for a database without calls."""
    del version
    return _latest_call_day(get_engine(url))


@st.cache_data(ttl=DATA_TTL, max_entries=16, show_spinner=False)
def load_row_counts(url: str, version: str, tables: tuple[str, ...]) -> dict[str, int]:
    """Rows per table, for the tables named (which must exist)."""
    del version
    chosen = [tbl for tbl in TABLES if tbl.name in tables]
    # Plain str keys: row_counts returns SQLAlchemy ``quoted_name`` keys, a str subclass that
    # polars mistakes for a sequence (RecursionError when building a frame).
    return {str(name): int(n) for name, n in db.row_counts(get_engine(url), chosen).items()}


# Touch, capacity and risk pages (issue 5): one loader per page-data builder of core.
@st.cache_data(ttl=DATA_TTL, max_entries=DATA_MAX_ENTRIES, show_spinner=False)
def load_touch(url: str, version: str, start: date, end: date, filters: Filters) -> TouchData:
    """Touch-efficiency page data (see :func:`core.pagedata.touch.build_touch`)."""
    del version
    return build_touch(get_engine(url), start, end, filters=filters, rules=rules_in_force())


@st.cache_data(ttl=DATA_TTL, max_entries=DATA_MAX_ENTRIES, show_spinner=False)
def load_campaign_agents(
    url: str, version: str, start: date, end: date, filters: Filters, campaign: str
) -> pl.DataFrame:
    """Drill-down: a campaign's agents (:func:`core.pagedata.touch.build_campaign_agents`)."""
    del version
    return build_campaign_agents(get_engine(url), start, end, campaign, filters=filters)


@st.cache_data(ttl=DATA_TTL, max_entries=DATA_MAX_ENTRIES, show_spinner=False)
def load_call_list(
    url: str,
    version: str,
    start: date,
    end: date,
    filters: Filters,
    campaign: str,
    agent: str | None,
    page: int,
    page_size: int,
) -> pl.DataFrame:
    """Drill-down: one page of a campaign's (and agent's) outbound calls under the filters, customer ids masked."""
    del version
    query = select_call_list(
        start, end, campaign_id=campaign, agent_id=agent, filters=filters, page=page, page_size=page_size
    )
    return read_call_list(get_engine(url), query)


@st.cache_data(ttl=DATA_TTL, max_entries=DATA_MAX_ENTRIES, show_spinner=False)
def load_capacity(url: str, version: str, start: date, end: date, filters: Filters) -> CapacityData:
    """Seat-capacity page data (see :func:`core.pagedata.capacity.build_capacity`)."""
    del version
    return build_capacity(get_engine(url), start, end, filters=filters, rules=rules_in_force())


@st.cache_data(ttl=DATA_TTL, max_entries=DATA_MAX_ENTRIES, show_spinner=False)
def load_staffing(url: str, version: str, start: date, end: date, filters: Filters) -> StaffingSummary:
    """Inbound staffing by Erlang C, summarised (:func:`core.pagedata.staffing.summarise_staffing`)."""
    del version
    return summarise_staffing(compute_staffing(get_engine(url), start, end, filters=filters))


@st.cache_data(ttl=DATA_TTL, max_entries=DATA_MAX_ENTRIES, show_spinner=False)
def load_risk(
    url: str, version: str, start: date, end: date, filters: Filters, entity: str, grain: str
) -> pl.DataFrame:
    """Risk per entity and period (see :func:`core.compliance.risk.compute_risk`), from :func:`load_risk_all`."""
    return load_risk_all(url, version, start, end, filters, grain)[entity]


@st.cache_data(ttl=DATA_TTL, max_entries=DATA_MAX_ENTRIES, show_spinner=False)
def load_risk_all(
    url: str, version: str, start: date, end: date, filters: Filters, grain: str
) -> dict[str, pl.DataFrame]:
    """Risk of every entity at once (:func:`core.compliance.risk.compute_risk_all`: one pass over the calls),
    so that switching the heatmap's entity reads nothing."""
    del version
    return compute_risk_all(get_engine(url), start, end, grain=grain, filters=filters, rules=rules_in_force())


@st.cache_data(ttl=DATA_TTL, max_entries=DATA_MAX_ENTRIES, show_spinner=False)
def load_risk_ranking(
    url: str, version: str, start: date, end: date, filters: Filters, entity: str, rule_id: str, top: int
) -> pl.DataFrame:
    """A ranked list of the risk page (:func:`core.compliance.risk_lists.rank_by_rule` over day cells)."""
    return rank_by_rule(load_risk(url, version, start, end, filters, entity, "day"), rule_id, top=top)


@st.cache_data(ttl=DATA_TTL, max_entries=DATA_MAX_ENTRIES, show_spinner=False)
def load_rule_calls(
    url: str,
    version: str,
    rule_id: str,
    entity: str,
    value: str | None,
    start: date,
    end: date,
    filters: Filters,
    page: int,
    page_size: int,
) -> pl.DataFrame:
    """One page of the calls behind a risk cell's rule under the filters, customer ids masked."""
    del version
    engine = get_engine(url)
    query = select_rule_calls(
        engine,
        rule_id,
        entity=entity,
        value=value,
        start=start,
        end=end,
        rules=rules_in_force(),
        filters=filters,
        page=page,
        page_size=page_size,
    )
    return read_rule_calls(engine, query)


@st.cache_data(ttl=VERSION_TTL, max_entries=4, show_spinner=False)
def load_risk_rules() -> tuple[RiskRule, ...]:
    """The risk rules in force, with their sources (re-read every :data:`VERSION_TTL` seconds)."""
    return tuple(risk_rules(rules_in_force()))


@st.cache_data(ttl=VERSION_TTL, max_entries=4, show_spinner=False)
def load_occupancy_band() -> tuple[float, float]:
    """The healthy occupancy band of the rules file (low, high)."""
    band = rules_in_force().data["healthy_occupancy"]
    return float(band["low"]), float(band["high"])


# Regulatory dashboard, asset pack, data quality, settings (issue 5, pages A).


def today() -> date:
    """Today, for deadlines and step status (tests replace it to pin the calendar)."""
    return date.today()


@st.cache_data(ttl=DATA_TTL, max_entries=16, show_spinner=False)
def load_report_years(url: str, version: str) -> tuple[int, ...]:
    """Calendar years with calls, oldest first (:func:`core.pagedata.report.data_years`)."""
    del version
    return report.data_years(get_engine(url))


@st.cache_data(ttl=DATA_TTL, max_entries=DATA_MAX_ENTRIES, show_spinner=False)
def load_regulatory(url: str, version: str, year: int, on: date) -> RegulatoryData:
    """The regulatory dashboard's data for report year ``year`` seen on ``on``
    (:func:`core.pagedata.regulatory.build_regulatory_data`: every part computed once, nothing written)."""
    del version
    return build_regulatory_data(get_engine(url), year, today=on, rules=rules_in_force())


@st.cache_data(ttl=DATA_TTL, max_entries=DATA_MAX_ENTRIES, show_spinner=False)
def load_quality(url: str, version: str, start: date, end: date) -> tuple[quality.Check, ...]:
    """The data-quality checks over ``[start, end]`` (:func:`core.reporting.quality.run_checks`)."""
    del version
    return tuple(quality.run_checks(get_engine(url), start, end))


@st.cache_data(ttl=DATA_TTL, max_entries=DATA_MAX_ENTRIES, show_spinner=False)
def load_pack(url: str, version: str, years: tuple[int, ...]) -> tuple[asset_pack.YearScores, ...]:
    """The asset pack's five scores for one to three years (:func:`core.reporting.asset_pack.build_pack`)."""
    del version
    return tuple(asset_pack.build_pack(get_engine(url), list(years), rules=rules_in_force()))


@st.cache_data(ttl=DATA_TTL, max_entries=16, show_spinner=False)
def load_company(url: str, version: str) -> dict | None:  # type: ignore[type-arg]
    """The company profile row (:func:`core.reporting.profile.read_company`)."""
    del version
    return profile.read_company(get_engine(url))


@st.cache_data(ttl=DATA_TTL, max_entries=16, show_spinner=False)
def load_finance(url: str, version: str) -> pl.DataFrame:
    """The finance entries, newest year first (:func:`core.reporting.profile.read_finance`)."""
    del version
    return profile.read_finance(get_engine(url))


def monthly_report_html(url: str, month: date, lang: str) -> str:
    """The monthly report of ``month`` as offline HTML (made on a download click, not cached)."""
    engine = get_engine(url)
    return report.report_html(report.build_report(engine, month, lang=lang, rules=rules_in_force()))


def _after_write() -> None:
    """A write by the app: forget the data version and the loaders that read what was written."""
    clear_status()
    for loader in (load_regulatory, load_company, load_finance):
        loader.clear()


def save_step(
    url: str,
    year: int,
    step: int,
    *,
    done_on: date | None,
    owner: str | None,
    signer: str | None,
    note: str | None,
) -> None:
    """Save one checklist step (:func:`core.reporting.regulatory.mark_step`) and drop the stale page data."""
    regulatory.mark_step(get_engine(url), year, step, done_on=done_on, owner=owner, signer=signer, note=note)
    _after_write()


def save_company(url: str, values: dict, original_name: str | None) -> dict:  # type: ignore[type-arg]
    """Save the company profile (:func:`core.reporting.profile.save_company`)."""
    saved = profile.save_company(get_engine(url), values, original_name=original_name)
    _after_write()
    return saved


def save_finance(url: str, year: int, values: dict) -> dict:  # type: ignore[type-arg]
    """Save one finance year (:func:`core.reporting.profile.save_finance`)."""
    saved = profile.save_finance(get_engine(url), year, values)
    _after_write()
    return saved


def profile_editable(url: str) -> bool:
    """Whether the database accepts profile edits from the app (not ClickHouse)."""
    return profile.editable(get_engine(url))


# ----------------------------------------------------------------------------------------------
# Today page (issue 14): read afresh on every refresh, never cached, retried while a writer holds
# the DuckDB file
# ----------------------------------------------------------------------------------------------

#: Environment variable: seconds between two refreshes of the Today page (default 30).
TODAY_REFRESH_ENV = "CALLCENTER_TODAY_REFRESH"
TODAY_REFRESH_DEFAULT = 30
#: How long a read waits for another process (an import, the watcher) to release the DuckDB file.
LOCK_WAIT_S = 5.0

T = TypeVar("T")


class DatabaseBusy(Exception):
    """The DuckDB file stayed locked by another process for :data:`LOCK_WAIT_S` seconds."""


def today_refresh_seconds() -> int:
    """The Today page's refresh interval: ``CALLCENTER_TODAY_REFRESH`` seconds (at least 1), else 30."""
    text = os.environ.get(TODAY_REFRESH_ENV, "").strip()
    try:
        return max(1, int(float(text))) if text else TODAY_REFRESH_DEFAULT
    except ValueError:
        return TODAY_REFRESH_DEFAULT


def is_lock_error(exc: BaseException) -> bool:
    """Whether ``exc`` is DuckDB's "another process holds the file" error."""
    text = str(exc)
    return "Could not set lock on file" in text or "Conflicting lock is held" in text


def retry_locked(read: Callable[[], T], *, wait_s: float | None = None) -> T:
    """Run ``read``; while DuckDB says another process holds the file, try again for ``wait_s``.

    DuckDB lets one process open a file at a time; an import or the watcher holds it only for the
    moments it writes a batch, and the app opens it only while it reads. Raises :class:`DatabaseBusy`
    when the file stayed locked (the page then keeps showing what it read last).
    """
    end = time.monotonic() + (LOCK_WAIT_S if wait_s is None else wait_s)
    pause = 0.05
    while True:
        try:
            return read()
        except Exception as exc:
            if not is_lock_error(exc):
                raise
            if time.monotonic() >= end:
                raise DatabaseBusy(str(exc).splitlines()[0][:200]) from None
        time.sleep(pause)
        pause = min(pause * 2, 0.5)


def load_today(url: str, filters: Filters, now: datetime | None = None) -> TodayData:
    """Today's signals read now (:func:`core.pagedata.today.build_today`, ``now``: the clock or the
    pinned ``CALLCENTER_NOW``; a past moment replays that day). Not cached: each refresh reads the
    newest records."""
    return retry_locked(
        lambda: build_today(get_engine(url), now=now, filters=filters, rules=rules_in_force())
    )


def load_alert_log(url: str, day: date) -> pl.DataFrame:
    """The day's alert log, newest first (:func:`core.alerts.store.read_alert_log`); not cached."""
    return retry_locked(lambda: alert_store.read_alert_log(get_engine(url), day, day))


# ----------------------------------------------------------------------------------------------
# First start: build the demo into the embedded default database
# ----------------------------------------------------------------------------------------------


@dataclass
class _DemoBuild:
    """The one demo build of this server, shared by every session (it outlives script reruns)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    thread: threading.Thread | None = None
    label: str = ""
    fraction: float = 0.0
    counts: dict[str, int] | None = None
    error: BaseException | None = None


@st.cache_resource(show_spinner=False)
def _demo_build() -> _DemoBuild:
    return _DemoBuild()


def _db_file(url: str) -> Path:
    return Path(make_url(url).database or "")


def _marker(url: str) -> Path:
    """Present while a build runs: a build cut short (server stopped) is redone on next start."""
    path = _db_file(url)
    return path.with_name(path.name + ".building")


def _needs_demo(url: str) -> bool:
    """The default database is absent, half built, or lacks tables (a fresh clone)."""
    if not _db_file(url).is_file() or _marker(url).exists():
        return True
    problems = db.check_schema(get_engine(url))
    return any(p.column is None for p in problems)


def _run_build(state: _DemoBuild, url: str, engine: Engine) -> None:
    """Thread body: build the demo, recording progress, result or error in ``state``."""

    def progress(label: str, fraction: float) -> None:
        state.label, state.fraction = label, min(max(float(fraction), 0.0), 1.0)

    marker = _marker(url)
    try:
        demo = importlib.import_module("core.demo.company")
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.touch()
        state.counts = demo.build_demo(engine, progress=progress)
        marker.unlink(missing_ok=True)
    except (ImportError, AttributeError) as exc:
        state.error = db.DatabaseError(
            t("demo.unavailable", "zh", reason=type(exc).__name__),
            t("demo.unavailable", "en", reason=type(exc).__name__),
        )
    except BaseException as exc:  # noqa: BLE001 - handed to the session that shows it
        state.error = exc


def ensure_database(url: str, lang: str) -> dict[str, int] | None:
    """On the embedded default URL, build the demo if the database is missing; else do nothing.

    The build runs in a background thread, so a click during the minute it takes (which reruns
    the script) cannot cut it short; every session shows the same ``st.progress`` bar until it
    ends, then a success line. Only the default URL is ever built into: a configured database
    without tables gets a message instead (see :func:`schema_problems`). Returns the row counts
    when a build finished in this run.

    Raises:
        DatabaseError: the demo generator is missing, or the build failed (then the next run tries
            again).
    """
    if not is_default_url(url):
        return None
    # Cheap path first: the file is there, complete, and the cached schema check is happy.
    if _db_file(url).is_file() and not _marker(url).exists():
        problems = schema_problems(url)
        if not any(p.column is None for p in problems):
            return None
    state = _demo_build()
    with state.lock:
        running = state.thread is not None and state.thread.is_alive()
        if not running:
            if not _needs_demo(url):  # another session's build finished meanwhile
                clear_status()
                return None
            state.label, state.fraction, state.counts, state.error = "", 0.0, None, None
            state.thread = threading.Thread(
                target=_run_build, args=(state, url, get_engine(url)), name="demo-build", daemon=True
            )
            state.thread.start()
        thread = state.thread
    heading = t("demo.building", lang)
    placeholder = st.empty()
    while thread is not None and thread.is_alive():
        placeholder.progress(state.fraction, text=f"{heading} {state.label}".rstrip())
        thread.join(timeout=0.3)
    placeholder.progress(
        1.0 if state.error is None else state.fraction, text=f"{heading} {state.label}".rstrip()
    )
    error = state.error
    if isinstance(error, db.DatabaseError):
        raise error
    if error is not None:
        detail = f"{type(error).__name__}: {str(error).strip().splitlines()[0][:200] if str(error).strip() else ''}"
        raise db.DatabaseError(t("demo.failed", "zh", detail=detail), t("demo.failed", "en", detail=detail))
    placeholder.empty()
    clear_status()
    counts = state.counts or {}
    st.success(t("demo.done", lang, calls=fmt(counts.get("calls"), "num0", lang)), icon=":material/check:")
    return counts


def engine_name(url: str) -> str:
    """Short engine name of a URL (``duckdb``, ``postgresql`` …), or ``?`` if it cannot be parsed."""
    try:
        return db.dialect_of(url)
    except Exception:  # noqa: BLE001 - an unparseable URL is reported elsewhere
        return "?"


def url_source() -> str:
    """Where the URL in force comes from: ``env``, ``secrets`` or ``default``."""
    if os.environ.get(db.ENV_VAR):
        return "env"
    if db.url_from_secrets():
        return "secrets"
    return "default"


def clear_all() -> None:
    """Drop every cached value and engine (tests call this between runs)."""
    st.cache_data.clear()
    st.cache_resource.clear()


__all__ = [
    "DATA_TTL",
    "RULES_OVERRIDE",
    "TODAY_REFRESH_ENV",
    "VERSION_TTL",
    "DatabaseBusy",
    "approve_rule_proposal",
    "check_rules_file",
    "clear_all",
    "clear_status",
    "current_actor",
    "data_version",
    "database_url",
    "display_url",
    "engine_name",
    "ensure_database",
    "get_engine",
    "is_default_url",
    "load_alert_log",
    "load_call_list",
    "load_campaign_agents",
    "load_capacity",
    "load_company",
    "load_default_period",
    "load_filter_options",
    "load_finance",
    "load_home",
    "load_latest_call_day",
    "load_occupancy_band",
    "load_pack",
    "load_quality",
    "load_regulatory",
    "load_report_years",
    "load_risk",
    "load_risk_ranking",
    "load_risk_rules",
    "load_row_counts",
    "load_rule_calls",
    "load_staffing",
    "load_today",
    "load_touch",
    "monthly_report_html",
    "pending_rule_proposals",
    "profile_editable",
    "remove_rules_override",
    "restore_rule_version",
    "retry_locked",
    "rule_version_list",
    "rules_digest",
    "rules_in_force",
    "rules_version_key",
    "save_company",
    "save_finance",
    "save_rules_override",
    "save_step",
    "schema_problems",
    "scrub_secrets",
    "today",
    "today_refresh_seconds",
    "url_source",
]
