"""The calls' change counter on PostgreSQL (core/infra/db.py) and the rollups' fingerprint that reads it
(core/semantic/rollup.py), against the real server; the other engines keep counting the calls.

The fixture: two fictitious calls, ``k1`` (2024-06-01 10:00) and ``k2`` (2024-06-02 11:00). On
PostgreSQL every statement on ``calls`` (insert, update, delete, truncate), by anyone, raises the
counter by exactly one; reads, rollup builds and statements on other tables leave it as it is.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from datetime import datetime

import psycopg
import pytest
import sqlalchemy as sa

from core.infra import db
from core.rollup import build as rollup_build
from core.semantic import rollup
from tests.fixtures import call_row, load_tables

pytestmark = pytest.mark.engines

CALLS = [
    call_row("k1", datetime(2024, 6, 1, 10, 0), talk=30, callee_id="e" * 32),
    call_row("k2", datetime(2024, 6, 2, 11, 0), talk=40, callee_id="f" * 32),
]


def _by_hand(engine: sa.Engine, statement: str) -> None:
    """Run ``statement`` outside the app, as an operator would: in ``psql`` (a direct psycopg
    connection where psql is not installed), committed."""
    url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    psql = shutil.which("psql")
    if psql is not None:
        subprocess.run([psql, url, "-v", "ON_ERROR_STOP=1", "-q", "-c", statement], check=True)
        return
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(statement)


def _changes(engine: sa.Engine) -> tuple[int, int] | None:
    with engine.connect() as conn:
        return db.calls_changes(conn)


def _fingerprint(engine: sa.Engine) -> str:
    with engine.connect() as conn:
        return rollup.fingerprint(conn)


def _current(engine: sa.Engine) -> bool:
    with engine.connect() as conn:
        return rollup.current(conn)


def _pg(new_engine: Callable[..., sa.Engine]) -> sa.Engine:
    return load_tables(new_engine("postgresql"), {"calls": CALLS}, indexes=True)


def test_every_change_to_the_calls_moves_the_fingerprint_and_nothing_else_does(
    new_engine: Callable[..., sa.Engine],
) -> None:
    engine = _pg(new_engine)
    changes = _changes(engine)
    assert changes is not None
    oid, v = changes
    fp = _fingerprint(engine)
    # layout | "changes" | oid of calls | counter | importer's log (none: an empty one).
    assert fp.split("|")[1:4] == ["changes", str(oid), str(v)]

    # Reads, a rollup build and writes to other tables: the same fingerprint, the rollups current.
    assert rollup_build.refresh(engine) is not None
    _by_hand(engine, "SELECT count(*) FROM calls")
    _by_hand(engine, "INSERT INTO dnc (callee_id, added_at, source) VALUES (repeat('e', 32), now(), 'x')")
    assert _fingerprint(engine) == fp
    assert _changes(engine) == (oid, v)
    assert _current(engine)

    # Each statement on the calls, done by hand: the counter one higher, the rollups stale; a rebuild
    # makes them current again (then the next statement).
    statements = [
        "INSERT INTO calls (call_id, direction, started_at) VALUES ('k3', 'in', '2024-06-02 12:00')",
        "UPDATE calls SET talk_seconds = 99 WHERE call_id = 'k1'",  # same count, first and last call
        "DELETE FROM calls WHERE call_id = 'k3'",
        "TRUNCATE calls",
    ]
    seen = [fp]
    for n, statement in enumerate(statements, start=1):
        _by_hand(engine, statement)
        assert _changes(engine) == (oid, v + n), statement
        assert not _current(engine), statement
        seen.append(_fingerprint(engine))
        rollup_build.refresh(engine)
        assert _current(engine), statement
    assert len(set(seen)) == len(seen) == 5


def test_the_importer_bumps_it_once_per_statement_whatever_the_rows(
    new_engine: Callable[..., sa.Engine],
) -> None:
    """A bulk load of 500 calls (one COPY through db.load_frame) raises the counter by one."""
    engine = _pg(new_engine)
    changes = _changes(engine)
    assert changes is not None
    rows = [call_row(f"b{i}", datetime(2024, 6, 3, 8, 0, i % 60)) for i in range(500)]
    load_tables(engine, {"calls": rows})
    assert _changes(engine) == (changes[0], changes[1] + 1)


def test_an_older_database_gets_the_counter_when_opened_or_imported_into(
    new_engine: Callable[..., sa.Engine],
) -> None:
    """A database made before the counter (its trigger, function and table dropped here): the
    fingerprint counts the calls as before (2 calls, first and last start); ``ready_schema`` (what
    the app and the CLI run on opening) adds the counter, which then moves on a hand-made DELETE; the
    rollups built before the upgrade are stale once (another fingerprint form: a rebuild, never a
    wrong number). ``upgrade_schema`` (run by every import) adds it as well."""
    engine = _pg(new_engine)
    for statement in (
        f"DROP TRIGGER {db.CALLS_TRIGGER} ON calls",
        f"DROP FUNCTION {db.CALLS_TRIGGER}()",
        f"DROP TABLE {db.CALLS_COUNTER}",
    ):
        _by_hand(engine, statement)
    assert _changes(engine) is None
    assert _fingerprint(engine).split("|")[1:4] == ["2", "2024-06-01 10:00:00", "2024-06-02 11:00:00"]
    rollup_build.refresh(engine)
    assert _current(engine)

    assert db.ready_schema(engine) == []
    changes = _changes(engine)
    assert changes is not None
    assert _fingerprint(engine).split("|")[1:4] == ["changes", str(changes[0]), str(changes[1])]
    assert not _current(engine)
    rollup_build.refresh(engine)
    assert _current(engine)
    _by_hand(engine, "DELETE FROM calls WHERE call_id = 'k2'")
    assert _changes(engine) == (changes[0], changes[1] + 1)
    assert not _current(engine)

    _by_hand(engine, f"DROP TRIGGER {db.CALLS_TRIGGER} ON calls")
    assert _changes(engine) is None
    assert db.upgrade_schema(engine, []) == []
    assert _changes(engine) is not None


def test_a_disabled_trigger_is_not_trusted(new_engine: Callable[..., sa.Engine]) -> None:
    """With the trigger disabled (a restore, a replica) the fingerprint counts the calls again: 2."""
    engine = _pg(new_engine)
    _by_hand(engine, f"ALTER TABLE calls DISABLE TRIGGER {db.CALLS_TRIGGER}")
    assert _changes(engine) is None
    assert _fingerprint(engine).split("|")[1] == "2"


@pytest.mark.parametrize("kind", ["duckdb", "sqlite", "mysql", "clickhouse"])
def test_other_engines_count_the_calls_as_before(kind: str, new_engine: Callable[..., sa.Engine]) -> None:
    """No counter off PostgreSQL: the fingerprint is the calls' count, first and last start (MariaDB has
    only row-level triggers, 23 % on a bulk insert: see core/semantic/rollup.py)."""
    engine = load_tables(new_engine(kind), {"calls": CALLS}, indexes=True)
    assert _changes(engine) is None
    assert _fingerprint(engine).split("|")[1:4] == ["2", "2024-06-01 10:00:00", "2024-06-02 11:00:00"]
