"""Shared fixtures: database engines for the five supported engines.

* DuckDB and SQLite: a file in the test's temporary directory.
* PostgreSQL and MariaDB: the servers ``scripts/services.sh`` starts (URLs from
  ``CALLCENTER_TEST_PG_URL`` / ``CALLCENTER_TEST_MYSQL_URL``). Each use drops and recreates the
  tables, so tests using them must not run concurrently (the suite runs in one process).
* ClickHouse: in-process through chdb. chdb allows one data path per process, so every ClickHouse
  engine in the session lives under one path, each in its own database.

When a server is unreachable the test is skipped, unless ``CALLCENTER_REQUIRE_SERVERS`` or ``CI`` is
set (``scripts/test.sh`` sets it): then it fails, so CI never passes without testing every engine.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from core import db

ENGINES = ("duckdb", "sqlite", "postgresql", "mysql", "clickhouse")
PG_URL = os.environ.get(
    "CALLCENTER_TEST_PG_URL", "postgresql+psycopg://callcenter:callcenter@127.0.0.1:5432/callcenter_test"
)
MYSQL_URL = os.environ.get(
    "CALLCENTER_TEST_MYSQL_URL", "mysql+pymysql://callcenter:callcenter@127.0.0.1:3306/callcenter_test"
)
_counter = itertools.count(1)


def servers_required() -> bool:
    return bool(os.environ.get("CALLCENTER_REQUIRE_SERVERS") or os.environ.get("CI"))


@pytest.fixture(scope="session")
def chdb_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The one chdb data path of this test process."""
    return tmp_path_factory.mktemp("chdb")


@pytest.fixture(scope="session")
def make_url(chdb_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], str]:
    """``make_url(kind)`` → a URL of a fresh, reachable database of that kind (tables not created)."""

    def make(kind: str) -> str:
        n = next(_counter)
        if kind == "duckdb":
            return f"duckdb:///{tmp_path_factory.mktemp('duckdb')}/t{n}.duckdb"
        if kind == "sqlite":
            return f"sqlite:///{tmp_path_factory.mktemp('sqlite')}/t{n}.sqlite"
        if kind == "clickhouse":
            name = f"t{n}"
            root = db.make_engine(f"clickhousedb:///?interface=chdb&path={chdb_root}")
            with root.connect() as conn:
                conn.execute(sa.text(f"CREATE DATABASE IF NOT EXISTS {name}"))
            return f"clickhousedb:///{name}?interface=chdb&path={chdb_root}"
        url = PG_URL if kind == "postgresql" else MYSQL_URL
        try:
            db.ping(db.make_engine(url))
        except db.DatabaseError as exc:
            if servers_required():
                pytest.fail(f"{kind} server unreachable ({exc.en}); run scripts/services.sh")
            pytest.skip(f"{kind} server unreachable: run scripts/services.sh")
        return url

    return make


@pytest.fixture(params=ENGINES)
def any_engine(request: pytest.FixtureRequest, make_url: Callable[[str], str]) -> Iterator[sa.Engine]:
    """An engine of each of the five kinds with the schema freshly created (empty tables)."""
    engine = db.make_engine(make_url(request.param))
    db.create_schema(engine, drop_first=True)
    yield engine
    engine.dispose()
