"""Shared fixtures: databases of the five supported engines.

Engines (``ENGINES``) and what a "fresh database" of each is:

* ``duckdb``, ``sqlite``: a new file in a temporary directory.
* ``postgresql``, ``mysql``: the one test database on the server ``scripts/services.sh`` starts
  (URLs from ``CALLCENTER_TEST_PG_URL`` / ``CALLCENTER_TEST_MYSQL_URL``), emptied: every table in it
  is dropped. So at most one live database per server kind at a time: asking for a new one wipes
  the previous one (the suite runs in one process, never in parallel).
* ``clickhouse``: in-process through chdb, a new database under the session's one chdb path.
  chdb opens ONE data path per process at a time ("EmbeddedServer already initialized with path
  A, cannot connect with different path B"), so every ClickHouse URL of the test session must
  come from these fixtures; never open a chdb engine with a ``path=`` of your own.

Fixtures:

* ``any_engine``: parametrised over the five engines (test ids ``[duckdb]`` … ``[clickhouse]``);
  an engine with the schema freshly created and every table empty. The server and chdb variants
  carry the ``engines`` marker, so ``-m "not engines"`` keeps only DuckDB and SQLite.
* ``new_engine(kind, *, with_schema=True)``: a factory for one more fresh engine of a kind inside a
  test (disposed at the end of the test).
* ``engine_urls``: ``{kind: url}`` of a fresh, empty (no tables) database of every kind.
* ``make_url(kind)``: session-scoped factory of fresh URLs, for module- or session-scoped fixtures.

The same data on all five engines, built once per module::

    @pytest.fixture(scope="module")
    def loaded(make_url):
        engines = {kind: db.make_engine(make_url(kind)) for kind in ENGINES}
        for engine in engines.values():
            db.create_schema(engine)
            db.load_frame(engine, "calls", CALLS)
        return engines

(put such a module's ``any_engine`` tests before its first use of ``loaded``: they would empty the
server databases). For small hand-made data prefer ``any_engine`` plus a loader helper, and assert
the hand-computed values on each engine.

A server that cannot be reached skips its tests with the reason, unless ``CI`` or
``CALLCENTER_REQUIRE_SERVERS`` is set (``scripts/test.sh`` sets the latter): then they fail, so CI
never passes without testing every engine.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from core import db

ENGINES: tuple[str, ...] = ("duckdb", "sqlite", "postgresql", "mysql", "clickhouse")
SERVER_ENGINES: tuple[str, ...] = ("postgresql", "mysql")
PG_URL = os.environ.get(
    "CALLCENTER_TEST_PG_URL", "postgresql+psycopg://callcenter:callcenter@127.0.0.1:5432/callcenter_test"
)
MYSQL_URL = os.environ.get(
    "CALLCENTER_TEST_MYSQL_URL", "mysql+pymysql://callcenter:callcenter@127.0.0.1:3306/callcenter_test"
)
_FALSE = ("", "0", "false", "no", "off")
_counter = itertools.count(1)
_server_problem: dict[str, str | None] = {}  # kind → why it is unreachable (None: reachable)


def servers_required() -> bool:
    """True when a missing server must fail the tests (CI), not skip them."""
    return any(
        os.environ.get(var, "").strip().lower() not in _FALSE for var in ("CALLCENTER_REQUIRE_SERVERS", "CI")
    )


def _require_server(kind: str, url: str) -> None:
    """Skip (locally) or fail (CI) when the server of ``kind`` cannot be reached; asked once per session."""
    if kind not in _server_problem:
        engine = db.make_engine(url)
        try:
            db.ping(engine)
            _server_problem[kind] = None
        except db.DatabaseError as exc:
            _server_problem[kind] = exc.en
        finally:
            engine.dispose()
    problem = _server_problem[kind]
    if problem is None:
        return
    if servers_required():
        pytest.fail(f"{kind} server unreachable, and CI must test every engine: {problem}", pytrace=False)
    pytest.skip(f"{kind} server unreachable (start it with `bash scripts/services.sh`): {problem}")


def _empty_server_database(url: str) -> None:
    """Drop every table of the server's test database (ours and any a test left behind)."""
    engine = db.make_engine(url)
    try:
        names = sa.inspect(engine).get_table_names()
        quote = engine.dialect.identifier_preparer.quote
        with engine.begin() as conn:
            if db.dialect_of(engine) == "mysql":
                conn.execute(sa.text("SET FOREIGN_KEY_CHECKS = 0"))
                for name in names:
                    conn.execute(sa.text(f"DROP TABLE IF EXISTS {quote(name)}"))
            else:
                for name in names:
                    conn.execute(sa.text(f"DROP TABLE IF EXISTS {quote(name)} CASCADE"))
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def chdb_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The one chdb data path of this test process."""
    return tmp_path_factory.mktemp("chdb")


@pytest.fixture(scope="session")
def chdb_admin(chdb_root: Path) -> Iterator[sa.Engine]:
    """An engine on the chdb path's default database, to create and drop the per-test databases."""
    engine = db.make_engine(f"clickhousedb:///?interface=chdb&path={chdb_root}")
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def make_url(
    chdb_root: Path, chdb_admin: sa.Engine, tmp_path_factory: pytest.TempPathFactory
) -> Callable[[str], str]:
    """``make_url(kind)`` → the URL of a fresh, empty database of that kind (no tables)."""

    def make(kind: str) -> str:
        n = next(_counter)
        if kind == "duckdb":
            return f"duckdb:///{tmp_path_factory.mktemp('duckdb')}/t{n}.duckdb"
        if kind == "sqlite":
            return f"sqlite:///{tmp_path_factory.mktemp('sqlite')}/t{n}.sqlite"
        if kind == "clickhouse":
            with chdb_admin.connect() as conn:
                conn.execute(sa.text(f"CREATE DATABASE IF NOT EXISTS t{n}"))
            return f"clickhousedb:///t{n}?interface=chdb&path={chdb_root}"
        if kind in SERVER_ENGINES:
            url = PG_URL if kind == "postgresql" else MYSQL_URL
            _require_server(kind, url)
            _empty_server_database(url)
            return url
        raise ValueError(f"unknown engine kind {kind!r}; one of {', '.join(ENGINES)}")

    return make


@pytest.fixture
def new_engine(make_url: Callable[[str], str]) -> Iterator[Callable[..., sa.Engine]]:
    """``new_engine(kind, *, with_schema=True)`` → an engine on a fresh database, disposed after the test."""
    made: list[sa.Engine] = []

    def new(kind: str, *, with_schema: bool = True) -> sa.Engine:
        engine = db.make_engine(make_url(kind))
        made.append(engine)
        if with_schema:
            db.create_schema(engine)
        return engine

    yield new
    for engine in made:
        engine.dispose()


def _param(kind: str) -> object:
    return pytest.param(kind, marks=pytest.mark.engines, id=kind) if kind not in ("duckdb", "sqlite") else kind


@pytest.fixture(params=[_param(kind) for kind in ENGINES])
def any_engine(request: pytest.FixtureRequest, new_engine: Callable[..., sa.Engine]) -> sa.Engine:
    """An engine of each of the five kinds with the schema freshly created (every table empty)."""
    return new_engine(request.param)


@pytest.fixture
def engine_urls(make_url: Callable[[str], str]) -> dict[str, str]:
    """``{kind: url}``: a fresh, empty database (no tables) of each of the five kinds."""
    return {kind: make_url(kind) for kind in ENGINES}
