"""Pre-aggregated rollups of the calls, on every engine: the metrics' hot path on a year of calls.

A year of twenty million calls is read in a few hundred milliseconds per pass, but the exact number of
distinct customers (one hash-table entry per customer, millions of them) and the agents active per
month cost a second or more each, every time a page or the monthly report asks. A few tables, built
after each import and by ``python -m core rollup``, answer the common cuts without reading the calls:

``rollup_calls_daily``
    One row per day × agent × campaign × caller number × callee province, with every call count and
    duration sum that depends on no rule of ``rules.toml`` (:data:`CALL_BASES`) and the number of
    human calls (for active agents). Its ``started_at`` is the day's midnight, so the query builders
    of :mod:`core.semantic.cubes` run on it unchanged: any period of whole days, every dimension but the hour,
    every filter.
``rollup_calls_hourly``
    The same counts by hour × agent × campaign: the hour-of-day and weekday heatmaps, by any
    dimension but caller number and province, with every filter.
``rollup_calls_monthly``
    The same counts (no hour columns) by month × agent × campaign (``started_at``: the month's first
    day, 00:00), summed from the daily cube's rows of the month at build. Whole calendar months (a
    year, a month, a quarter, across years too) by month, team, agent, site, campaign, purpose or
    client, every filter, for the bases the hourly cube answers (:func:`monthly_answers`): a few
    thousand rows a year where the daily cube has millions, so a row store (PostgreSQL, MariaDB,
    SQLite) reads a year's page in milliseconds instead of a scan of the daily cube.
``rollup_callee_windows``
    The outbound calls that can breach a per-customer cap or be a re-call after an abandoned call
    under any rules (a cap of at least one call, a re-call look-back of at most a week): the calls
    with another call to the customer in the preceding 24 h or an abandoned one in the preceding
    week, with their window counts (``n24``, ``n5``) and the seconds since that abandoned call.
    The risk figures and the calls behind a cap or re-call cell then need no window function.
``rollup_dnc_daily``
    Outbound calls to a customer after their first DNC entry, by the daily cube's keys. The DNC list
    changes apart from the calls, so this one is used only while the list is as it was too (its
    row count and a sum of row hashes, in ``rollup_state``).
``rollup_customer_months``
    One row per customer and calendar year, with a 0/1 flag per month: reached (a connected outbound
    call) and reached effectively. The distinct customers of whole months of one year, in total or
    by month, are then counts of flags. Other periods, other dimensions and filters read the calls.
``rollup_customer_spans``
    Those counts already made: one row per year and span of its months (first to last month, 78 a
    year) with the distinct customers reached and reached effectively, computed from
    ``rollup_customer_months`` at build. A page asking for whole months of one year reads one row
    (or twelve, by month) instead of a scan of a row per customer.

``rollup_quality_daily``
    One row per day × agent with the calls and how many fail each data-quality check that a sum of
    days gives (:data:`QUALITY_COUNTS`: talk longer than the call, times out of order, answered
    without an answer time, no callee province, of which outbound), for the checks of
    :mod:`core.reporting.quality` over whole days; the agents not on the roster are its calls of
    agents the roster (read when asked) lacks.
``rollup_call_copies``
    The rows (call id, start) of every call id stored more than once: the duplicate-id check of any
    period without grouping the calls by id (empty where the engine enforces the key).

``rollup_numbers_monthly``
    Outbound calls by month and caller number, summed from the daily cube: the caller numbers used in
    whole months (the annual report's registered numbers in use) from a few hundred rows.

``rollup_numbers_daily``
    Outbound calls by day, caller number and callee province, summed from the daily cube: the
    company's calls to blocked or uncovered provinces and from unregistered numbers
    (:data:`NUMBERS_BASES`), with no site, team or campaign filter, by month, day, weekday, number or
    province, while the other bases asked with them come from the monthly cube (whole months).

``rollup_state`` records a fingerprint of the calls (:func:`fingerprint`: row count, first and last
start, the importer's log; on PostgreSQL a change counter instead of the first three, below) the
rollups were built from; a rollup whose fingerprint differs from the calls' is not used, so a stale
rollup can cost speed but never a wrong number. (Off PostgreSQL, an edit that changes call values in
place without adding or removing a call, which the importer never does, is not seen: run
``python -m core rollup``. On PostgreSQL the counter sees it.)

**Incremental refresh** (``core.rollup.build``). After an import only the days it touched are
recomputed, and the fingerprint of the calls as they are then stored, under one rule:

    the rollups were current right before the import (the caller read :func:`fingerprint` while
    :func:`current` held), and, in the refresh's transaction, ``rollup_state`` still holds that
    fingerprint and the importer's log without this import is as it was then
    (:func:`current_but_for`).

Then the calls differ from those the rollups were built from by this import only (every call the
importer writes goes through its log), the import's report names every day whose calls it inserted
or replaced (old and new start) and every customer of a replaced call, and the refresh recomputes
every row those feed (see ``core.rollup.build``): the tables are a full rebuild's. Anything else (the
first build, another layout, another import in between, calls changed by another tool) fails the rule
and the refresh rebuilds everything. The check on every page stays :func:`current` (≈ 30 ms on DuckDB, ≈ 3 ms on
PostgreSQL).
``python -m core rollup --since DAY`` is the operator's word that nothing changed before ``DAY``: it
needs only rollups of this layout (:func:`built`).

Every engine gets the same tables, declared here once and filled by the same code
(:mod:`core.rollup.build`); the few expressions that differ (a hash, a bitwise OR and AND, a shift,
the hour's start, a day as a stored time, a digest of the DNC list) are in :mod:`core.infra.sql`.
How each engine stores them (:func:`create_tables`): DuckDB plain tables (zone maps; no index);
ClickHouse MergeTrees ordered by the columns the reads select on and partitioned by month
(:data:`CLICKHOUSE_LAYOUT`); PostgreSQL, MariaDB and SQLite a b-tree per table on those columns
(:data:`INDEXES`), and PostgreSQL a BRIN index on ``calls.started_at``.

The fingerprint's cost: the calls' count, first and last start are metadata on DuckDB and
ClickHouse (milliseconds). PostgreSQL keeps a change counter instead (:data:`core.infra.db.CALLS_COUNTER`,
created with the schema and added to older databases by :func:`core.infra.db.ready_schema` and every
import): a statement-level trigger on ``calls`` bumps a one-row table after every INSERT, UPDATE,
DELETE or TRUNCATE, the importer's or anyone's, once per statement however many rows (a bulk COPY
pays one row update); the fingerprint reads it with the table's oid: about 3 ms against 0.34 s for
the count on 2.3 M calls (PostgreSQL 15, load 6 on 2 CPUs; the count grows with the calls, about 1 s
on 19 M). A role that may not create the trigger, or a trigger disabled, falls back to the count.
MariaDB has only row-level triggers: one bumping a counter per row took a 200,000-call bulk insert
(``db.load_frame``, the importer's loader) from 8.9 s to 11.0 s (+23 %; medians of six alternating
runs, slower with the trigger in every pair, load 4 on 2 CPUs), over the 10 % an import may pay, so
MariaDB counts: the first and last start are one probe of ``ix_calls_started_at`` each and
the count a scan of the smallest index (what :func:`core.infra.db.data_version` pays too), about
1 s on 2.3 M calls on MariaDB 10.11. SQLite, whose triggers are row-level too, counts as well. Every metric is identical with and
without them on each engine: ``tests/core/test_rollup.py`` and the ``<engine>-rollup`` runs of
``tiny_db``, ``tests/engines/test_parity.py`` on the demo.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from core.infra import db, periods, schema, sql
from core.infra.rules import Rules
from core.semantic import bases

#: Call bases that depend on no rule (:data:`core.semantic.bases.STORED`): columns of both cubes.
CALL_BASES: tuple[str, ...] = tuple(n for n in bases.STORED if not bases.BASES[n].internal)
#: The dimensions the daily rollup can cut by (all but the hour of day).
DIMS: frozenset[str] = frozenset(
    {
        "month",
        "day",
        "weekday",
        "team",
        "agent",
        "site",
        "campaign",
        "purpose",
        "client",
        "caller_number",
        "callee_province",
    }
)
#: The dimensions the hourly rollup can cut by (the hour, without caller number and province).
HOURLY_DIMS: frozenset[str] = frozenset(
    {"month", "day", "hour", "weekday", "team", "agent", "site", "campaign", "purpose", "client"}
)
#: The dimensions the monthly rollup can cut by (no day, weekday or hour; no caller number or province).
MONTHLY_DIMS: frozenset[str] = frozenset({"month", "team", "agent", "site", "campaign", "purpose", "client"})
MONTHS = range(1, 13)

metadata = sa.MetaData()
#: Columns of both call cubes after their keys: every rule-independent count, and the human calls.
CUBE_COUNTS: tuple[str, ...] = bases.STORED
#: Extra columns of the daily cube: outbound calls started in each hour of the day (00 to 23), for
#: the calls outside the allowed window when every window starts and ends on a whole hour.
HOUR_COUNTS: tuple[str, ...] = bases.HOUR_COUNTS


def _calls_cube(name: str, *keys: sa.Column[Any], extra: tuple[str, ...] = ()) -> sa.Table:
    """A call cube: ``started_at`` (the day's or the hour's start), ``keys``, then the counts."""
    return sa.Table(
        name,
        metadata,
        sa.Column("started_at", sa.DateTime, nullable=False),
        *keys,
        *[sa.Column(b, sa.BigInteger, nullable=False) for b in (*CUBE_COUNTS, *extra)],
    )


calls_daily = _calls_cube(
    "rollup_calls_daily",
    sa.Column("agent_id", sa.String(32)),
    sa.Column("campaign_id", sa.String(32)),
    sa.Column("caller_number", sa.String(32)),
    sa.Column("callee_province", sa.String(16)),
    extra=HOUR_COUNTS,
)
#: The daily cube summed over agents (day × campaign × caller number × province): a seventh of its rows
#: on the benchmark year, for the cuts that need no agent, team or site (:data:`LITE_DIMS`, no site or
#: team filter): the risk page's caller numbers, campaigns and provinces, a page's campaigns. Filled
#: from the daily cube (:func:`core.rollup.build._select_lite`).
calls_daily_lite = _calls_cube(
    "rollup_calls_daily_lite",
    sa.Column("campaign_id", sa.String(32)),
    sa.Column("caller_number", sa.String(32)),
    sa.Column("callee_province", sa.String(16)),
    extra=HOUR_COUNTS,
)
#: The dimensions :data:`calls_daily_lite` can cut by.
LITE_DIMS: frozenset[str] = frozenset(
    {"month", "day", "weekday", "campaign", "purpose", "client", "caller_number", "callee_province"}
)
calls_hourly = _calls_cube(
    "rollup_calls_hourly", sa.Column("agent_id", sa.String(32)), sa.Column("campaign_id", sa.String(32))
)
calls_monthly = _calls_cube(
    "rollup_calls_monthly", sa.Column("agent_id", sa.String(32)), sa.Column("campaign_id", sa.String(32))
)
dnc_daily = sa.Table(
    "rollup_dnc_daily",
    metadata,
    sa.Column("started_at", sa.DateTime, nullable=False),
    sa.Column("agent_id", sa.String(32)),
    sa.Column("campaign_id", sa.String(32)),
    sa.Column("caller_number", sa.String(32)),
    sa.Column("callee_province", sa.String(16)),
    sa.Column("dnc_calls", sa.BigInteger, nullable=False),
)
#: The query dimensions (core.semantic.cubes) each cube is filled by, in its key columns' order.
CUBE_DIMS: dict[str, tuple[str, ...]] = {
    calls_daily.name: ("day", "agent", "campaign", "caller_number", "callee_province"),
    calls_hourly.name: ("hour_start", "agent", "campaign"),
    calls_monthly.name: ("month_start", "agent", "campaign"),
    dnc_daily.name: ("day", "agent", "campaign", "caller_number", "callee_province"),
}
#: The longest re-call look-back (``abandon.recall_hours``) :data:`callee_windows` can answer.
MAX_RECALL_HOURS = 168
callee_windows = sa.Table(
    "rollup_callee_windows",
    metadata,
    sa.Column("call_id", sa.String(64), nullable=False),
    sa.Column("callee_id", sa.String(64), nullable=False),
    sa.Column("agent_id", sa.String(32)),
    sa.Column("campaign_id", sa.String(32)),
    sa.Column("caller_number", sa.String(32)),
    sa.Column("callee_province", sa.String(16)),
    sa.Column("started_at", sa.DateTime, nullable=False),
    sa.Column("disposition", sa.String(16)),
    sa.Column("n24", sa.BigInteger, nullable=False),
    sa.Column("n5", sa.BigInteger, nullable=False),
    sa.Column("since_abandon", sa.BigInteger),
)
customer_months = sa.Table(
    "rollup_customer_months",
    metadata,
    sa.Column("year", sa.Integer, nullable=False),
    sa.Column("callee_id", sa.String(64), nullable=False),
    *[sa.Column(f"r{m:02d}", sa.SmallInteger, nullable=False) for m in MONTHS],
    *[sa.Column(f"e{m:02d}", sa.SmallInteger, nullable=False) for m in MONTHS],
    # The same flags as bits (bit m−1 for month m): "any month of the period" is one AND.
    sa.Column("rmask", sa.Integer, nullable=False),
    sa.Column("emask", sa.Integer, nullable=False),
)
#: One row per year and span of its months (``first_month`` to ``last_month``, 1 ≤ first ≤ last ≤ 12:
#: 78 a year) with the distinct customers reached and reached effectively in those months: the
#: customer_months rows of that year with a flag in one of them (:func:`core.rollup.build`'s
#: ``_customer_span_rows``). Written for every year that has customer_months rows.
customer_spans = sa.Table(
    "rollup_customer_spans",
    metadata,
    sa.Column("year", sa.Integer, nullable=False),
    sa.Column("first_month", sa.SmallInteger, nullable=False),
    sa.Column("last_month", sa.SmallInteger, nullable=False),
    sa.Column("reached", sa.BigInteger, nullable=False),
    sa.Column("effective", sa.BigInteger, nullable=False),
)
#: The calls that complaints and QA reviews name (their ``call_id``), with the columns their cuts read
#: (:func:`core.semantic.sources.select_complaints` and ``select_qa``): joining a year's 2,800
#: complaints to their calls otherwise reads the id of every call (1.3 s on a 19 M-call year on DuckDB,
#: which keeps no index on it). Its content follows the calls (refreshed by day like the cubes) and
#: the ids the complaints and reviews name (:func:`named_fingerprint`: rebuilt whole when they change).
named_calls = sa.Table(
    "rollup_named_calls",
    metadata,
    sa.Column("call_id", sa.String(64), nullable=False),
    sa.Column("started_at", sa.DateTime, nullable=False),
    sa.Column("agent_id", sa.String(32)),
    sa.Column("campaign_id", sa.String(32)),
    sa.Column("caller_number", sa.String(32)),
    sa.Column("callee_province", sa.String(16)),
)
#: The data-quality counts (:func:`core.reporting.quality.run_checks`) that a sum over days gives:
#: per call, whether it fails each check (:func:`quality_conditions`).
QUALITY_COUNTS: tuple[str, ...] = (
    "talk_longer_than_call",
    "times_out_of_order",
    "answered_without_answer_time",
    "missing_callee_province",
    "missing_callee_province_out",
)
#: One row per day (``started_at``: its midnight) and agent of the calls, with the calls and how many
#: of them fail each check of :data:`QUALITY_COUNTS`: the quality checks of any whole days (and the
#: agents not on the roster, the roster read when asked) without a scan of the calls.
quality_daily = sa.Table(
    "rollup_quality_daily",
    metadata,
    sa.Column("started_at", sa.DateTime, nullable=False),
    sa.Column("agent_id", sa.String(32)),
    sa.Column("calls", sa.BigInteger, nullable=False),
    *[sa.Column(n, sa.BigInteger, nullable=False) for n in QUALITY_COUNTS],
)
#: Every stored row of a call id the calls hold more than once (call id and start): the duplicate
#: call ids of any period are those with two of these rows in it (a call id stored once is in no
#: period twice). Empty on a database that enforces the calls' key.
call_copies = sa.Table(
    "rollup_call_copies",
    metadata,
    sa.Column("call_id", sa.String(64), nullable=False),
    sa.Column("started_at", sa.DateTime, nullable=False),
)
#: Outbound calls by month (``started_at``: the month's first day, 00:00) and caller number, summed
#: from the daily cube at build: the caller numbers used in whole months (the annual report's
#: registered numbers in use, :func:`select_numbers_used`) from a few rows per number and month.
numbers_monthly = sa.Table(
    "rollup_numbers_monthly",
    metadata,
    sa.Column("started_at", sa.DateTime, nullable=False),
    sa.Column("caller_number", sa.String(32)),
    sa.Column("outbound_calls", sa.BigInteger, nullable=False),
)
#: Outbound calls by day (its midnight), caller number and callee province, summed from the daily
#: cube at build: the company's outbound calls narrowed on the number, the province and the day
#: (:data:`NUMBERS_BASES`) from a table a fraction of the daily cube's size (no agent or campaign).
numbers_daily = sa.Table(
    "rollup_numbers_daily",
    metadata,
    sa.Column("started_at", sa.DateTime, nullable=False),
    sa.Column("caller_number", sa.String(32)),
    sa.Column("callee_province", sa.String(16)),
    sa.Column("outbound_calls", sa.BigInteger, nullable=False),
)
#: The bases :data:`numbers_daily` answers: outbound calls narrowed on the callee province
#: (blocked regions, licence coverage) or on the caller number and the day (unregistered numbers):
#: :mod:`core.semantic.bases`' ``blocked_region``, ``out_of_coverage`` and ``unregistered_number``.
NUMBERS_BASES: frozenset[str] = frozenset(
    {"blocked_region_calls", "out_of_coverage_calls", "unregistered_number_calls"}
)
#: The dimensions :data:`numbers_daily` can cut by (never with a site, team or campaign filter).
NUMBERS_DIMS: frozenset[str] = frozenset({"month", "day", "weekday", "caller_number", "callee_province"})
state = sa.Table(
    "rollup_state",
    metadata,
    sa.Column("name", sa.String(32), primary_key=True),
    sa.Column("fingerprint", sa.String(200), nullable=False),
    sa.Column("built_at", sa.DateTime, nullable=False),
)


_disabled = 0


@contextlib.contextmanager
def disabled() -> Iterator[None]:
    """Within this block no rollup is used (the tests compare both paths; a support person can too)."""
    global _disabled
    _disabled += 1
    try:
        yield
    finally:
        _disabled -= 1


def supported(engine: Engine | sa.Connection) -> bool:
    """Whether ``engine`` gets rollups: every engine the app runs on (DuckDB, SQLite, PostgreSQL,
    MariaDB, ClickHouse). Kept for callers that ask."""
    return db.dialect_of(engine) in ENGINES


#: The engines that get rollups: all five (the same tables, built by the same code).
ENGINES: frozenset[str] = frozenset({"duckdb", "sqlite", "postgresql", "mysql", "clickhouse"})

#: ClickHouse: each rollup's sorting key (the columns its reads select on) and partition (by month
#: of the calls, or by year for the customer flags), as ``(ORDER BY, PARTITION BY)``.
CLICKHOUSE_LAYOUT: dict[str, tuple[tuple[str, ...], str | None]] = {
    "rollup_calls_daily": (("started_at",), "toYYYYMM(started_at)"),
    "rollup_calls_daily_lite": (("started_at",), "toYYYYMM(started_at)"),
    "rollup_calls_hourly": (("started_at",), "toYYYYMM(started_at)"),
    "rollup_calls_monthly": (("started_at",), "toYear(started_at)"),
    "rollup_dnc_daily": (("started_at",), "toYYYYMM(started_at)"),
    "rollup_callee_windows": (("started_at", "callee_id"), "toYYYYMM(started_at)"),
    "rollup_customer_months": (("year", "callee_id"), "year"),
    "rollup_customer_spans": (("year", "first_month", "last_month"), None),
    "rollup_named_calls": (("call_id",), None),
    "rollup_quality_daily": (("started_at",), "toYYYYMM(started_at)"),
    "rollup_call_copies": (("call_id",), None),
    "rollup_numbers_monthly": (("started_at",), "toYear(started_at)"),
    "rollup_numbers_daily": (("started_at",), "toYYYYMM(started_at)"),
    "rollup_state": (("name",), None),
}
#: PostgreSQL, MariaDB and SQLite: a b-tree per rollup on the columns its reads select on (DuckDB
#: and ClickHouse skip by zone maps and sorting keys instead).
INDEXES: dict[str, tuple[str, ...]] = {
    "rollup_calls_daily": ("started_at",),
    "rollup_calls_daily_lite": ("started_at",),
    "rollup_calls_hourly": ("started_at",),
    "rollup_calls_monthly": ("started_at",),
    "rollup_dnc_daily": ("started_at",),
    "rollup_callee_windows": ("started_at",),
    "rollup_customer_months": ("year",),
    "rollup_customer_spans": ("year", "first_month", "last_month"),
    "rollup_named_calls": ("call_id",),
    "rollup_quality_daily": ("started_at",),
    "rollup_call_copies": ("call_id",),
    "rollup_numbers_monthly": ("started_at",),
    "rollup_numbers_daily": ("started_at",),
}


def drop_tables(conn: sa.Connection) -> None:
    """Drop every rollup table that exists."""
    if db.dialect_of(conn) == "clickhouse":
        for table in metadata.sorted_tables:
            conn.execute(sa.text(f"DROP TABLE IF EXISTS `{table.name}`"))
        return
    metadata.drop_all(conn)


def create_tables(conn: sa.Connection) -> None:
    """Create the rollup tables as each engine wants them: ClickHouse MergeTrees ordered and
    partitioned by :data:`CLICKHOUSE_LAYOUT`; elsewhere the tables of :data:`metadata`, with the
    b-trees of :data:`INDEXES` off DuckDB, and on PostgreSQL a BRIN index on ``calls.started_at``
    (a few pages for a year of calls, appended in time order: the build's and the days' reads)."""
    dialect = db.dialect_of(conn)
    if dialect == "clickhouse":
        for table in metadata.sorted_tables:
            order, partition = CLICKHOUSE_LAYOUT[table.name]
            conn.execute(sa.text(db.clickhouse_ddl(table, order_by=order, partition_by=partition)))
        return
    metadata.create_all(conn)
    if dialect == "duckdb":
        return
    quote = conn.dialect.identifier_preparer.quote
    for name, cols in INDEXES.items():
        # Plain DDL: an sa.Index on the shared tables would join them (and DuckDB's too).
        index = quote(f"ix_{name}_{'_'.join(cols)}")
        conn.execute(sa.text(f"CREATE INDEX {index} ON {quote(name)} ({', '.join(quote(c) for c in cols)})"))
    if dialect == "postgresql":
        conn.execute(
            sa.text("CREATE INDEX IF NOT EXISTS ix_calls_started_at_brin ON calls USING brin (started_at)")
        )


#: Bumped when what a table holds changes with the same columns (2: ``since_abandon`` over
#: :data:`MAX_RECALL_HOURS` is stored as null, so a stored row depends only on the week before it;
#: 3: the monthly cube and the customer spans, so that older rollups are rebuilt once).
CONTENT_VERSION = 3


def _layout() -> str:
    """A digest of the rollup tables' definitions: rollups built by an older version of this module
    (another table or column set, or :data:`CONTENT_VERSION`) never pass for current."""
    text = f"v{CONTENT_VERSION};" + ";".join(
        f"{t.name}:{','.join(c.name for c in t.columns)}" for t in metadata.sorted_tables
    )
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:8]


def fingerprint(conn: sa.Connection, *, without_import: str | None = None) -> str:
    """The rollups' layout, the row count and first and last start of the calls (metadata and zone
    maps on DuckDB: ~30 ms), and the importer's log (imports of calls that
    inserted or merged, and the last one's time).

    On PostgreSQL with the calls' change counter (:func:`core.infra.db.calls_changes`: a statement-level
    trigger bumps it on every insert, update, delete or truncate of the calls, by anyone) the count and
    first and last start are replaced by ``changes``, the calls table's oid and the counter: a few
    milliseconds at any size instead of an index scan, and an update in place is seen too.

    The log catches a call corrected in place by an import (a leg merged into a stored call: same
    count, same first and last call, another answer or talk time); a scan of the calls' columns
    would too but costs ~100 ms on 19 M calls at every page. Changes made by other tools: run
    ``python -m core rollup``. ``without_import``: the log read as if that import were not in it."""
    c = schema.calls.c
    changes = db.calls_changes(conn)
    if changes is not None:  # PostgreSQL's change counter, in the same three places
        n, lo, hi = "changes", *changes
    else:
        n, lo, hi = conn.execute(
            sa.select(sa.func.count(), sa.func.min(c.started_at), sa.func.max(c.started_at))
        ).one()
    imports: tuple[Any, ...] = ()
    if sa.inspect(conn).has_table(_IMPORT_LOG.name):
        log = _IMPORT_LOG.c
        imports = tuple(
            conn.execute(
                sa.select(sa.func.count(), sa.func.max(log.imported_at)).where(
                    log.table_name == "calls",
                    sa.or_(log.inserted > 0, log.merged > 0),
                    *([] if without_import is None else [log.import_id != without_import]),
                )
            ).one()
        )
    return "|".join(str(x) for x in (_layout(), n, lo, hi, *imports))


#: The importer's log (core.ingest.tables.import_log), named here without importing the importer.
_IMPORT_LOG = sa.table(
    "import_log",
    sa.column("import_id", sa.String),
    sa.column("imported_at", sa.DateTime),
    sa.column("table_name", sa.String),
    sa.column("inserted", sa.Integer),
    sa.column("merged", sa.Integer),
)


def dnc_fingerprint(conn: sa.Connection) -> str:
    """The rollups' layout, and the row count and a sum of row hashes of the DNC list (which changes
    apart from the calls: :data:`dnc_daily` is used only while both are as they were)."""
    d = schema.dnc.c
    n, total = conn.execute(
        sa.select(sa.func.count(), sql.rows_digest(db.dialect_of(conn), d.callee_id, d.added_at))
    ).one()
    return f"{_layout()}|{n}|{total}"


def dnc_current(conn: sa.Connection) -> bool:
    """Whether :data:`dnc_daily` was built from the DNC list as it is now (call with :func:`current`
    true: the calls are checked there)."""
    if _disabled or not supported(conn):
        return False
    stored = _stored(conn, "dnc")
    return stored is not None and stored == dnc_fingerprint(conn)


def named_ids() -> sa.CompoundSelect[Any]:
    """The call ids complaints and QA reviews name (each once)."""
    p, r = schema.complaints.c, schema.qa_reviews.c
    return sa.union(
        sa.select(p.call_id.label("call_id")).where(p.call_id.is_not(None)),
        sa.select(r.call_id.label("call_id")).where(r.call_id.is_not(None)),
    )


def named_fingerprint(conn: sa.Connection) -> str:
    """The rollups' layout, and the row count and a sum of hashes of the call ids the complaints and
    the QA reviews name (which change apart from the calls: :data:`named_calls` is used only while
    they are as they were)."""
    dialect = db.dialect_of(conn)
    parts = [_layout()]
    for col in (schema.complaints.c.call_id, schema.qa_reviews.c.call_id):
        n, total = conn.execute(sa.select(sa.func.count(col), sql.rows_digest(dialect, col))).one()
        parts += [str(n), str(total)]
    return "|".join(parts)


def named_current(conn: sa.Connection) -> bool:
    """Whether :data:`named_calls` was built from the ids the complaints and reviews name now (call
    with :func:`current` true: the calls are checked there)."""
    if _disabled or not supported(conn):
        return False
    stored = _stored(conn, "named")
    return stored is not None and stored == named_fingerprint(conn)


def _stored(conn: sa.Connection, name: str = "calls") -> str | None:
    """The fingerprint the rollups were built from (``calls``; ``dnc`` for :data:`dnc_daily`, ``named``
    for :data:`named_calls`)."""
    if not sa.inspect(conn).has_table(state.name):
        return None
    return conn.execute(sa.select(state.c.fingerprint).where(state.c.name == name)).scalar_one_or_none()


def built(conn: sa.Connection) -> bool:
    """Whether the rollups exist in this module's layout (current or not)."""
    stored = _stored(conn) if supported(conn) else None
    return stored is not None and stored.split("|", 1)[0] == _layout()


