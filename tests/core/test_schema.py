"""The schema of DOMAIN.md §4: every table and column declared, and created with keys on all five engines.

The expected tables, columns and keys below are copied by hand from DOMAIN.md §4 ("columns (key
first)"), not read from :mod:`core.infra.schema`, so a column dropped or renamed there fails here.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import polars as pl
import pytest
import sqlalchemy as sa

from core.infra import db, schema

#: DOMAIN.md §4, table by table, columns in the documented order.
DOMAIN_COLUMNS: dict[str, list[str]] = {
    "company": [
        "name",
        "credit_code",
        "legal_rep",
        "registered_address",
        "registered_province",
        "registered_capital_wan",
        "ownership_type",
        "listed",
        "complaint_phone",
    ],
    "finance": ["year", "revenue_wan", "cost_wan", "telecom_revenue_wan", "callcenter_revenue_wan"],
    "licences": ["licence_no", "business_code", "coverage", "valid_from", "valid_to"],
    "sites": ["site_id", "name", "province", "city", "opened_on", "closed_on"],
    "site_seats": ["site_id", "effective_from", "declared_seats"],
    "agents": ["agent_id", "team", "site_id", "employment", "hired_on", "left_on"],
    "agent_sessions": ["agent_id", "login_at", "logout_at", "break_seconds"],
    "campaigns": ["campaign_id", "name", "purpose", "client", "client_industry", "script_id", "dialer"],
    "scripts": ["script_id", "version", "title", "approved_at", "key_script"],
    "numbers": ["number", "kind", "carrier", "province", "registered", "allocated_on", "released_on"],
    "calls": [
        "call_id",
        "direction",
        "started_at",
        "answered_at",
        "ended_at",
        "ring_seconds",
        "talk_seconds",
        "wrap_seconds",
        "two_way_voice",
        "disposition",
        "agent_id",
        "campaign_id",
        "caller_number",
        "callee_id",
        "callee_province",
        "hangup_by",
        "recorded",
        "robot",
        # Not in DOMAIN.md §4: added by issue 12 (the carrier of the customer's number, read from its
        # prefix at import), documented in README's import section; last, as ALTER TABLE adds it.
        "callee_carrier",
    ],
    "complaints": [
        "complaint_id",
        "received_at",
        "channel",
        "caller_number",
        "callee_id",
        "call_id",
        "category",
        "substantiated",
        "replied_at",
    ],
    "qa_reviews": ["review_id", "call_id", "reviewed_at", "score", "passed", "violations"],
    "dnc": ["callee_id", "added_at", "source"],
    "shareholders": ["as_of", "holder", "share_pct"],
    "report_submissions": ["year", "submitted_at", "receipt_no", "payload"],
    "checklist": ["year", "step", "due_on", "done_on", "owner", "signer", "note"],
    "benchmarks": ["metric", "year", "value", "source"],
}

#: The key of each table: the leading column(s) of its DOMAIN.md row that identify a row.
PRIMARY_KEYS: dict[str, list[str]] = {
    "company": ["name"],
    "finance": ["year"],
    "licences": ["licence_no"],
    "sites": ["site_id"],
    "site_seats": ["site_id", "effective_from"],
    "agents": ["agent_id"],
    "agent_sessions": ["agent_id", "login_at"],
    "campaigns": ["campaign_id"],
    "scripts": ["script_id", "version"],
    "numbers": ["number"],
    "calls": ["call_id"],
    "complaints": ["complaint_id"],
    "qa_reviews": ["review_id"],
    "dnc": ["callee_id", "added_at"],
    "shareholders": ["as_of", "holder"],
    "report_submissions": ["year"],
    "checklist": ["year", "step"],
    "benchmarks": ["metric", "year"],
}

#: The secondary indexes the dashboards need (ISSUE 2 point 2), by table.
INDEXES: dict[str, set[str]] = {
    "calls": {
        "ix_calls_started_at",
        "ix_calls_caller_number",
        "ix_calls_callee_id",
        "ix_calls_campaign_id",
        "ix_calls_agent_id",
    },
    "complaints": {"ix_complaints_received_at"},
    "qa_reviews": {"ix_qa_reviews_call_id"},
}


# --------------------------------------------------------------------------------------------
# The declaration
# --------------------------------------------------------------------------------------------


def test_every_table_of_domain_md_is_declared_in_load_order() -> None:
    """schema.TABLES holds exactly the 18 tables of DOMAIN.md §4, in the documented order."""
    assert list(schema.TABLE_NAMES) == list(DOMAIN_COLUMNS)
    assert len(schema.TABLES) == 18
    assert sorted(schema.metadata.tables) == sorted(DOMAIN_COLUMNS)


@pytest.mark.parametrize("table", list(DOMAIN_COLUMNS))
def test_every_column_of_domain_md_is_declared_key_first(table: str) -> None:
    """Each table's columns are exactly those of DOMAIN.md §4, in its order (key first)."""
    assert [c.name for c in schema.metadata.tables[table].columns] == DOMAIN_COLUMNS[table]


