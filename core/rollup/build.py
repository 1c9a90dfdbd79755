"""Building the rollups of :mod:`core.semantic.rollup`: every table filled from the calls in one transaction,
whole or only for some days.

The tables and the rules for using them are declared in :mod:`core.semantic.rollup` (which the query planner
reads); filling them needs the planner's own query builders (:mod:`core.semantic.cubes`), so the build lives
here, above both: ``core.rollup.build → core.semantic.cubes → core.semantic.rollup``, with no cycle.

A partial refresh (:func:`refresh` with ``days`` or ``since``) leaves every table as a full rebuild would
(``tests/core/test_rollup_incremental.py`` compares them row for row):

* the day and hour cubes hold rows of one day each: the days' rows are deleted and built again from those
  days' calls (the same select builders, over each run of consecutive days);
* the daily cube summed over agents (``calls_daily_lite``): the days' rows deleted and summed again from
  the daily cube's rows of those days (already refreshed);
* the month cube holds rows of one month each: the months the days fall in are deleted and summed again
  from the daily cube's rows of those months (already refreshed), which is what those months' calls give;
* ``customer_months`` rows are per (year, customer): those of the days' years and of every customer with a
  call on the days (and ``customers``: the customers of calls that were replaced, as they were) are
  deleted and built again from all those customers' calls of those years (``since``: the years from
  its own on, whole: calls deleted by hand name no customer);
* ``customer_spans`` rows are per year: those of the years refreshed in ``customer_months`` are deleted
  and computed again from it (``since``: the years from its own on);
* ``callee_windows`` rows are a function of one customer's calls in the week before each (its 24 h
  and 5 min counts, and ``since_abandon`` stored only up to ``MAX_RECALL_HOURS``: see :func:`_keep`):
  the rows of those customers from each run's first day to a week after its last are deleted and built
  again from their calls of that span and the week before it (``since``: every customer's rows from
  that day on);
* ``dnc_daily``: the days, as the cubes, while the DNC list is as it was; else rebuilt whole (the list
  changes apart from the calls);
* ``named_calls``: the days, as the cubes, while the call ids the complaints and QA reviews name are as
  they were; else rebuilt whole (an import of complaints or reviews touches no call day);
* ``quality_daily`` holds rows of one day each, built from the calls as the cubes;
  ``numbers_daily`` rows of one day each, summed from the daily cube (refreshed first);
  ``numbers_monthly`` rows of one month each, the touched months summed again from the daily cube as
  the month cube.
* ``call_copies`` holds every row of a call id stored more than once: the rows of every id with a call
  on the days, or with a stored copy on them, are deleted and built again from all those ids' calls
  (an id's rows depend on its own calls only).

The same on every engine (:data:`INCREMENTAL_DIALECTS`: the test runs on all five). The deletes go
through :func:`core.infra.sql.delete`: ClickHouse refuses a ``DELETE`` without ``WHERE`` and deletes
lightweight (rows masked, parts rewritten later), so there each delete is synchronous and the rows
inserted next are never masked by it. Atomicity is each engine's: one transaction on DuckDB, SQLite,
PostgreSQL and MariaDB (a partial refresh runs no DDL, so MariaDB's implicit commits do not apply);
ClickHouse has none, and a refresh cut short leaves ``rollup_state`` with the fingerprint before the
import, which no longer matches the calls: the rollups are not used, and the next import rebuilds them
whole.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterable
from datetime import date, datetime, timedelta
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from core.infra import db, periods, schema, sql
from core.infra.rules import load_rules
from core.semantic import bases, cubes, rollup, sources
from core.semantic.context import CallFrom

#: The engines whose rollups are refreshed day by day after an import (the others would be rebuilt
#: whole): all five, each proven row for row against a full rebuild by
#: ``tests/core/test_rollup_incremental.py``.
INCREMENTAL_DIALECTS: tuple[str, ...] = ("duckdb", "sqlite", "postgresql", "mysql", "clickhouse")

#: Inclusive runs of consecutive days, ``[(first, last), …]``.
Runs = list[tuple[date, date]]


class ImportDays(Protocol):
    """What :func:`refresh_after_import` reads of an import's report
    (:class:`core.ingest.pipeline.ImportReport`)."""

    import_id: str
    inserted: int
    merged: int
    dnc_added: int
    call_days: set[date]
    replaced_customers: set[str]


def refresh(
    target: Engine | str | None,
    days: Iterable[date] | None = None,
    *,
    since: date | None = None,
    customers: Collection[str] = (),
    expect: tuple[str, str] | None = None,
    new_ids_only: bool = False,
) -> float | None:
    """Rebuild the rollups from the calls in one transaction; the seconds it took, or ``None`` when the
    database has no calls table yet. On every engine (MariaDB commits at each CREATE TABLE and
    ClickHouse has no transactions: there the state row, written last, is what makes the new tables
    current, so a reader never uses a half-built rollup).

    ``target`` is an engine or a database URL (``None``: the default database, as ``--db``).
    ``days`` (or every day from ``since`` on): recompute only what those days' calls feed (see the module's
    notes), the calls of ``customers`` too; the caller vouches that no other call changed since the
    rollups were built. That is checked when it can be: with ``expect`` (the calls' fingerprint when
    the rollups were current, and the id of the import since: :func:`refresh_after_import`), by
    :func:`core.semantic.rollup.current_but_for`; and always, that the rollups exist in this layout.
    When a check fails, everything is rebuilt.

    ``new_ids_only``: the calls of the days changed only by calls added under ids not stored before
    (an import that merged nothing: the importer skips a call whose id is stored), so no call id got
    a copy and none moved: :data:`core.semantic.rollup.call_copies` stands as it is (finding the
    copies of the days' ids reads the id of every call, 0.6 s on a 19 M-call year on DuckDB).
    """
    engine = target if isinstance(target, Engine) else db.make_engine(db.resolve_url(target))
    if not rollup.supported(engine):
        return None
    t = time.perf_counter()
    with engine.begin() as conn:
        if not sa.inspect(conn).has_table(schema.calls.name):
            return None
        partial = (
            db.dialect_of(engine) in INCREMENTAL_DIALECTS
            and (days is not None or since is not None)
            and (rollup.current_but_for(conn, *expect) if expect is not None else rollup.built(conn))
        )
        if partial:
            _refresh_days(
                conn, engine, _runs(conn, days, since), customers, since=since, copies=not new_ids_only
            )
        else:
            _rebuild(conn, engine)
        now = datetime.now()
        states = {
            "calls": rollup.fingerprint(conn),
            "dnc": rollup.dnc_fingerprint(conn),
            "named": rollup.named_fingerprint(conn),
        }
        conn.execute(sql.delete(db.dialect_of(conn), rollup.state, rollup.state.c.name.in_(list(states))))
        for name, fp in states.items():
            conn.execute(rollup.state.insert().values(name=name, fingerprint=fp, built_at=now))
    return time.perf_counter() - t


def fingerprint_before_import(target: Engine | str | None) -> str | None:
    """The calls' fingerprint when the rollups are current (take it before an import, hand it to
    :func:`refresh_after_import`); ``None`` when they are not, the engine has none, or the database
    cannot be read yet (the import then says why)."""
    try:
        engine = target if isinstance(target, Engine) else db.make_engine(db.resolve_url(target))
        if db.dialect_of(engine) not in INCREMENTAL_DIALECTS:
            return None  # rebuilt whole after the import anyway: spare the check (a count off DuckDB)
        with engine.connect() as conn:
            return rollup.current_fingerprint(conn)
    except (sa.exc.SQLAlchemyError, db.DatabaseError, OSError):
        return None


def refresh_after_import(target: Engine | str | None, report: ImportDays, before: str | None) -> float | None:
    """Bring the rollups up to date after an import: only the days it touched when they were current
    before it (``before``, from :func:`fingerprint_before_import`) and no other import came between;
    else a full rebuild. Nothing when the import wrote nothing."""
    if not (report.inserted or report.merged or report.dnc_added):
        return None
    if before is None:
        return refresh(target)
    return refresh(
        target,
        report.call_days,
        customers=report.replaced_customers,
        expect=(before, report.import_id),
        new_ids_only=not report.merged,
    )


def _runs(conn: sa.Connection, days: Iterable[date] | None, since: date | None) -> Runs:
    """``days`` as runs of consecutive days; ``since``: one run from it to the last day of the calls
    or of the rollups (rows of calls deleted since go too)."""
    if since is None:
        runs: Runs = []
        for d in sorted(set(days or ())):
            if runs and (d - runs[-1][1]).days == 1:
                runs[-1] = (runs[-1][0], d)
            else:
                runs.append((d, d))
        return runs
    ends = [
        conn.execute(sa.select(sa.func.max(table.c.started_at))).scalar()
        for table in (schema.calls, rollup.calls_daily)
    ]
    last = max((rollup._as_date(e) for e in ends if e is not None), default=since)
    return [(since, max(since, last))]


def _rebuild(conn: sa.Connection, engine: Engine) -> None:
    """Every table dropped, created and filled from all the calls."""
    lo, hi = conn.execute(
        sa.select(sa.func.min(schema.calls.c.started_at), sa.func.max(schema.calls.c.started_at))
    ).one()
    rollup.drop_tables(conn)
    rollup.create_tables(conn)
    if lo is None:
        return
    ctx = cubes.make_ctx(engine, rollup._as_date(lo), rollup._as_date(hi), cubes.Filters(), load_rules())
    for cube in (rollup.calls_daily, rollup.calls_hourly, rollup.dnc_daily):
        _fill_cube(conn, cube, ctx)
    _fill(conn, rollup.calls_daily_lite, _select_lite(ctx))
    _fill(conn, rollup.calls_monthly, _select_monthly(ctx))
    _fill(conn, rollup.numbers_monthly, _select_numbers_monthly(ctx))
    _fill(conn, rollup.numbers_daily, _select_numbers_daily(ctx))
    _fill(conn, rollup.callee_windows, _keep(_select_windows(ctx)))
    _fill(conn, rollup.customer_months, _select_customer_months(ctx.dialect))
    _fill_customer_spans(conn)
    _fill(conn, rollup.named_calls, _select_named())
    _fill(conn, rollup.quality_daily, _select_quality(ctx))
    _fill(conn, rollup.call_copies, _select_call_copies())


def _refresh_days(
    conn: sa.Connection,
    engine: Engine,
    runs: Runs,
    customers: Collection[str],
    *,
    since: date | None = None,
    copies: bool = True,
) -> None:
    """The rows that the calls of ``runs`` (and of ``customers``) feed, deleted and built again
    (``copies``: the call copies too; see :func:`refresh`'s ``new_ids_only``).

    ``since`` (calls of those days may have been deleted by anyone, with no list of their customers):
    the windows of every customer with a stored window from that day on too (a deleted call that
    changed a window was in it, or was before a later call that is), and ``customer_months`` of that
    day's year and after whole."""
    rules = load_rules()
    dialect = db.dialect_of(conn)
    k = schema.calls.c
    dnc_as_was = rollup.dnc_current(conn)
    named_as_was = rollup.named_current(conn)
    cube_list = [rollup.calls_daily, rollup.calls_hourly] + ([rollup.dnc_daily] if dnc_as_was else [])
    for first, last in runs:
        ctx = cubes.make_ctx(engine, first, last, cubes.Filters(), rules)
        for cube in cube_list:
            conn.execute(
                sql.delete(ctx.dialect, cube, cube.c.started_at >= ctx.t0, cube.c.started_at < ctx.t1)
            )
            _fill_cube(conn, cube, ctx)
        lite = rollup.calls_daily_lite
        conn.execute(sql.delete(ctx.dialect, lite, lite.c.started_at >= ctx.t0, lite.c.started_at < ctx.t1))
        _fill(conn, lite, _select_lite(ctx))
        if named_as_was:
            n = rollup.named_calls
            conn.execute(sql.delete(ctx.dialect, n, n.c.started_at >= ctx.t0, n.c.started_at < ctx.t1))
            _fill(conn, n, _select_named(k.started_at >= ctx.t0, k.started_at < ctx.t1))
        q = rollup.quality_daily
        conn.execute(sql.delete(ctx.dialect, q, q.c.started_at >= ctx.t0, q.c.started_at < ctx.t1))
        _fill(conn, q, _select_quality(ctx))
        nd = rollup.numbers_daily  # from the daily cube's rows of the days, refreshed above
        conn.execute(sql.delete(ctx.dialect, nd, nd.c.started_at >= ctx.t0, nd.c.started_at < ctx.t1))
        _fill(conn, nd, _select_numbers_daily(ctx))
    if not named_as_was:  # rebuilt whole: which calls the changed complaints or reviews name is not known
        conn.execute(sql.delete(dialect, rollup.named_calls))
        _fill(conn, rollup.named_calls, _select_named())
    if copies:
        _refresh_call_copies(conn, runs)
    for first, last in _month_runs(runs):  # the monthly cube: the touched months, from the daily one
        ctx = cubes.make_ctx(engine, first, last, cubes.Filters(), rules)
        m = rollup.calls_monthly
        conn.execute(sql.delete(ctx.dialect, m, m.c.started_at >= ctx.t0, m.c.started_at < ctx.t1))
        _fill(conn, m, _select_monthly(ctx))
        nm = rollup.numbers_monthly
        conn.execute(sql.delete(ctx.dialect, nm, nm.c.started_at >= ctx.t0, nm.c.started_at < ctx.t1))
        _fill(conn, nm, _select_numbers_monthly(ctx))
    if not dnc_as_was:  # rebuilt whole: which days a changed list moves is not known
        conn.execute(sql.delete(dialect, rollup.dnc_daily))
        lo, hi = conn.execute(sa.select(sa.func.min(k.started_at), sa.func.max(k.started_at))).one()
        if lo is not None:
            ctx = cubes.make_ctx(engine, rollup._as_date(lo), rollup._as_date(hi), cubes.Filters(), rules)
            _fill_cube(conn, rollup.dnc_daily, ctx)
    if not runs and not customers:
        return
    # The customers with a call on the days (any call: a superset of those whose rows can change).
    on_days = sa.or_(
        sa.false(),
        *[
            sa.and_(k.started_at >= t0, k.started_at < t1)
            for t0, t1 in (cubes.period_bounds(f, la) for f, la in runs)
        ],
    )
    called: Any = sa.select(k.callee_id).where(on_days, k.callee_id.is_not(None)).distinct()
    listed = sorted(customers)

    def of_customers(col: Any) -> Any:
        return sa.or_(col.in_(called), col.in_(listed)) if listed else col.in_(called)

    ctx = cubes.make_ctx(engine, date.today(), date.today(), cubes.Filters(), rules)  # period unused
    w = rollup.callee_windows
    if since is not None:
        # Calls of those days may have been deleted by anyone, naming no customer: every row from
        # that day on, of every customer.
        t_since = cubes.period_bounds(since, since)[0]
        conn.execute(sql.delete(dialect, w, w.c.started_at >= t_since))
        windows = sources.windowed_calls(ctx, [k.started_at >= t_since - WINDOW_REACH], None, since=True)
        _fill(conn, w, _keep(windows, windows.c.started_at >= t_since))
    else:
        for s0, s1 in _window_spans(runs):
            conn.execute(
                sql.delete(dialect, w, of_customers(w.c.callee_id), w.c.started_at >= s0, w.c.started_at < s1)
            )
            scope = [of_customers(k.callee_id), k.started_at >= s0 - WINDOW_REACH, k.started_at < s1]
            windows = sources.windowed_calls(ctx, scope, None, since=True)
            _fill(conn, w, _keep(windows, windows.c.started_at >= s0))

    years = sorted({y for first, last in runs for y in range(first.year, last.year + 1)})
    if not years:  # replaced calls' customers only (no day touched): cannot happen from an import
        return
    m = rollup.customer_months
    in_years = sa.or_(
        *[sa.and_(k.started_at >= datetime(y, 1, 1), k.started_at < datetime(y + 1, 1, 1)) for y in years]
    )
    if since is not None:
        conn.execute(sql.delete(dialect, m, m.c.year >= since.year))
        _fill(conn, m, _select_customer_months(ctx.dialect, k.started_at >= datetime(since.year, 1, 1)))
        _fill_customer_spans(conn, lambda y: y >= since.year)
        return
    conn.execute(sql.delete(dialect, m, m.c.year.in_(years), of_customers(m.c.callee_id)))
    _fill(conn, m, _select_customer_months(ctx.dialect, in_years, of_customers(k.callee_id)))
    _fill_customer_spans(conn, lambda y: y.in_(years))


def _fill(conn: sa.Connection, table: sa.Table, query: Any) -> None:
    conn.execute(table.insert().from_select([c.name for c in table.columns], query))


def _fill_cube(conn: sa.Connection, cube: sa.Table, ctx: Any) -> None:
    """Insert the cube's rows of the calls of ``ctx``'s period."""
    dims = rollup.CUBE_DIMS[cube.name]
    if cube is rollup.dnc_daily:
        counts: tuple[str, ...] = ("dnc_calls",)
        q = sources.select_dnc(ctx, dims, counts).subquery("q")
    else:
        counts = (
            (*rollup.CUBE_COUNTS, *rollup.HOUR_COUNTS) if cube is rollup.calls_daily else rollup.CUBE_COUNTS
        )
        q = sources.select_calls(ctx, dims, counts).subquery("q")
    filled = sa.select(
        sql.to_stored_time(ctx.dialect, q.c[f"d_{dims[0]}"]),
        *[q.c[f"d_{d}"] for d in dims[1:]],
        *[sa.func.coalesce(q.c[b], 0) for b in counts],
    )
    _fill(conn, cube, filled)


def _select_named(*where: Any) -> sa.Select[Any]:
    """The rows of :data:`core.semantic.rollup.named_calls`: the calls complaints or QA reviews name
    (``where``: of those calls only)."""
    k = schema.calls.c
    cols = [k[c.name] for c in rollup.named_calls.columns]
    return sa.select(*cols).where(k.call_id.in_(rollup.named_ids()), *where)


def _month_runs(runs: Runs) -> Runs:
    """The whole calendar months the days of ``runs`` fall in, as runs (first day, last day),
    overlapping or adjacent months merged."""
    out: Runs = []
    for first, last in sorted(runs):
        m0 = first.replace(day=1)
        m1 = periods.month_end(last)
        if out and m0 <= out[-1][1] + timedelta(days=1):
            out[-1] = (out[-1][0], max(out[-1][1], m1))
        else:
            out.append((m0, m1))
    return out


def _select_lite(ctx: Any) -> sa.Select[Any]:
    """The rows of :data:`core.semantic.rollup.calls_daily_lite` of ``ctx``'s period: the daily cube's
    rows (already current for those days) summed over agents (every count is a sum)."""
    r = rollup.calls_daily.c
    keys = (r.started_at, r.campaign_id, r.caller_number, r.callee_province)
    counts = (*rollup.CUBE_COUNTS, *rollup.HOUR_COUNTS)
    return (
        sa.select(*keys, *[sa.func.sum(r[b]).label(b) for b in counts])
        .where(r.started_at >= ctx.t0, r.started_at < ctx.t1)
        .group_by(*keys)
    )


def _select_monthly(ctx: Any) -> sa.Select[Any]:
    """The monthly cube's rows of ``ctx``'s period (whole months): the daily cube's rows of those
    months summed by month, agent and campaign (every count is a sum of the days', so this is what
    the calls of those months give, from a table a fraction of their size)."""
    r = rollup.calls_daily
    f = CallFrom(r, ctx)
    month = f.dim("month_start")
    keys = (month, r.c.agent_id, r.c.campaign_id)
    q = (
        sa.select(*keys, *[sa.func.sum(r.c[b]).label(b) for b in rollup.CUBE_COUNTS])
        .where(r.c.started_at >= ctx.t0, r.c.started_at < ctx.t1)
        .group_by(*keys)
        .subquery("q")
    )
    return sa.select(
        sql.to_stored_time(ctx.dialect, q.c.d_month_start),
        q.c.agent_id,
        q.c.campaign_id,
        *[sa.func.coalesce(q.c[b], 0) for b in rollup.CUBE_COUNTS],
    )


def _select_numbers_monthly(ctx: Any) -> sa.Select[Any]:
    """:data:`core.semantic.rollup.numbers_monthly`' rows of ``ctx``'s period (whole months): the daily
    cube's outbound calls of those months summed by month and caller number (rows without an
    outbound call left out)."""
    r = rollup.calls_daily
    month = CallFrom(r, ctx).dim("month_start")
    q = (
        sa.select(month, r.c.caller_number, sa.func.sum(r.c.outbound_calls).label("outbound_calls"))
        .where(r.c.started_at >= ctx.t0, r.c.started_at < ctx.t1)
        .group_by(month, r.c.caller_number)
        .subquery("q")
    )
    return sa.select(
        sql.to_stored_time(ctx.dialect, q.c.d_month_start), q.c.caller_number, q.c.outbound_calls
    ).where(q.c.outbound_calls > 0)


def _select_numbers_daily(ctx: Any) -> sa.Select[Any]:
    """:data:`core.semantic.rollup.numbers_daily`' rows of ``ctx``'s period: the daily cube's outbound
    calls summed by day, caller number and callee province (rows without an outbound call left out:
    they add nothing to an outbound count)."""
    r = rollup.calls_daily
    keys = (r.c.started_at, r.c.caller_number, r.c.callee_province)
    total = sa.func.sum(r.c.outbound_calls)
    return (
        sa.select(*keys, total)
        .where(r.c.started_at >= ctx.t0, r.c.started_at < ctx.t1)
        .group_by(*keys)
        .having(total > 0)
    )


#: Every span of months of a year, ``(first, last)`` with 1 ≤ first ≤ last ≤ 12: 78 of them.
SPANS: tuple[tuple[int, int], ...] = tuple((f, la) for f in rollup.MONTHS for la in rollup.MONTHS if f <= la)


def _fill_customer_spans(conn: sa.Connection, of_years: Callable[[Any], Any] | None = None) -> None:
    """:data:`core.semantic.rollup.customer_spans` of the years ``of_years`` keeps (a condition on a
    year column; ``None``: every year), deleted and computed again from ``customer_months`` (already
    current for those years).

    The customer rows are first counted per (year, month mask) in the database (at most 4,096
    masks a year: 12 bits), then each span's customers are the counts of the masks with a bit in
    the span, summed here in exact integers: what :func:`core.semantic.rollup.select_customers`
    gives for that span (``tests/core/test_rollup.py`` compares them)."""
    t = rollup.customer_spans
    m = rollup.customer_months.c
    conn.execute(sql.delete(db.dialect_of(conn), t, *([] if of_years is None else [of_years(t.c.year)])))
    years_where = [] if of_years is None else [of_years(m.year)]
    counts: dict[int, dict[str, dict[int, int]]] = {}
    for flag, mask in (("reached", m.rmask), ("effective", m.emask)):
        q = sa.select(m.year, mask, sa.func.count()).where(*years_where).group_by(m.year, mask)
        for year, bits, n in conn.execute(q):
            per = counts.setdefault(int(year), {"reached": {}, "effective": {}})[flag]
            per[int(bits)] = per.get(int(bits), 0) + int(n)
    rows = []
    for year in sorted(counts):
        for first, last in SPANS:
            span = rollup.month_bits(first, last)
            sums = {
                flag: sum(n for bits, n in counts[year][flag].items() if bits & span)
                for flag in ("reached", "effective")
            }
            rows.append({"year": year, "first_month": first, "last_month": last, **sums})
    if rows:
        conn.execute(t.insert(), rows)


#: How far back a stored window row looks (its 24 h and 5 min counts, and ``since_abandon``, which
#: is stored only up to :data:`core.semantic.rollup.MAX_RECALL_HOURS`): the row of a call depends on
#: the customer's calls in the span this long before it, and on no other call.
WINDOW_REACH = timedelta(hours=max(24, rollup.MAX_RECALL_HOURS))


def _window_spans(runs: Runs) -> list[tuple[datetime, datetime]]:
    """The periods whose stored windows the calls of ``runs`` can change: each run's days and
    :data:`WINDOW_REACH` after them, overlapping spans merged (sorted, disjoint)."""
    spans: list[tuple[datetime, datetime]] = []
    for t0, t1 in sorted(cubes.period_bounds(f, la) for f, la in runs):
        if spans and t0 <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(spans[-1][1], t1 + WINDOW_REACH))
        else:
            spans.append((t0, t1 + WINDOW_REACH))
    return spans