def current_but_for(conn: sa.Connection, before: str, import_id: str) -> bool:
    """Whether the rollups were built from the calls as they were when their fingerprint was ``before``,
    and only the import ``import_id`` has been logged since (the rule of incremental refresh: see the
    module's notes)."""
    if not supported(conn) or _stored(conn) != before or before.split("|", 1)[0] != _layout():
        return False
    return _log_part(fingerprint(conn, without_import=import_id)) == _log_part(before)


def _log_part(fp: str) -> list[str]:
    """The importer's log in a fingerprint (fields after layout, count, first and last call; none
    while there is no log: an empty one)."""
    return fp.split("|")[4:] or ["0", "None"]


def current(conn: sa.Connection) -> bool:
    """Whether the rollups exist and were built from the calls as they are now."""
    return current_fingerprint(conn) is not None


def current_fingerprint(conn: sa.Connection) -> str | None:
    """The calls' fingerprint when the rollups were built from the calls as they are now, else ``None``
    (computed once: :func:`core.rollup.build.fingerprint_before_import` keeps it)."""
    if _disabled or not supported(conn):
        return None

    def judged() -> str | None:
        stored = _stored(conn)
        if stored is None:
            return None
        now = fingerprint(conn)
        # An importer's log without a call-writing import ("0|None") is the same as no log at all:
        # rollups built before the log existed stay current when an import that wrote no call creates it.
        same = now.split("|")[:4] == stored.split("|")[:4] and _log_part(now) == _log_part(stored)
        return stored if same else None

    # Once per computation that reuses its reads (core.infra.db.reads_reused): one judgement for all.
    return db.reused(conn, "rollup.current_fingerprint", judged)