def test_primary_keys_are_declared() -> None:
    """Every table has the primary key written above (composite keys in column order)."""
    got = {t.name: [c.name for c in t.primary_key.columns] for t in schema.TABLES}
    assert got == PRIMARY_KEYS


def test_dashboard_indexes_are_declared() -> None:
    """calls is indexed on started_at, caller_number, callee_id, campaign_id and agent_id (and no table else)."""
    got = {t.name: {i.name for i in t.indexes} for t in schema.TABLES if t.indexes}
    assert got == INDEXES
    by_column = {tuple(c.name for c in i.columns) for i in schema.calls.indexes}
    assert by_column == {("started_at",), ("caller_number",), ("callee_id",), ("campaign_id",), ("agent_id",)}


def test_times_are_naive_and_strings_have_lengths() -> None:
    """DateTime columns carry no time zone, and every String has a length (MariaDB needs VARCHAR(n))."""
    for table in schema.TABLES:
        for col in table.columns:
            if isinstance(col.type, sa.DateTime):
                assert col.type.timezone is False, f"{table.name}.{col.name}"
            if isinstance(col.type, sa.String) and not isinstance(col.type, sa.Text):
                assert col.type.length, f"{table.name}.{col.name}"


def test_clickhouse_ddl_is_a_mergetree_ordered_by_the_key() -> None:
    """The ClickHouse DDL of site_seats is a MergeTree ordered by its key; calls is ordered by time first."""
    ddl = db.clickhouse_ddl(schema.site_seats)
    assert ddl == (
        "CREATE TABLE IF NOT EXISTS `site_seats` (\n"
        "  `site_id` String,\n"
        "  `effective_from` Date,\n"
        "  `declared_seats` Nullable(Int64)\n"
        ") ENGINE = MergeTree ORDER BY (`site_id`, `effective_from`)"
    )
    assert db.clickhouse_ddl(schema.calls).endswith("ENGINE = MergeTree ORDER BY (`started_at`, `call_id`)")


# --------------------------------------------------------------------------------------------
# On the five engines
# --------------------------------------------------------------------------------------------


def _reflected_primary_keys(engine: sa.Engine) -> dict[str, list[str]]:
    """{table: key columns} as the database itself reports them (the ClickHouse sorting key)."""
    kind = db.dialect_of(engine)
    with engine.connect() as conn:
        if kind == "duckdb":
            rows = conn.execute(
                sa.text(
                    "SELECT table_name, constraint_column_names FROM duckdb_constraints() "
                    "WHERE constraint_type = 'PRIMARY KEY'"
                )
            ).fetchall()
            return {str(t): list(cols) for t, cols in rows}
        if kind == "clickhouse":
            rows = conn.execute(
                sa.text("SELECT name, sorting_key FROM system.tables WHERE database = currentDatabase()")
            ).fetchall()
            return {str(t): [c.strip() for c in str(key).strip("()").split(",")] for t, key in rows}
    inspector = sa.inspect(engine)
    return {name: inspector.get_pk_constraint(name)["constrained_columns"] for name in schema.TABLE_NAMES}


