"""core.infra.db on all five engines: bulk load round trip, schema check, data version, URLs and plain errors."""

from __future__ import annotations

import re
import socket
from datetime import date, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import sqlalchemy as sa

from core import cli
from core.infra import db, schema
from core.infra.db import SchemaProblem
from core.reporting import regulatory

TABLE_ORDER = [t.name for t in schema.TABLES]

# --------------------------------------------------------------------------------------------
# Hand-made rows and what must come back
# --------------------------------------------------------------------------------------------

#: Three calls: a no-answer crossing midnight into a new year at 23:59:59, an answered inbound
#: call with an empty-string callee, and a call with every nullable column null.
CALLS_ROWS: list[tuple[Any, ...]] = [
    (
        "c1",
        "out",
        datetime(2025, 12, 31, 23, 59, 59),
        None,
        datetime(2026, 1, 1, 0, 0, 20),
        21,
        0,
        None,
        False,
        "no_answer",
        "A1",
        "K1",
        "95123",
        "h" * 64,
        "新疆",
        "system",
        False,
        False,
        "中国移动",
    ),
    (
        "c2",
        "in",
        datetime(2025, 1, 1, 0, 0, 0),
        datetime(2025, 1, 1, 0, 0, 7),
        datetime(2025, 1, 1, 0, 5, 7),
        7,
        300,
        15,
        True,
        "answered",
        None,
        None,
        "4008001234",
        "",
        "西藏",
        "customer",
        True,
        True,
        None,
    ),
    ("c3", "out", datetime(2024, 2, 29, 12, 0, 0), *([None] * 16)),
]

CALLS_SCHEMA: dict[str, Any] = {
    "call_id": pl.String,
    "direction": pl.String,
    "started_at": pl.Datetime("us"),
    "answered_at": pl.Datetime("us"),
    "ended_at": pl.Datetime("us"),
    "ring_seconds": pl.Int64,
    "talk_seconds": pl.Int64,
    "wrap_seconds": pl.Int64,
    "two_way_voice": pl.Boolean,
    "disposition": pl.String,
    "agent_id": pl.String,
    "campaign_id": pl.String,
    "caller_number": pl.String,
    "callee_id": pl.String,
    "callee_province": pl.String,
    "hangup_by": pl.String,
    "recorded": pl.Boolean,
    "robot": pl.Boolean,
    "callee_carrier": pl.String,
}

#: Text a CSV or SQL path could mangle: quote, comma, newline, a backslash, the literal \N that
#: COPY uses for NULL, and Chinese.
AWKWARD_NOTE = 'say "好", ok\nline 2 \\ end'
CHECKLIST_ROWS: list[tuple[Any, ...]] = [
    (2025, 1, date(2026, 1, 15), date(2026, 1, 10), "王芳", "李强", AWKWARD_NOTE),
    (2025, 2, date(2026, 3, 31), None, None, None, "\\N"),
    (2025, 3, date(2026, 4, 30), None, "", None, None),
]
CHECKLIST_SCHEMA: dict[str, Any] = {
    "year": pl.Int64,
    "step": pl.Int64,
    "due_on": pl.Date,
    "done_on": pl.Date,
    "owner": pl.String,
    "signer": pl.String,
    "note": pl.String,
}

FINANCE_ROWS: list[tuple[Any, ...]] = [
    (2024, 0.1, 1e-7, 12345678.9, None),
    (2025, 3.2, 2.5, 0.0, 1234.5678),
]
FINANCE_SCHEMA: dict[str, Any] = {
    "year": pl.Int64,
    "revenue_wan": pl.Float64,
    "cost_wan": pl.Float64,
    "telecom_revenue_wan": pl.Float64,
    "callcenter_revenue_wan": pl.Float64,
}


def _frame(rows: list[tuple[Any, ...]], schema_: dict[str, Any]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=schema_, orient="row")


def _read_all(engine: sa.Engine, table: sa.Table) -> list[tuple[Any, ...]]:
    """Every row of a table in key order, as plain tuples."""
    return db.read_frame(engine, sa.select(*table.columns).order_by(*table.primary_key.columns)).rows()