def daily_bases(rules: Rules) -> frozenset[str]:
    """The bases the daily cube answers under ``rules`` (:func:`core.semantic.bases.cube_answers`)."""
    return frozenset(n for n in bases.BASES if bases.cube_answers(n, rules, daily=True))


def windows_cover(rules: Rules) -> bool:
    """Whether :data:`callee_windows` holds every call that can breach a cap or be a re-call under
    ``rules``: a call over a cap of at least one call has another call within 24 h, and a re-call
    look-back of at most :data:`MAX_RECALL_HOURS` is within the stored ones."""
    return min(rules.caps_per_24h, rules.caps_per_5min) >= 1 and 0 <= rules.recall_hours <= MAX_RECALL_HOURS


def monthly_answers(start: date, end: date, dims: Iterable[str], names: Iterable[str], rules: Rules) -> bool:
    """Whether :data:`calls_monthly` answers ``names`` by ``dims`` over ``[start, end]``: the period is
    whole calendar months (any number, across years), the dimensions are among
    :data:`MONTHLY_DIMS` and every base is one the hourly cube answers (no province or caller number
    to narrow on: :func:`core.semantic.bases.cube_answers` with ``daily=False``)."""
    n = periods.whole_months(start, end)
    return (
        n is not None
        and n >= 1
        and set(dims) <= MONTHLY_DIMS
        and all(bases.cube_answers(b, rules, daily=False) for b in names)
    )