def _reflected_indexes(engine: sa.Engine) -> dict[str, set[str]]:
    """{table: index names} as the database reports them (tables without indexes left out)."""
    if db.dialect_of(engine) == "duckdb":
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT table_name, index_name FROM duckdb_indexes()")).fetchall()
        got: dict[str, set[str]] = {}
        for table, name in rows:
            got.setdefault(str(table), set()).add(str(name))
        return got
    inspector = sa.inspect(engine)
    got = {name: {str(i["name"]) for i in inspector.get_indexes(name)} for name in schema.TABLE_NAMES}
    return {name: names for name, names in got.items() if names}


def test_create_schema_creates_every_table_and_column(any_engine: sa.Engine) -> None:
    """After create_schema, check_schema finds nothing missing and every one of the 18 tables is empty."""
    assert db.check_schema(any_engine) == []
    assert db.row_counts(any_engine) == dict.fromkeys(DOMAIN_COLUMNS, 0)


def test_columns_come_back_in_schema_order(any_engine: sa.Engine) -> None:
    """SELECT * of each table returns exactly its DOMAIN.md columns, in order (no extra, none renamed)."""
    quote = any_engine.dialect.identifier_preparer.quote
    with any_engine.connect() as conn:
        for table, columns in DOMAIN_COLUMNS.items():
            result = conn.execute(sa.text(f"SELECT * FROM {quote(table)} WHERE 1 = 0"))
            assert list(result.keys()) == columns, table
            result.close()


def test_primary_keys_exist_in_the_database(any_engine: sa.Engine) -> None:
    """The database reports the key of every table (ClickHouse: the MergeTree sorting key; DuckDB:
    every table but calls, see db.DUCKDB_UNKEYED)."""
    expected = dict(PRIMARY_KEYS)
    if db.dialect_of(any_engine) == "clickhouse":
        expected.update({t: list(cols) for t, cols in schema.CLICKHOUSE_ORDER_BY.items()})
    if db.dialect_of(any_engine) == "duckdb":
        del expected["calls"]
    assert _reflected_primary_keys(any_engine) == expected


def expected_indexes(kind: str) -> dict[str, set[str]]:
    """The secondary indexes an engine gets: none on ClickHouse (tables sorted by their key), none
    on DuckDB's calls (see db.DUCKDB_UNKEYED), all of :data:`INDEXES` elsewhere."""
    if kind == "clickhouse":
        return {}
    if kind == "duckdb":
        return {t: names for t, names in INDEXES.items() if t not in db.DUCKDB_UNKEYED}
    return INDEXES


def test_dashboard_indexes_exist_in_the_database(any_engine: sa.Engine) -> None:
    """The secondary indexes exist where the engine gets them (expected_indexes)."""
    assert _reflected_indexes(any_engine) == expected_indexes(db.dialect_of(any_engine))


def test_duckdb_calls_have_no_index_and_the_importer_keeps_their_ids_unique(
    new_engine: Any, tmp_path: Any
) -> None:
    """On DuckDB the calls table has neither key nor index (its commit then needs no memory per row),
    so the database would accept a second row with a call's id; the importer never writes one
    (importing the same file twice inserts nothing) and the data-quality view counts any that
    another tool loaded."""
    from core.ingest import import_files
    from core.reporting import quality

    engine = new_engine("duckdb")
    csv = tmp_path / "calls.csv"
    from tests.core.test_rollup import call

    # One answered outbound call; the customer's number is fictitious (tests/ingest/samples.py), hashed at import.
    row = call("K1", datetime(2025, 3, 1, 9, 30), "+86 100 0000 0001")
    frame = pl.DataFrame([row])
    frame.write_csv(csv)
    first = import_files(engine, [csv], "canonical", table="calls")
    again = import_files(engine, [csv], "canonical", table="calls")
    assert (first.inserted, again.inserted, again.duplicates) == (1, 0, 1)
    assert db.row_counts(engine, [schema.calls]) == {"calls": 1}
    db.load_frame(engine, schema.calls, frame)  # another tool: nothing stops it
    assert db.row_counts(engine, [schema.calls]) == {"calls": 2}
    checks = {c.id: c for c in quality.run_checks(engine, date(2025, 3, 1), date(2025, 3, 31))}
    assert checks["duplicate_call_ids"].count == 1


