"""SQL snapshots: the text of the main query builders on each of the five dialects, so that any change
of generated SQL shows in review.

Each case builds one query (``core.semantic.cubes.select_*``, ``core.compliance.risk.select_rule_calls``, the rollup
paths, and every computed report field's SQL through ``core.reporting.regulatory.field_sql``), compiles it for a
dialect with its parameters inlined (``literal_binds``; a query whose literals a dialect cannot render
would be kept with placeholders and a sorted parameter list), lays it out one clause and one select
item per line (:func:`layout`, whitespace only) and compares it with
``__snapshots__/test_sql_snapshots/test_sql[<case>-<dialect>].sql``. After a deliberate change of
generated SQL, regenerate them and review the diff::

    python -m pytest -q -p no:cacheprovider tests/engines/test_sql_snapshots.py --snapshot-update

No server is needed. The builders read two small reference tables (campaigns: the calling windows;
licences: the coverage), so each case runs on a DuckDB file holding a few reference rows
(:data:`DATASETS`), with ``core.semantic.cubes.make_ctx`` naming the target dialect: the builders branch on
``ctx.dialect`` (through :mod:`core.infra.sql`), exactly as when ``make_ctx`` reads it from an engine of
that kind. The queries are compiled with the dialect of an engine made by ``core.infra.db.make_engine`` for
that kind (never connected; its paramstyle and quoting are those of the driver).
:func:`test_offline_sql_is_what_the_engine_builds` checks that shortcut: on a real database of each
kind holding the same rows it builds every case the way the app does (no stand-in) and gets the
same text (DuckDB and SQLite always; PostgreSQL, MariaDB and ClickHouse with the ``engines``
marker).

Reading a snapshot: a case is named ``<builder>.<cut>`` (``.filtered``: a site, a team and two
campaigns at once; ``.nationwide``: the second reference dataset). The text is what the driver is
sent with the parameters filled in, so ``%`` is doubled for the drivers that format with ``%``
(PostgreSQL, MariaDB and ClickHouse). The rules are today's defaults
(``core/infra/rules.toml``): changing a default changes the literals here too.

The module lives with the five-engine tests because it is per dialect; it needs no server itself.
"""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode

from core.compliance import risk
from core.infra import db, schema
from core.infra.rules import load_rules
from core.reporting import regulatory
from core.rollup import build as rollup_build
from core.semantic import cubes, rollup, sources
from core.semantic.cubes import Filters
from tests.fixtures import frame_for

KINDS: tuple[str, ...] = ("duckdb", "sqlite", "postgresql", "mysql", "clickhouse")
#: Engine URLs giving each kind's dialect as the app configures it (db.make_engine); never connected.
OFFLINE_URLS: dict[str, str] = {
    "duckdb": "duckdb:///:memory:",
    "sqlite": "sqlite://",
    "postgresql": "postgresql+psycopg://snapshot@offline.invalid/callcenter",
    "mysql": "mysql+pymysql://snapshot@offline.invalid/callcenter",
    "clickhouse": "clickhousedb://snapshot@offline.invalid/callcenter",
}
RULES = load_rules()
START, END = date(2025, 9, 1), date(2025, 9, 30)
YEAR = 2025
NONE = Filters()
#: Every filter at once: a site, a team (the agents join and the campaign-worked subquery) and campaigns.
ALL = Filters(sites=("S1",), teams=("T1",), campaigns=("C1", "C2"))

#: Reference rows, in primary-key order (the order every engine returns them in). ``ref``: a life
#: insurance campaign with its narrower window (09:00 instead of 08:00) and a B24 licence covering two
#: provinces (a nationwide B25 licence does not count); ``nationwide``: the default window only and a
#: nationwide B24 licence.
DATASETS: dict[str, dict[str, list[dict[str, Any]]]] = {
    "ref": {
        "campaigns": [
            {"campaign_id": "C1", "purpose": "marketing", "client": "寿险甲", "client_industry": "寿险"},
            {"campaign_id": "C2", "purpose": "service", "client": "银行乙", "client_industry": "银行"},
            {"campaign_id": "C3", "purpose": "marketing", "client": "寿险丙", "client_industry": "寿险"},
        ],
        "licences": [
            {"licence_no": "L1", "business_code": "B24", "coverage": "北京,上海"},
            {"licence_no": "L2", "business_code": "B25", "coverage": "全国"},
        ],
    },
    "nationwide": {
        "campaigns": [
            {"campaign_id": "C1", "purpose": "service", "client": "银行乙", "client_industry": "银行"},
        ],
        "licences": [{"licence_no": "L1", "business_code": "B24", "coverage": "全国"}],
    },
}