def calls_cube(
    start: date,
    end: date,
    dims: Iterable[str],
    names: Iterable[str],
    rules: Rules,
    *,
    agentless: bool = False,
) -> sa.Table:
    """The smallest call cube that answers ``names`` by ``dims`` over ``[start, end]`` (the caller
    checked that one does): the monthly one (:func:`monthly_answers`), else the daily one summed over
    agents when the caller reads no agent (``agentless``: no agent column in its query, no site or
    team filter) and the dimensions are among :data:`LITE_DIMS`, else the daily one when it has every
    dimension, else the hourly one."""
    dims = set(dims)
    if monthly_answers(start, end, dims, names, rules):
        return calls_monthly
    if agentless and dims <= LITE_DIMS:
        return calls_daily_lite
    return calls_daily if dims <= DIMS else calls_hourly


def month_bits(first: int, last: int) -> int:
    """The mask of months ``first..last`` in :data:`customer_months`' ``rmask``/``emask`` (bit m−1 for month m)."""
    return sum(1 << (m - 1) for m in range(first, last + 1))


def year_pieces(start: date, end: date) -> list[tuple[int, int, int]] | None:
    """``[(year, first month, last month), …]``, one per calendar year, when ``[start, end]`` is whole
    months (across years or not); else ``None``."""
    if periods.whole_months(start, end) is None:
        return None
    return [
        (y, start.month if y == start.year else 1, end.month if y == end.year else 12)
        for y in range(start.year, end.year + 1)
    ]