def _free_port() -> int:
    """A local TCP port nothing listens on (bound and released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _quote(engine: sa.Engine, name: str) -> str:
    return engine.dialect.identifier_preparer.quote(name)


# --------------------------------------------------------------------------------------------
# Bulk load
# --------------------------------------------------------------------------------------------


def test_load_frame_round_trips_calls_exactly(any_engine: sa.Engine) -> None:
    """Three calls come back value for value: nulls, booleans, 23:59:59, a leap day, 新疆, an empty string."""
    written = db.load_frame(any_engine, "calls", _frame(CALLS_ROWS, CALLS_SCHEMA))
    assert written == 3
    assert db.row_counts(any_engine, [schema.calls]) == {"calls": 3}
    assert _read_all(any_engine, schema.calls) == CALLS_ROWS


def test_load_frame_round_trips_dates_and_awkward_text(any_engine: sa.Engine) -> None:
    """Checklist dates, a null date, quotes, commas, a newline, a backslash and the text '\\N' survive."""
    assert db.load_frame(any_engine, schema.checklist, _frame(CHECKLIST_ROWS, CHECKLIST_SCHEMA)) == 3
    got = _read_all(any_engine, schema.checklist)
    assert got == CHECKLIST_ROWS
    assert got[1][6] is not None  # the two characters \N are text, not COPY's null marker


def test_load_frame_round_trips_doubles(any_engine: sa.Engine) -> None:
    """Doubles keep every bit (0.1, 1e-7, 12345678.9, 1234.5678), not a 4-byte float's approximation."""
    db.load_frame(any_engine, "finance", _frame(FINANCE_ROWS, FINANCE_SCHEMA))
    assert _read_all(any_engine, schema.finance) == FINANCE_ROWS


def test_load_frame_fills_missing_columns_with_null(any_engine: sa.Engine) -> None:
    """A frame with only the required call columns loads; the 16 others read back as null."""
    frame = pl.DataFrame(
        {"call_id": ["m1"], "direction": ["in"], "started_at": [datetime(2025, 6, 1, 8, 0, 0)]}
    )
    assert db.load_frame(any_engine, "calls", frame) == 1
    assert _read_all(any_engine, schema.calls) == [
        ("m1", "in", datetime(2025, 6, 1, 8, 0, 0), *([None] * 16))
    ]


def test_load_frame_keeps_times_to_the_whole_second(any_engine: sa.Engine) -> None:
    """23:59:59.6 is stored as 23:59:59 on every engine (PostgreSQL, MariaDB and ClickHouse cannot keep it)."""
    frame = pl.DataFrame(
        {
            "call_id": ["f1"],
            "direction": ["in"],
            "started_at": [datetime(2025, 12, 31, 23, 59, 59, 600000)],
            "answered_at": [datetime(2025, 12, 31, 23, 59, 59, 999999)],
        }
    )
    db.load_frame(any_engine, "calls", frame)
    c = schema.calls.c
    got = db.read_frame(any_engine, sa.select(c.started_at, c.answered_at)).rows()
    assert got == [(datetime(2025, 12, 31, 23, 59, 59), datetime(2025, 12, 31, 23, 59, 59))]
    # Not rounded into the next day, and a bound 23:59:59 finds it on every engine.
    query = sa.select(c.call_id).where(c.started_at == datetime(2025, 12, 31, 23, 59, 59))
    assert db.read_frame(any_engine, query)["call_id"].to_list() == ["f1"]


def test_load_frame_in_chunks_reports_progress(any_engine: sa.Engine) -> None:
    """chunk_rows=2 over three rows writes 2 then 1, calls progress with each, and loads all three."""
    seen: list[int] = []
    written = db.load_frame(
        any_engine, "calls", _frame(CALLS_ROWS, CALLS_SCHEMA), chunk_rows=2, progress=seen.append
    )
    assert written == 3
    assert seen == [2, 1]
    assert db.row_counts(any_engine, [schema.calls]) == {"calls": 3}


def test_load_frame_of_nothing_writes_nothing(any_engine: sa.Engine) -> None:
    """An empty frame returns 0 and never calls progress."""
    seen: list[int] = []
    assert db.load_frame(any_engine, "calls", _frame([], CALLS_SCHEMA), progress=seen.append) == 0
    assert seen == []
    assert db.row_counts(any_engine, [schema.calls]) == {"calls": 0}