# --------------------------------------------------------------------------------------------
# Layout
# --------------------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""(?P<ws>\s+)
    |(?P<comment>--[^\n]*)
    |(?P<str>'(?:[^']|'')*')
    |(?P<ident>"(?:[^"]|"")*"|`(?:[^`]|``)*`)
    |(?P<word>[A-Za-z_][A-Za-z0-9_$]*)
    |(?P<other>.)""",
    re.VERBOSE | re.DOTALL,
)
#: Clauses whose items (select items, conditions, keys) go one per line.
_LIST_CLAUSES = {"SELECT", "WHERE", "GROUP BY", "HAVING", "ORDER BY"}
_JOIN_STARTS = {"JOIN", "LEFT", "RIGHT", "INNER", "FULL", "CROSS"}
_JOIN_WORDS = _JOIN_STARTS | {"OUTER"}
#: Words ending a clause's opening (``SELECT DISTINCT``, ``GROUP BY``): its items start on the next line.
_LIST_OPENERS = {("SELECT", "DISTINCT"), ("GROUP", "BY"), ("ORDER", "BY")}
_CLAUSES = {"SELECT", "FROM", "WHERE", "GROUP", "HAVING", "ORDER", "LIMIT", "OFFSET", "UNION"}


@dataclass
class _Frame:
    query: bool  # a (sub)query, not an expression's parentheses
    indent: int
    clause: str = ""


#: Rule-dependent call bases the daily cube answers from its key columns (as before the semantic layer).
DERIVED_BASES = (
    "blocked_region_calls",
    "out_of_coverage_calls",
    "unregistered_number_calls",
    "connected_recorded_purpose",
    "recorded_connected_purpose",
)


def layout(text: str) -> str:
    """SQL laid out for reading: each clause on its own line, one select item, grouping key or
    top-level condition per line, subqueries indented. Only whitespace changes (outside literals
    and quoted names, none).

    >>> print(layout("SELECT a, f(b, c) AS d FROM t JOIN (SELECT x FROM u) AS v ON v.x = t.a WHERE a > 1 AND b = 'p q'"))
    SELECT
        a,
        f(b, c) AS d
    FROM t
        JOIN (
            SELECT
                x
            FROM u
        ) AS v ON v.x = t.a
    WHERE
        a > 1
        AND b = 'p q'
    """
    tokens = [(m.lastgroup or "", m.group()) for m in _TOKEN.finditer(text)]
    words = [(i, v) for i, (kind, v) in enumerate(tokens) if kind != "ws"]
    lines: list[str] = []
    line = ""
    space = False
    stack = [_Frame(query=True, indent=0)]

    def newline(indent: int) -> None:
        nonlocal line, space
        if line.strip():
            lines.append(line.rstrip())
        line, space = " " * indent, False

    def emit(value: str) -> None:
        nonlocal line, space
        line += (" " if space and line.strip() and not line.endswith("(") else "") + value
        space = False

    previous = ""
    for n, (i, value) in enumerate(words):
        kind = tokens[i][0]
        space = i > 0 and tokens[i - 1][0] == "ws"
        nxt = words[n + 1][1] if n + 1 < len(words) else ""
        top = stack[-1]
        if kind == "comment":
            newline(top.indent)
            emit(value)
            newline(top.indent)
        elif value == "(":
            emit(value)
            if nxt == "SELECT":
                stack.append(_Frame(query=True, indent=len(line) - len(line.lstrip()) + 4))
            else:
                stack.append(_Frame(query=False, indent=top.indent))
        elif value == ")":
            frame = stack.pop() if len(stack) > 1 else top
            if frame.query:
                newline(frame.indent - 4)
            emit(value)
        elif value == ";":
            emit(value)
            newline(0)
            lines.append("")
        elif kind == "word" and top.query and value in _CLAUSES and not (value == "ORDER" and nxt != "BY"):
            newline(top.indent)
            emit(value)
            top.clause = f"{value} BY" if value in ("GROUP", "ORDER") else value
            if (value == "SELECT" and nxt != "DISTINCT") or value in ("WHERE", "HAVING"):
                newline(top.indent + 4)
        elif kind == "word" and top.query and (previous, value) in _LIST_OPENERS:
            emit(value)
            newline(top.indent + 4)
        elif kind == "word" and top.query and value in _JOIN_STARTS and previous not in _JOIN_WORDS:
            top.clause = "JOIN"
            newline(top.indent + 4)
            emit(value)
        elif kind == "word" and top.query and value == "AND" and top.clause in ("WHERE", "HAVING"):
            newline(top.indent + 4)
            emit(value)
        elif value == "," and top.query and top.clause in _LIST_CLAUSES:
            emit(value)
            newline(top.indent + 4)
        else:
            emit(value)
        previous = value
    newline(0)
    while lines and not lines[-1]:
        lines.pop()
    out = "\n".join(lines)
    assert re.sub(r"\s", "", out) == re.sub(r"\s", "", text), "layout must change whitespace only"
    return out


Built = sa.Select[Any] | list[sa.Select[Any]] | str


def render(query: Built, dialect: sa.Dialect) -> str:
    """The query (or queries, each ending in ``;``) compiled for ``dialect`` with its parameters
    inlined, laid out; text (already compiled) is only laid out."""
    if isinstance(query, str):
        return layout(query)
    if isinstance(query, list):
        return "\n\n".join(render(q, dialect) + ";" for q in query)
    try:
        text = str(query.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    except (sa.exc.CompileError, NotImplementedError):
        compiled = query.compile(dialect=dialect)
        params = "\n".join(f"-- {k} = {v!r}" for k, v in sorted(compiled.params.items()))
        text = f"{compiled}\n-- parameters:\n{params}"
    return layout(text)


# --------------------------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Env:
    """Where a case builds its query: ``db`` holds the reference rows the builders read, ``engine``
    is of the target kind (what ``core.reporting.regulatory.field_sql`` compiles for). On a real database of
    the kind, both are its engine."""

    db: sa.Engine
    engine: sa.Engine

    def ctx(self, filters: Filters = NONE, *, rolled: bool = False) -> Any:
        ctx = cubes.make_ctx(self.db, START, END, filters, RULES)
        ctx.rollup = rolled
        return ctx

    def part_ctx(self) -> Any:
        """A rolled-up context over part of the month (:data:`START` to the 29th)."""
        ctx = cubes.make_ctx(self.db, START, END.replace(day=29), NONE, RULES)
        ctx.rollup = True
        return ctx


@dataclass(frozen=True)
class Case:
    name: str
    build: Callable[[Env], Built]
    kinds: tuple[str, ...] = KINDS
    dataset: str = "ref"


CORE = [
    "outbound_calls",
    "connected_calls",
    "effective_calls",
    "talk_seconds_connected_out",
    "handle_seconds",
]
RULE_BASES = [
    "outside_hours_calls",
    "blocked_region_calls",
    "out_of_coverage_calls",
    "unregistered_number_calls",
    "connected_recorded_purpose",
    "recorded_connected_purpose",
    "reviewed_connected_all",
]
EVERY_DIM = ["hour", "weekday", "site", "agent", "purpose", "client", "caller_number", "callee_province"]
CUSTOMERS = ["reached_customers", "effective_customers"]
PER_CALLEE = ["over_cap_calls", "recall_after_abandon_72h"]
COMPLAINTS = ["complaints", "regulator_complaints", "complaints_replied"]
QA = ["qa_reviews", "qa_passed"]


def _rule_calls(rule: str, entity: str, value: str | None) -> Callable[[Env], sa.Select[Any]]:
    def build(env: Env) -> sa.Select[Any]:
        return risk.select_rule_calls(
            env.db, rule, entity=entity, value=value, start=START, end=END, rules=RULES, page=1, page_size=50
        )

    return build


def _field_sql(env: Env) -> str:
    """Every computed field of the annual report, as core.reporting.regulatory.field_sql gives it."""
    parts = []
    for field in regulatory.load_fields():
        text = regulatory.field_sql(env.engine, field, YEAR)
        if text is not None:
            parts.append(f"-- {field.id} ({field.source})\n{text}")
    return "\n".join(parts)


def _rollup_build(env: Env) -> list[sa.Select[Any]]:
    """The queries core.rollup.build.refresh fills the rollups from (on every engine)."""
    ctx = env.ctx()
    dims = rollup.CUBE_DIMS
    return [
        sources.select_calls(ctx, dims[rollup.calls_daily.name], (*rollup.CUBE_COUNTS, *rollup.HOUR_COUNTS)),
        sources.select_calls(ctx, dims[rollup.calls_hourly.name], rollup.CUBE_COUNTS),
        sources.select_dnc(ctx, dims[rollup.dnc_daily.name], ("dnc_calls",)),
        rollup_build._select_windows(ctx),
        rollup_build._select_customer_months(ctx.dialect),
    ]


CASES: list[Case] = [
    # core.semantic.sources.select_calls
    Case("select_calls.total", lambda e: sources.select_calls(e.ctx(), [], CORE)),
    Case(
        "select_calls.month_team.filtered",
        lambda e: sources.select_calls(e.ctx(ALL), ["month", "team"], CORE),
    ),
    Case(
        "select_calls.every_dim",
        lambda e: sources.select_calls(e.ctx(), EVERY_DIM, ["outbound_calls", "inbound_calls"]),
    ),
    Case("select_calls.rules", lambda e: sources.select_calls(e.ctx(), ["day", "campaign"], RULE_BASES)),
    Case("select_calls.rules.filtered", lambda e: sources.select_calls(e.ctx(ALL), ["day"], RULE_BASES)),
    Case(
        "select_calls.rules.nationwide",
        lambda e: sources.select_calls(e.ctx(), ["day"], RULE_BASES),
        dataset="nationwide",
    ),
    Case(
        "select_calls.matching_only",
        lambda e: sources.select_calls(
            e.ctx(Filters(sites=("S1", "S2"))),
            ["caller_number", "day"],
            ["outside_hours_calls"],
            matching_only=True,
        ),
    ),
    # core.semantic.cubes: the other sources
    Case("select_customers.month", lambda e: sources.select_customers(e.ctx(), ["month"], CUSTOMERS)),
    Case("select_customers.total.filtered", lambda e: sources.select_customers(e.ctx(ALL), [], CUSTOMERS)),
    Case(
        "select_dnc.day_number",
        lambda e: sources.select_dnc(e.ctx(), ["day", "caller_number"], ["dnc_calls"]),
    ),
    Case("select_dnc.total.filtered", lambda e: sources.select_dnc(e.ctx(ALL), [], ["dnc_calls"])),
    Case(
        "select_per_callee.day_campaign",
        lambda e: sources.select_per_callee(e.ctx(), ["day", "campaign"], PER_CALLEE),
    ),
    Case(
        "select_per_callee.team.breaches_only.filtered",
        lambda e: sources.select_per_callee(e.ctx(ALL), ["team"], PER_CALLEE, breaches_only=True),
    ),
    Case(
        "select_per_callee_cells.team.filtered",
        lambda e: sources.select_per_callee_cells(e.ctx(ALL), ["team"]),
    ),
    Case(
        "select_sessions.month_team_site",
        lambda e: sources.select_sessions(e.ctx(), ["month", "team", "site"], ["logged_in_seconds"]),
    ),
    Case(
        "select_sessions.day.filtered",
        lambda e: sources.select_sessions(e.ctx(ALL), ["day"], ["logged_in_seconds"]),
    ),
    Case("select_active.month_team", lambda e: sources.select_active(e.ctx(), ["month", "team"])),
    Case("select_active.campaign", lambda e: sources.select_active(e.ctx(), ["campaign"])),
    Case("select_active.total.filtered", lambda e: sources.select_active(e.ctx(ALL), [])),
    Case(
        "select_active.day.site_team",
        lambda e: sources.select_active(e.ctx(Filters(sites=("S1",), teams=("T1", "T2"))), ["day"]),
    ),
    Case("select_peak_pieces.total", lambda e: sources.select_peak_pieces(e.ctx(), [])),
    Case(
        "select_peak_pieces.team_site.filtered",
        lambda e: sources.select_peak_pieces(e.ctx(ALL), ["team", "site"]),
    ),
    Case(
        "select_complaints.month_number_campaign",
        lambda e: sources.select_complaints(e.ctx(), ["month", "caller_number", "campaign"], COMPLAINTS),
    ),
    Case("select_complaints.total.filtered", lambda e: sources.select_complaints(e.ctx(ALL), [], COMPLAINTS)),
    Case("select_qa.month_agent", lambda e: sources.select_qa(e.ctx(), ["month", "agent"], QA)),
    Case("select_qa.total.filtered", lambda e: sources.select_qa(e.ctx(ALL), [], QA)),
    # core.compliance.risk.select_rule_calls: the calls behind a risk cell
    Case("select_rule_calls.outside_hours", _rule_calls("outside_hours", "campaign", "C1")),
    Case("select_rule_calls.out_of_coverage", _rule_calls("out_of_coverage", "callee_province", "新疆")),
    Case(
        "select_rule_calls.unregistered_number", _rule_calls("unregistered_number", "caller_number", "95000")
    ),
    Case("select_rule_calls.dnc", _rule_calls("dnc", "team", "T1")),
    Case("select_rule_calls.over_cap", _rule_calls("over_cap", "agent", "A1")),
    Case(
        "select_rule_calls.recall_after_abandon", _rule_calls("recall_after_abandon", "caller_number", None)
    ),
    Case("select_rule_calls.recording", _rule_calls("recording", "team", "T1")),
    Case("select_rule_calls.regulator_complaints", _rule_calls("regulator_complaints", "campaign", "C2")),
    # core.reporting.regulatory: the SQL shown next to each computed field of the annual report
    Case("field_sql", _field_sql),
    # the rollup paths (core/semantic/rollup.py), on every engine
    # no agent, team or site: the daily cube summed over agents; with the agent: the daily cube
    Case(
        "select_calls_rollup.daily_lite",
        lambda e: sources.select_calls_rollup(
            e.ctx(rolled=True),
            ["month", "campaign"],
            [*rollup.CALL_BASES[:4], *DERIVED_BASES, "outside_hours_calls"],
        ),
    ),
    Case(
        "select_calls_rollup.daily",
        lambda e: sources.select_calls_rollup(
            e.ctx(rolled=True),
            ["month", "agent"],
            [*rollup.CALL_BASES[:4], *DERIVED_BASES, "outside_hours_calls"],
        ),
    ),
    Case(
        "select_calls_rollup.daily.nationwide",
        lambda e: sources.select_calls_rollup(
            e.ctx(rolled=True), ["day"], ["outside_hours_calls", "out_of_coverage_calls"]
        ),
        dataset="nationwide",
    ),
    Case(
        "select_calls_rollup.hourly.filtered",
        lambda e: sources.select_calls_rollup(
            e.ctx(ALL, rolled=True), ["hour", "team"], rollup.CALL_BASES[:4]
        ),
    ),
    # whole months by the monthly cube's dimensions, every base one the hourly cube answers: the
    # monthly cube; the same cut over part of the month: the daily one
    Case(
        "select_calls_rollup.monthly.filtered",
        lambda e: sources.select_calls_rollup(
            e.ctx(ALL, rolled=True), ["month", "team"], rollup.CALL_BASES[:4]
        ),
    ),
    Case(
        "select_calls_rollup.daily.part_of_month",
        lambda e: sources.select_calls_rollup(e.part_ctx(), ["month", "team"], rollup.CALL_BASES[:4]),
    ),
    Case(
        "select_dnc.stored",
        lambda e: sources.select_dnc(e.ctx(ALL, rolled=True), ["day"], ["dnc_calls"], stored=True),
    ),
    Case(
        "select_active.from_rollup.month_team",
        lambda e: sources.select_active(e.ctx(rolled=True), ["month", "team"], from_rollup=True),
    ),
    Case(
        "select_active.from_rollup.hour",
        lambda e: sources.select_active(e.ctx(rolled=True), ["hour"], from_rollup=True),
    ),
    Case(
        "select_per_callee.stored",
        lambda e: sources.select_per_callee(e.ctx(rolled=True), ["day", "campaign"], PER_CALLEE),
    ),
    Case(
        "rollup.select_customers.by_month",
        lambda e: rollup.select_customers(YEAR, 1, 3, True, e.ctx().dialect),
    ),
    Case(
        "rollup.select_customers.total",
        lambda e: rollup.select_customers(YEAR, 1, 12, False, e.ctx().dialect),
    ),
    Case(
        "rollup.select_customer_spans.by_month",
        lambda e: rollup.select_customer_spans(YEAR, 1, 3, True),
    ),
    Case(
        "rollup.select_customer_spans.total",
        lambda e: rollup.select_customer_spans(YEAR, 1, 12, False),
    ),
    Case("rollup.refresh", _rollup_build),
    Case("rollup.refresh.monthly", lambda e: rollup_build._select_monthly(e.ctx())),
]
CASES_BY_NAME = {case.name: case for case in CASES}


# --------------------------------------------------------------------------------------------
# Fixtures and the offline build
# --------------------------------------------------------------------------------------------


class SQLSnapshot(SingleFileSnapshotExtension):
    """One ``.sql`` text file per snapshot."""

    file_extension = "sql"
    _write_mode = WriteMode.TEXT


@pytest.fixture
def sql_snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    return snapshot.use_extension(SQLSnapshot)


def load_dataset(engine: sa.Engine, name: str) -> None:
    """Empty the reference tables of ``engine`` and load dataset ``name`` into them."""
    quote = engine.dialect.identifier_preparer.quote
    with engine.begin() as conn:
        for table in DATASETS[name]:
            if db.dialect_of(engine) == "clickhouse":  # its DELETE needs a WHERE clause
                conn.execute(sa.text(f"TRUNCATE TABLE {quote(table)}"))
            else:
                conn.execute(schema.metadata.tables[table].delete())
    for table, rows in DATASETS[name].items():
        db.load_frame(engine, table, frame_for(table, rows))


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, sa.Engine]]:
    """A DuckDB file per dataset holding its reference rows (the other tables empty)."""
    engines = {}
    with contextlib.ExitStack() as stack:
        for name in DATASETS:
            engine = db.make_engine(f"duckdb:///{tmp_path_factory.mktemp('sqlsnap')}/{name}.duckdb")
            db.create_schema(engine, indexes=False)
            load_dataset(engine, name)
            stack.enter_context(db.held_open(engine))  # each context's reads then reuse the open file
            stack.callback(engine.dispose)
            engines[name] = engine
        yield engines


def offline_sql(case: Case, kind: str, reference: sa.Engine, monkeypatch: pytest.MonkeyPatch) -> str:
    """The case's SQL for ``kind`` without a database of that kind: every context core.semantic.cubes.make_ctx
    makes reads ``reference`` and names ``kind`` as its dialect."""
    make_ctx = cubes.make_ctx

    def ctx_for_kind(engine: Any, start: date, end: date, filters: Filters, rules: Any) -> Any:
        ctx = make_ctx(reference, start, end, filters, rules)
        ctx.dialect = kind
        return ctx

    target = offline_engine(kind)
    with monkeypatch.context() as patch:
        patch.setattr(cubes, "make_ctx", ctx_for_kind)
        return render(case.build(Env(db=reference, engine=target)), target.dialect)


@functools.cache
def offline_engine(kind: str) -> sa.Engine:
    """An engine of ``kind`` as the app makes it, for its dialect only (it is never connected)."""
    return db.make_engine(OFFLINE_URLS[kind], create_dirs=False)


PARAMS = [
    pytest.param(case.name, kind, id=f"{case.name}-{kind}")
    for case in CASES
    for kind in KINDS
    if kind in case.kinds
]


@pytest.mark.parametrize(("name", "kind"), PARAMS)
def test_sql(
    name: str,
    kind: str,
    reference: dict[str, sa.Engine],
    sql_snapshot: SnapshotAssertion,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The builder's SQL for this dialect is the reviewed snapshot (regenerate: --snapshot-update)."""
    case = CASES_BY_NAME[name]
    assert offline_sql(case, kind, reference[case.dataset], monkeypatch) + "\n" == sql_snapshot