def select_customers_across_years(pieces: Sequence[tuple[int, int, int]], dialect: str) -> sa.Select[Any]:
    """Reached and effectively reached customers of whole months across several years, read from
    :data:`customer_months`: a customer counts once however many of the years reached it (the spans'
    counts cannot be added across years), effectively when any of them reached it effectively."""
    t = customer_months.c
    reached = [
        sa.and_(t.year == y, sql.bit_and(dialect, t.rmask, month_bits(f, la)) != 0) for y, f, la in pieces
    ]
    effective = [
        sa.and_(t.year == y, sql.bit_and(dialect, t.emask, month_bits(f, la)) != 0) for y, f, la in pieces
    ]
    per_customer = (
        sa.select(t.callee_id, sa.func.max(sa.case((sa.or_(*effective), 1), else_=0)).label("eff"))
        .where(sa.or_(*reached))
        .group_by(t.callee_id)
        .subquery("pc")
    )
    return sa.select(
        sa.func.count().label("reached"),
        sa.func.coalesce(sa.func.sum(per_customer.c.eff), 0).label("effective"),
    )


def select_customer_spans(year: int, first: int, last: int, by_month: bool) -> sa.Select[Any]:
    """The stored distinct customers of months ``first..last`` of ``year`` (:data:`customer_spans`):
    the span's row, or with ``by_month`` one row per month (its one-month span), in month order."""
    t = customer_spans.c
    cols = (t.first_month.label("month"), t.reached, t.effective)
    if by_month:
        where = [t.first_month == t.last_month, t.first_month >= first, t.first_month <= last]
    else:
        where = [t.first_month == first, t.last_month == last]
    return sa.select(*cols).where(t.year == year, *where).order_by(t.first_month)