def test_load_frame_appends(any_engine: sa.Engine) -> None:
    """Two loads of different rows add up (3 + 1 calls), the first rows untouched."""
    db.load_frame(any_engine, "calls", _frame(CALLS_ROWS, CALLS_SCHEMA))
    db.load_frame(
        any_engine,
        "calls",
        pl.DataFrame({"call_id": ["c4"], "direction": ["in"], "started_at": [datetime(2025, 7, 1)]}),
    )
    assert db.row_counts(any_engine, [schema.calls]) == {"calls": 4}
    assert _read_all(any_engine, schema.calls)[:3] == CALLS_ROWS


def test_row_counts_per_table(any_engine: sa.Engine) -> None:
    """row_counts gives every table with its exact count (3 calls, 3 checklist rows, 0 elsewhere), str keys."""
    db.load_frame(any_engine, "calls", _frame(CALLS_ROWS, CALLS_SCHEMA))
    db.load_frame(any_engine, "checklist", _frame(CHECKLIST_ROWS, CHECKLIST_SCHEMA))
    counts = db.row_counts(any_engine)
    assert list(counts) == TABLE_ORDER
    assert all(type(k) is str for k in counts)
    assert counts == {**dict.fromkeys(TABLE_ORDER, 0), "calls": 3, "checklist": 3}


def test_read_frame_gives_the_same_types_on_every_engine(any_engine: sa.Engine) -> None:
    """SUM of integers is Int64 28 (not a Decimal or a float), AVG Float64 14.0, COUNT Int64 1 on every engine."""
    db.load_frame(any_engine, "calls", _frame(CALLS_ROWS, CALLS_SCHEMA))
    c = schema.calls.c
    frame = db.read_frame(
        any_engine,
        sa.select(
            sa.func.sum(c.ring_seconds).label("ring"),
            sa.func.avg(c.ring_seconds).label("avg_ring"),
            sa.func.count(c.agent_id).label("with_agent"),
        ),
    )
    assert frame.rows() == [(28, 14.0, 1)]
    assert frame.schema["ring"] == pl.Int64
    assert frame.schema["avg_ring"] == pl.Float64
    assert frame.schema["with_agent"] == pl.Int64


def test_read_frame_binds_parameters(any_engine: sa.Engine) -> None:
    """A bound date and a bound Chinese string select exactly call c1."""
    db.load_frame(any_engine, "calls", _frame(CALLS_ROWS, CALLS_SCHEMA))
    c = schema.calls.c
    query = sa.select(c.call_id).where(
        c.started_at >= datetime(2025, 12, 31, 23, 59, 59), c.callee_province == "新疆"
    )
    assert db.read_frame(any_engine, query)["call_id"].to_list() == ["c1"]


# --------------------------------------------------------------------------------------------
# Schema check
# --------------------------------------------------------------------------------------------


def test_check_schema_names_a_missing_table(any_engine: sa.Engine) -> None:
    """With calls dropped, check_schema returns exactly [SchemaProblem('calls', None)]."""
    with any_engine.begin() as conn:
        conn.execute(sa.text(f"DROP TABLE {_quote(any_engine, 'calls')}"))
    assert db.check_schema(any_engine) == [SchemaProblem("calls", None)]


def test_check_schema_names_a_missing_column(any_engine: sa.Engine) -> None:
    """With agents.left_on dropped, check_schema returns exactly [SchemaProblem('agents', 'left_on')]."""
    with any_engine.begin() as conn:
        conn.execute(sa.text(f"ALTER TABLE {_quote(any_engine, 'agents')} DROP COLUMN left_on"))
    assert db.check_schema(any_engine) == [SchemaProblem("agents", "left_on")]


def test_an_older_database_gets_the_added_column(any_engine: sa.Engine) -> None:
    """A calls table from before callee_carrier (issue 12): check_schema names the column, the message
    says an import adds it, upgrade_schema adds it (nothing left) and a call with a carrier loads."""
    with any_engine.begin() as conn:
        conn.execute(sa.text(f"ALTER TABLE {_quote(any_engine, 'calls')} DROP COLUMN callee_carrier"))
    problems = db.check_schema(any_engine)
    assert problems == [SchemaProblem("calls", "callee_carrier")]
    assert "the next import adds them" in db.schema_error(problems).en
    assert db.upgrade_schema(any_engine, problems) == []
    assert db.check_schema(any_engine) == []
    db.load_frame(any_engine, "calls", _frame(CALLS_ROWS[:1], CALLS_SCHEMA))
    assert _read_all(any_engine, schema.calls) == CALLS_ROWS[:1]