def test_sql_is_stable(reference: dict[str, sa.Engine], monkeypatch: pytest.MonkeyPatch) -> None:
    """Building and compiling a case twice gives the same text (no alias numbering or set order leaks)."""
    for name in ("select_calls.rules.filtered", "select_peak_pieces.team_site.filtered", "field_sql"):
        case = CASES_BY_NAME[name]
        for kind in ("postgresql", "clickhouse"):
            first = offline_sql(case, kind, reference[case.dataset], monkeypatch)
            assert offline_sql(case, kind, reference[case.dataset], monkeypatch) == first


def test_offline_sql_is_what_the_engine_builds(
    any_kind: str, any_engine: sa.Engine, reference: dict[str, sa.Engine], monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a real database of each kind with the same reference rows, every case builds, unpatched, the
    SQL the snapshots hold: the offline shortcut (dialect named, reference rows read from DuckDB,
    engine never connected) changes nothing."""
    checked = 0
    with db.held_open(any_engine):
        for dataset in DATASETS:
            load_dataset(any_engine, dataset)
            for case in CASES:
                if case.dataset != dataset or any_kind not in case.kinds:
                    continue
                real = render(case.build(Env(db=any_engine, engine=any_engine)), any_engine.dialect)
                assert real == offline_sql(case, any_kind, reference[dataset], monkeypatch), case.name
                checked += 1
    assert checked == sum(any_kind in case.kinds for case in CASES)