def select_customers(
    year: int, first: int, last: int, by_month: bool, dialect: str = "duckdb"
) -> sa.Select[Any]:
    """Reached and effectively reached customers of months ``first..last`` of ``year``: one row in
    total, or one column pair per month (``reached_MM``, ``effective_MM``) when ``by_month``
    (``dialect``: the engine's, for its bitwise AND), read from :data:`customer_months`. The pages
    read :data:`customer_spans` (:func:`select_customer_spans`) instead; this is the definition its
    rows are checked against (``tests/core/test_rollup.py``)."""
    t = customer_months.c
    months = range(first, last + 1)
    if by_month:
        cols = []
        for m in months:
            cols.append(sa.func.sum(t[f"r{m:02d}"]).label(f"reached_{m:02d}"))
            cols.append(sa.func.sum(t[f"e{m:02d}"]).label(f"effective_{m:02d}"))
        return sa.select(*cols).where(t.year == year)
    bits = month_bits(first, last)
    any_r = sql.bit_and(dialect, t.rmask, bits) != 0
    any_e = sql.bit_and(dialect, t.emask, bits) != 0
    return sa.select(
        sa.func.sum(sa.case((any_r, 1), else_=0)).label("reached_customers"),
        sa.func.sum(sa.case((any_e, 1), else_=0)).label("effective_customers"),
    ).where(t.year == year)