def test_readers_open_an_older_database_without_waiting_for_an_import(any_engine: sa.Engine) -> None:
    """ready_schema (the app's and the CLI's check) adds callee_carrier to a calls table made before
    it, with the earlier rows null, and reports nothing left; the CLI's check then passes."""
    db.load_frame(any_engine, "calls", _frame(CALLS_ROWS[:1], CALLS_SCHEMA))
    with any_engine.begin() as conn:
        conn.execute(sa.text(f"ALTER TABLE {_quote(any_engine, 'calls')} DROP COLUMN callee_carrier"))
    assert db.ready_schema(any_engine) == []
    assert db.check_schema(any_engine) == []
    stored = db.read_frame(any_engine, sa.select(schema.calls.c.call_id, schema.calls.c.callee_carrier))
    assert stored.rows() == [(CALLS_ROWS[0][0], None)]
    url = any_engine.url.render_as_string(hide_password=False)
    assert cli.main(["check", "--db", url]) == 0


def test_check_schema_lists_problems_in_table_order(any_engine: sa.Engine) -> None:
    """A missing table (dnc) and a missing column (agents.team) come back in schema order: agents first."""
    with any_engine.begin() as conn:
        conn.execute(sa.text(f"DROP TABLE {_quote(any_engine, 'dnc')}"))
        conn.execute(sa.text(f"ALTER TABLE {_quote(any_engine, 'agents')} DROP COLUMN team"))
    assert db.check_schema(any_engine) == [SchemaProblem("agents", "team"), SchemaProblem("dnc", None)]


def test_check_schema_on_an_empty_database_names_all_18_tables(any_kind: str, new_engine: Any) -> None:
    """A database without tables gives one problem per table of the schema, in order, and no column."""
    engine = new_engine(any_kind, with_schema=False)
    assert db.check_schema(engine) == [SchemaProblem(name, None) for name in TABLE_ORDER]


def test_check_schema_allows_extra_tables_and_columns(any_engine: sa.Engine) -> None:
    """A company's own extra table and extra column are not problems."""
    kind = db.dialect_of(any_engine)
    int_type = "Nullable(Int64)" if kind == "clickhouse" else "INTEGER"
    own = (
        "CREATE TABLE own_notes (x Int64) ENGINE = MergeTree ORDER BY x"
        if kind == "clickhouse"
        else ("CREATE TABLE own_notes (x INTEGER)")
    )
    with any_engine.begin() as conn:
        conn.execute(sa.text(own))
        conn.execute(sa.text(f"ALTER TABLE {_quote(any_engine, 'agents')} ADD COLUMN extra_col {int_type}"))
    assert db.check_schema(any_engine) == []


def test_check_schema_on_an_unreachable_server_is_a_plain_error() -> None:
    """check_schema against a closed port raises DatabaseError, not a driver exception."""
    engine = db.make_engine(f"postgresql+psycopg://u:s3cret@127.0.0.1:{_free_port()}/x")
    with pytest.raises(db.DatabaseError) as info:
        db.check_schema(engine)
    assert info.value.en.startswith("Cannot connect to the database postgresql+psycopg://u:***@127.0.0.1:")
    assert "s3cret" not in str(info.value)


def test_schema_problem_messages() -> None:
    """A missing table and a missing column read as plain words in Chinese and English."""
    assert SchemaProblem("calls", None).message("zh") == "缺少数据表 calls"
    assert SchemaProblem("calls", None).message("en") == "missing table calls"
    assert SchemaProblem("agents", "left_on").message("zh") == "数据表 agents 缺少列 left_on"
    assert SchemaProblem("agents", "left_on").message("en") == "table agents lacks column left_on"