def _sample(col: sa.Column[Any]) -> Any:
    """One value of the column's type."""
    if isinstance(col.type, sa.DateTime):
        return datetime(2025, 3, 1, 9, 30, 0)
    if isinstance(col.type, sa.Date):
        return date(2025, 3, 1)
    if isinstance(col.type, sa.Boolean):
        return True
    if isinstance(col.type, sa.Integer):
        return 7
    if isinstance(col.type, sa.Double):
        return 1.5
    return "k"


def test_a_duplicate_key_is_rejected_in_every_table(any_engine: sa.Engine) -> None:
    """Each of the 18 tables refuses a second row with its key (ClickHouse keeps both: MergeTree; so
    does DuckDB's calls table, whose ids the importer keeps unique: the test below)."""
    kind = db.dialect_of(any_engine)
    for tbl in schema.TABLES:
        row = {c.name: _sample(c) for c in tbl.columns}
        if kind == "clickhouse" or (kind == "duckdb" and tbl.name in db.DUCKDB_UNKEYED):
            db.load_frame(any_engine, tbl, pl.DataFrame([row, row]))
            assert db.row_counts(any_engine, [tbl]) == {tbl.name: 2}
            continue
        with any_engine.begin() as conn:
            conn.execute(tbl.insert(), [row])
        with pytest.raises(sa.exc.IntegrityError), any_engine.begin() as conn:
            conn.execute(tbl.insert(), [row])
        assert db.row_counts(any_engine, [tbl]) == {tbl.name: 1}, tbl.name


def test_composite_keys_accept_rows_differing_in_one_key_column(any_engine: sa.Engine) -> None:
    """site_seats may hold a site's seats from two dates; the same date twice for another site is fine too."""
    rows = [
        {"site_id": "S1", "effective_from": date(2024, 1, 1), "declared_seats": 120},
        {"site_id": "S1", "effective_from": date(2025, 1, 1), "declared_seats": 80},
        {"site_id": "S2", "effective_from": date(2025, 1, 1), "declared_seats": 40},
    ]
    with any_engine.begin() as conn:
        conn.execute(schema.site_seats.insert(), rows)
    assert db.row_counts(any_engine, [schema.site_seats]) == {"site_seats": 3}


def test_create_schema_twice_keeps_the_data(any_engine: sa.Engine) -> None:
    """A second create_schema neither fails nor drops rows; drop_first=True empties the tables."""
    with any_engine.begin() as conn:
        conn.execute(schema.finance.insert(), [{"year": 2025, "revenue_wan": 1000.0}])
    db.create_schema(any_engine)
    db.create_schema(any_engine)
    assert db.check_schema(any_engine) == []
    assert db.row_counts(any_engine, [schema.finance]) == {"finance": 1}
    db.create_schema(any_engine, drop_first=True)
    assert db.check_schema(any_engine) == []
    assert db.row_counts(any_engine, [schema.finance]) == {"finance": 0}


def test_tables_first_then_indexes(any_kind: str, new_engine: Any) -> None:
    """create_schema(indexes=False) then create_indexes (twice) gives the same schema as create_schema."""
    engine = new_engine(any_kind, with_schema=False)
    db.create_schema(engine, indexes=False)
    assert db.check_schema(engine) == []
    assert _reflected_indexes(engine) == {}
    db.create_indexes(engine)
    db.create_indexes(engine)
    assert _reflected_indexes(engine) == expected_indexes(any_kind)