def quality_conditions(dialect: str, k: Any) -> dict[str, Any]:
    """Per call (``k``: the calls' columns), the condition of each count of :data:`QUALITY_COUNTS`: the
    one definition the checks on the calls (:mod:`core.reporting.quality`) and :data:`quality_daily`
    share. ``missing_callee_province_out`` is the outbound part of ``missing_callee_province``."""
    no_province = k.callee_province.is_(None)
    return {
        "talk_longer_than_call": sa.and_(
            k.ended_at.is_not(None),
            k.talk_seconds > sql.seconds_between(dialect, k.started_at, k.ended_at) + 1,
        ),
        "times_out_of_order": sa.or_(
            sa.and_(k.ended_at.is_not(None), k.ended_at < k.started_at),
            sa.and_(k.answered_at.is_not(None), k.answered_at < k.started_at),
            k.talk_seconds < 0,
            k.ring_seconds < 0,
            k.wrap_seconds < 0,
        ),
        "answered_without_answer_time": sa.and_(k.disposition == "answered", k.answered_at.is_(None)),
        "missing_callee_province": no_province,
        "missing_callee_province_out": sa.and_(no_province, k.direction == "out"),
    }


def select_quality_counts(t0: datetime, t1: datetime) -> sa.Select[Any]:
    """The counts of :data:`QUALITY_COUNTS` over the calls started in ``[t0, t1)`` (whole days), from
    :data:`quality_daily`: one row, 0 where no call fails."""
    t = quality_daily.c
    return sa.select(*[sa.func.coalesce(sa.func.sum(t[n]), 0).label(n) for n in QUALITY_COUNTS]).where(
        t.started_at >= t0, t.started_at < t1
    )