def test_schema_error_names_the_tables_in_both_languages() -> None:
    """schema_error lists every problem in zh and en, then says how to fix it."""
    err = db.schema_error([SchemaProblem("calls", None), SchemaProblem("agents", "left_on")])
    assert isinstance(err, db.DatabaseError)
    assert err.zh.startswith("数据库结构不完整:缺少数据表 calls;数据表 agents 缺少列 left_on。")
    assert err.en.startswith(
        "The database schema is incomplete: missing table calls; table agents lacks column left_on. "
    )
    assert "python -m core demo --db URL" in err.zh and "python -m core demo --db URL" in err.en
    assert err.message("zh") == err.zh and err.message("en") == err.en
    assert str(err) == f"{err.zh} / {err.en}"


# --------------------------------------------------------------------------------------------
# Data version
# --------------------------------------------------------------------------------------------


def test_data_version_is_stable_and_follows_changes(any_engine: sa.Engine) -> None:
    """Same data, same version; a new call, new checklist steps and an edited checklist value each change it."""
    empty = db.data_version(any_engine)
    assert re.fullmatch(r"[0-9a-f]{16}", empty)
    assert db.data_version(any_engine) == empty

    db.load_frame(any_engine, "calls", _frame(CALLS_ROWS[:1], CALLS_SCHEMA))
    one_call = db.data_version(any_engine)
    assert one_call != empty
    assert db.data_version(any_engine) == one_call

    regulatory.ensure_checklist(any_engine, 2025)  # the eight steps of 2025, nothing done
    steps = db.data_version(any_engine)
    assert steps != one_call
    regulatory.ensure_checklist(any_engine, 2025)  # nothing to add: no change
    assert db.data_version(any_engine) == steps

    regulatory.mark_step(any_engine, 2025, 3, done_on=date(2026, 2, 1), owner="王芳")
    done = db.data_version(any_engine)
    assert done != steps
    regulatory.mark_step(any_engine, 2025, 3, done_on=date(2026, 2, 1), owner="王芳", note="已核对")
    noted = db.data_version(any_engine)
    assert noted != done
    # The same content gives the same version: reopening the step restores the earlier one.
    regulatory.mark_step(any_engine, 2025, 3, done_on=None)
    assert db.data_version(any_engine) == steps


def test_data_version_follows_a_second_call(any_engine: sa.Engine) -> None:
    """Adding a second call (same latest start time as before) still changes the version: counts count."""
    db.load_frame(any_engine, "calls", _frame(CALLS_ROWS[:1], CALLS_SCHEMA))
    before = db.data_version(any_engine)
    db.load_frame(any_engine, "calls", _frame(CALLS_ROWS[2:], CALLS_SCHEMA))  # earlier than c1
    assert db.data_version(any_engine) != before


# --------------------------------------------------------------------------------------------
# URLs, engines and plain errors (no database needed)
# --------------------------------------------------------------------------------------------