def _keep(windows: Any, *where: Any) -> sa.Select[Any]:
    """The windowed calls :data:`core.semantic.rollup.callee_windows` stores: those that can breach a
    cap or be a re-call under any rules it answers, with ``since_abandon`` only up to
    :data:`core.semantic.rollup.MAX_RECALL_HOURS` (no rules it answers look further back: null
    beyond, so a row is a function of the customer's calls in the :data:`WINDOW_REACH` before it and
    a refresh of some days recomputes only the spans :func:`_window_spans` names)."""
    cap = rollup.MAX_RECALL_HOURS * 3600
    since = windows.c.since_abandon
    columns = [
        sa.case((since <= cap, since), else_=None).label(c.name)
        if c.name == "since_abandon"
        else windows.c[c.name]
        for c in rollup.callee_windows.columns
    ]
    return sa.select(*columns).where(sa.or_(windows.c.n24 >= 2, since <= cap), *where)


def _select_windows(ctx: Any) -> Any:
    """Every outbound call of the customers who have two calls within 24 h or a call within
    :data:`rollup.MAX_RECALL_HOURS` after an abandoned one, with its window counts
    (:func:`core.semantic.sources.windowed_calls`, rule-free form).

    Those customers are found first with one sort of all outbound calls by a 64-bit hash of the
    customer (cheaper to sort than the 64-character id): a hash shared by two customers can only
    add customers, whose exact windows are then computed on their own ids. So the rows :func:`_keep`
    stores are a function of each customer's own calls: a partial refresh recomputes whole customers
    without this step and stores the same rows.
    """
    k = schema.calls.c
    ep = sql.epoch(ctx.dialect, k.started_at)
    h = sql.hash64(ctx.dialect, k.callee_id)
    per_call = (
        sa.select(h.label("h"), ep.label("ep"), (k.disposition == "abandoned").label("ab"))
        .where(k.direction == "out", k.callee_id.is_not(None))
        .subquery("p")
    )
    p = per_call.c
    gap = p.ep - sa.func.lag(p.ep).over(partition_by=p.h, order_by=p.ep)
    last_ab = sa.func.max(sa.case((p.ab, p.ep), else_=None)).over(
        partition_by=p.h, order_by=p.ep, range_=(None, -1)
    )
    marked = sa.select(p.h, gap.label("gap"), (p.ep - last_ab).label("since")).subquery("g")
    close = (
        sa.select(marked.c.h)
        .where(sa.or_(marked.c.gap < 24 * 3600, marked.c.since <= rollup.MAX_RECALL_HOURS * 3600))
        .distinct()
    )
    return sources.windowed_calls(ctx, [h.in_(close)], None, since=True)