def select_unrostered_calls(t0: datetime, t1: datetime) -> sa.Select[Any]:
    """Calls started in ``[t0, t1)`` (whole days) by an agent not on the roster (``agents`` as it is
    now), from :data:`quality_daily`: the same condition the check writes on the calls."""
    t = quality_daily.c
    return sa.select(sa.func.coalesce(sa.func.sum(t.calls), 0)).where(
        t.started_at >= t0,
        t.started_at < t1,
        t.agent_id.is_not(None),
        t.agent_id.not_in(sa.select(schema.agents.c.agent_id)),
    )


def select_duplicate_ids(t0: datetime, t1: datetime) -> sa.Select[Any]:
    """The call ids stored more than once among the calls started in ``[t0, t1)``, with their copies
    there (``call_id``, ``copies``), from :data:`call_copies`."""
    t = call_copies.c
    return (
        sa.select(t.call_id, sa.func.count().label("copies"))
        .where(t.started_at >= t0, t.started_at < t1)
        .group_by(t.call_id)
        .having(sa.func.count() > 1)
    )


def select_numbers_used(t0: datetime, t1: datetime, kinds: tuple[str, ...] | None = None) -> sa.Select[Any]:
    """Distinct registered caller numbers (of ``kinds``, when given) with an outbound call started in
    ``[t0, t1)`` (whole months), from :data:`numbers_monthly`: what
    :func:`core.reporting.regulatory.select_numbers_used` counts on the calls."""
    t, n = numbers_monthly.c, schema.numbers
    conds = [t.outbound_calls > 0, t.started_at >= t0, t.started_at < t1, n.c.registered == sa.true()]
    if kinds:
        conds.append(n.c.kind.in_(kinds))
    return (
        sa.select(sa.func.count(sa.distinct(t.caller_number)).label("n"))
        .select_from(numbers_monthly.join(n, n.c.number == t.caller_number))
        .where(*conds)
    )


def select_campaigns_used(t0: datetime, t1: datetime) -> sa.Select[Any]:
    """The campaign ids of the calls started in ``[t0, t1)`` (whole months), from :data:`calls_monthly`
    (a row per month, agent and campaign that had a call)."""
    t = calls_monthly.c
    return sa.select(t.campaign_id).where(t.started_at >= t0, t.started_at < t1).distinct()


def _as_date(value: Any) -> date:
    return value.date() if isinstance(value, datetime) else value