def _secrets(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "secrets.toml"
    path.write_text(body, encoding="utf-8")
    return path


def test_url_from_secrets_reads_the_connection_url(tmp_path: Path) -> None:
    """[connections.callcenter] url is read; a missing file, a missing key, an empty url and bad TOML give None."""
    good = _secrets(tmp_path, '[connections.callcenter]\nurl = "postgresql+psycopg://u:p@h/cc"\n')
    assert db.url_from_secrets(good) == "postgresql+psycopg://u:p@h/cc"
    assert db.url_from_secrets(tmp_path / "absent.toml") is None
    assert db.url_from_secrets(_secrets(tmp_path, '[connections.other]\nurl = "sqlite:///x"\n')) is None
    assert db.url_from_secrets(_secrets(tmp_path, '[connections.callcenter]\nurl = ""\n')) is None
    assert db.url_from_secrets(_secrets(tmp_path, "[connections.callcenter\nurl = ")) is None


def test_resolve_url_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """--db beats CALLCENTER_DB_URL, which beats secrets.toml (app only), which beats the embedded default."""
    secrets = _secrets(tmp_path, '[connections.callcenter]\nurl = "sqlite:///secret.sqlite"\n')
    monkeypatch.setattr(db, "SECRETS_FILE", secrets)
    monkeypatch.setenv(db.ENV_VAR, "sqlite:///env.sqlite")

    assert db.resolve_url("duckdb:///cli.duckdb", use_secrets=True) == "duckdb:///cli.duckdb"
    assert db.resolve_url(None, use_secrets=True) == "sqlite:///env.sqlite"
    monkeypatch.setenv(db.ENV_VAR, "")  # set but empty counts as unset
    assert db.resolve_url(None, use_secrets=True) == "sqlite:///secret.sqlite"
    monkeypatch.delenv(db.ENV_VAR)
    assert db.resolve_url(None, use_secrets=True) == "sqlite:///secret.sqlite"
    assert db.resolve_url() == db.DEFAULT_URL  # the CLI does not read secrets.toml
    monkeypatch.setattr(db, "SECRETS_FILE", tmp_path / "absent.toml")
    assert db.resolve_url(None, use_secrets=True) == db.DEFAULT_URL


def test_default_url_is_the_embedded_duckdb_file() -> None:
    """The embedded default is DuckDB at data/callcenter.duckdb in the project."""
    assert f"duckdb:///{db.PROJECT_ROOT / 'data' / 'callcenter.duckdb'}" == db.DEFAULT_URL


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            "postgresql+psycopg://callcenter:s3cret@db.example.com:5432/cc",
            "postgresql+psycopg://callcenter:***@db.example.com:5432/cc",
        ),
        ("mysql+pymysql://u:s3cret%40x@h/cc", "mysql+pymysql://u:***@h/cc"),
        ("postgresql+psycopg://u:s3cret@h:port/cc", "postgresql+psycopg://u:***@h:port/cc"),
        ("postgres ql://u:s3cret@h/cc", "postgres ql://u:***@h/cc"),
        ("duckdb:///data/callcenter.duckdb", "duckdb:///data/callcenter.duckdb"),
        ("clickhousedb://default@ch.example.com/cc", "clickhousedb://default@ch.example.com/cc"),
    ],
)
def test_redact_url_hides_the_password(url: str, shown: str) -> None:
    """The password becomes *** (even in a URL that cannot be parsed); the rest is unchanged."""
    assert db.redact_url(url) == shown
    assert "s3cret" not in db.redact_url(url)


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("duckdb:///x.duckdb", "duckdb"),
        ("sqlite:///x.sqlite", "sqlite"),
        ("postgresql+psycopg://u@h/d", "postgresql"),
        ("postgresql://u@h/d", "postgresql"),
        ("mysql+pymysql://u@h/d", "mysql"),
        ("mariadb+pymysql://u@h/d", "mysql"),
        ("clickhousedb://h/d", "clickhouse"),
        ("clickhousedb:///?interface=chdb&path=/tmp/x", "clickhouse"),
    ],
)
def test_dialect_of_a_url(url: str, kind: str) -> None:
    """Each URL form maps to one of the five short engine names."""
    assert db.dialect_of(url) == kind


def test_dialect_of_an_engine(any_engine: sa.Engine, request: pytest.FixtureRequest) -> None:
    """An engine made from each kind's URL reports that kind."""
    assert db.dialect_of(any_engine) == request.node.callspec.params["any_kind"]


@pytest.mark.parametrize(
    ("url", "en_start"),
    [
        ("not a url", "The database URL cannot be parsed: 'not a url'. "),
        (
            "postgresql+psycopg://u:s3cret@h:notaport/cc",
            "The database URL cannot be parsed: 'postgresql+psycopg://u:***@h:notaport/cc'. ",
        ),
        ("nosuchdb://h/cc", "Unsupported database type or missing driver: nosuchdb "),
    ],
)
def test_make_engine_on_a_garbage_url_raises_a_plain_error(url: str, en_start: str) -> None:
    """An unparseable URL or an unknown driver is a DatabaseError in plain words, password hidden."""
    with pytest.raises(db.DatabaseError) as info:
        db.make_engine(url)
    err = info.value
    assert err.en.startswith(en_start)
    assert "s3cret" not in str(err)
    assert err.__cause__ is None and err.__suppress_context__


def test_dialect_of_garbage_raises_a_plain_error() -> None:
    """dialect_of('not a url') is a DatabaseError, not SQLAlchemy's ArgumentError."""
    with pytest.raises(db.DatabaseError):
        db.dialect_of("not a url")