def _select_quality(ctx: Any) -> sa.Select[Any]:
    """:data:`core.semantic.rollup.quality_daily`'s rows of the calls of ``ctx``'s period: by day and
    agent, the calls and those meeting each of :func:`core.semantic.rollup.quality_conditions`."""
    k = schema.calls
    day = CallFrom(k, ctx).dim("day")
    conds = rollup.quality_conditions(ctx.dialect, k.c)
    q = (
        sa.select(
            day,
            k.c.agent_id,
            sa.func.count().label("calls"),
            *[sql.count_if(conds[n]).label(n) for n in rollup.QUALITY_COUNTS],
        )
        .where(k.c.started_at >= ctx.t0, k.c.started_at < ctx.t1)
        .group_by(day, k.c.agent_id)
        .subquery("q")
    )
    return sa.select(
        sql.to_stored_time(ctx.dialect, q.c.d_day),
        q.c.agent_id,
        q.c.calls,
        *[sa.func.coalesce(q.c[n], 0) for n in rollup.QUALITY_COUNTS],
    )


def _select_call_copies(*where: Any) -> sa.Select[Any]:
    """:data:`core.semantic.rollup.call_copies`' rows: every row of a call id stored more than once;
    ``where``: of the call ids it keeps only (a condition on ``call_id``, so every copy of such an
    id is counted and returned, wherever it starts)."""
    k = schema.calls.c
    repeated = sa.select(k.call_id).where(*where).group_by(k.call_id).having(sa.func.count() > 1)
    return sa.select(k.call_id, k.started_at).where(k.call_id.in_(repeated))