@pytest.mark.parametrize(
    ("driver", "query"), [("postgresql+psycopg", ""), ("mysql+pymysql", "?charset=utf8mb4")]
)
def test_ping_on_an_unreachable_port_is_one_plain_line(driver: str, query: str) -> None:
    """ping against a port nobody listens on: DatabaseError, one line per language, no traceback, no password."""
    port = _free_port()
    engine = db.make_engine(f"{driver}://callcenter:s3cret@127.0.0.1:{port}/cc")
    with pytest.raises(db.DatabaseError) as info:
        db.ping(engine)
    err = info.value
    # The URL shown is the engine's: MariaDB's carries the utf8mb4 charset make_engine adds.
    shown = f"{driver}://callcenter:***@127.0.0.1:{port}/cc{query}"
    assert err.en.startswith(f"Cannot connect to the database {shown}: ")
    assert err.en.endswith("Check the URL, user, password and that the server is running.")
    assert err.zh.startswith(f"无法连接数据库 {shown}:")
    for text in (err.zh, err.en):
        assert "\n" not in text
        assert "Traceback" not in text
        assert "s3cret" not in text
    assert err.__cause__ is None


def test_ping_on_a_reachable_database_returns_none(any_engine: sa.Engine) -> None:
    """ping succeeds quietly on each of the five engines."""
    assert db.ping(any_engine) is None


def test_make_engine_creates_the_folder_of_a_file_database(tmp_path: Path) -> None:
    """A DuckDB URL in a folder that does not exist yet gets its folder; create_dirs=False leaves it alone."""
    db.make_engine(f"duckdb:///{tmp_path / 'a' / 'b' / 'x.duckdb'}")
    assert (tmp_path / "a" / "b").is_dir()
    db.make_engine(f"sqlite:///{tmp_path / 'c' / 'x.sqlite'}", create_dirs=False)
    assert not (tmp_path / "c").exists()


def _other_process_can_write(path: Path) -> bool:
    """Whether a separate process can open the DuckDB file for writing (DuckDB locks it per process)."""
    import subprocess
    import sys

    code = f"import duckdb; duckdb.connect({str(path)!r}).execute('CREATE TABLE IF NOT EXISTS probe (x INT)')"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, check=False).returncode == 0


def test_held_open_keeps_one_duckdb_instance_for_the_block_and_releases_the_file_after(
    tmp_path: Path,
) -> None:
    """Inside held_open, every new connection shares the instance the held one loaded (a setting
    made on one is seen on the next: the file is opened once); after the block nothing holds it:
    another process can write, and a new connection starts a fresh instance (default setting)."""
    path = tmp_path / "held.duckdb"
    engine = db.make_engine(f"duckdb:///{path}")
    setting = sa.text("SELECT current_setting('memory_limit')")
    with engine.connect() as conn:
        default = conn.execute(setting).scalar_one()
    with db.held_open(engine):
        with engine.connect() as conn:
            conn.execute(sa.text("SET memory_limit = '1GB'"))
        with engine.connect() as conn:
            assert conn.execute(setting).scalar_one() == "953.6 MiB" != default
        assert not _other_process_can_write(path)
    assert _other_process_can_write(path)
    with engine.connect() as conn:
        assert conn.execute(setting).scalar_one() == default


def test_held_open_elsewhere_holds_nothing(any_engine: sa.Engine) -> None:
    """On the other engines held_open is a no-op around the block (their pools keep connections)."""
    if db.dialect_of(any_engine) == "duckdb":
        pytest.skip("the DuckDB case is the test above")
    before = any_engine.pool.checkedout() if hasattr(any_engine.pool, "checkedout") else 0
    with db.held_open(any_engine):
        inside = any_engine.pool.checkedout() if hasattr(any_engine.pool, "checkedout") else 0
        assert db.row_counts(any_engine, [schema.finance]) == {"finance": 0}
    assert inside == before


def test_duckdb_opener_waits_for_another_process_lock(tmp_path: Path) -> None:
    """Another process holds the DuckDB file for about a second (as the watcher does for a batch):
    make_engine's connection waits for it and opens, instead of failing on DuckDB's lock error."""
    import subprocess
    import sys
    import time

    path = tmp_path / "shared.duckdb"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, time; c = duckdb.connect({str(path)!r}); print('ok', flush=True); "
            "time.sleep(1); c.close()",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ok"
        started = time.monotonic()
        engine = db.make_engine(f"duckdb:///{path}")
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT 42")).scalar_one() == 42
        assert time.monotonic() - started > 0.2  # it did wait for the holder
        engine.dispose()
    finally:
        holder.kill()
        holder.wait()