def _refresh_call_copies(conn: sa.Connection, runs: Runs) -> None:
    """:data:`core.semantic.rollup.call_copies` after the calls of ``runs`` changed: every row of the
    call ids with a call on those days now, or with a stored copy on them (a copy deleted or moved
    since), deleted and built again from all those ids' calls. The calls of other ids are as they
    were (the caller's word), so their rows stand."""
    if not runs:
        return
    k, c = schema.calls.c, rollup.call_copies
    spans = [cubes.period_bounds(f, la) for f, la in runs]
    on_days = sa.or_(*[sa.and_(k.started_at >= t0, k.started_at < t1) for t0, t1 in spans])
    stored_on_days = sa.or_(*[sa.and_(c.c.started_at >= t0, c.c.started_at < t1) for t0, t1 in spans])
    stored = sorted({r[0] for r in conn.execute(sa.select(c.c.call_id).where(stored_on_days))})
    called = sa.select(k.call_id).where(on_days)

    def of_ids(col: Any) -> Any:
        return sa.or_(col.in_(called), col.in_(stored)) if stored else col.in_(called)

    conn.execute(sql.delete(db.dialect_of(conn), c, of_ids(c.c.call_id)))
    _fill(conn, c, _select_call_copies(of_ids(k.call_id)))


def _select_customer_months(dialect: str, *where: Any) -> sa.Select[Any]:
    """One row per (year, customer) with a connected outbound call; ``where``: of those calls only."""
    k = schema.calls.c
    month = sa.extract("month", k.started_at)
    effective = bases.effective_voice(k)
    bit = sql.bit(dialect, sa.cast(month, sa.Integer) - 1)

    def flag(m: int, cond: Any = None) -> Any:
        hit = month == m if cond is None else sa.and_(month == m, cond)
        return sa.func.max(sa.case((hit, 1), else_=0))

    return (
        sa.select(
            sa.cast(sa.extract("year", k.started_at), sa.Integer).label("year"),
            k.callee_id,
            *[flag(m).label(f"r{m:02d}") for m in rollup.MONTHS],
            *[flag(m, effective).label(f"e{m:02d}") for m in rollup.MONTHS],
            sql.bit_or(dialect, bit).label("rmask"),
            sql.bit_or(dialect, sa.case((effective, bit), else_=0)).label("emask"),
        )
        .where(k.direction == "out", k.disposition == "answered", k.callee_id.is_not(None), *where)
        .group_by(sa.extract("year", k.started_at), k.callee_id)
    )
