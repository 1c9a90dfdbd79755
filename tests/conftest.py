"""Shared fixtures: databases of the five supported engines.

Engines (``ENGINES``) and what a "fresh database" of each is:

* ``duckdb``, ``sqlite``: a new file in a temporary directory.
* ``postgresql``, ``mysql``: this test process's own database on the server ``scripts/services.sh``
  starts (``<db>_p<pid>`` next to the database of ``CALLCENTER_TEST_PG_URL`` /
  ``CALLCENTER_TEST_MYSQL_URL``, created on first use and dropped at the end; see
  :class:`ServerDatabase`), emptied: every table in it is dropped. So there is at most one live
  database per server kind at a time: asking for a new one wipes the previous one.
* ``clickhouse``: in-process through chdb, a new database under the session's one chdb path.
  chdb opens ONE data path per process at a time ("EmbeddedServer already initialized with path
  A, cannot connect with different path B"), so every ClickHouse URL of the test session must
  come from these fixtures; never open a chdb engine with a ``path=`` of your own.

Fixtures:

* ``any_engine``: parametrised over the five engines (test ids ``[duckdb]`` … ``[clickhouse]``);
  an engine with the schema freshly created and every table empty. The server and chdb variants
  carry the ``engines`` marker, so ``-m "not engines"`` keeps only DuckDB and SQLite.
* ``any_kind``: the same five-way parametrisation, giving just the kind (``"duckdb"`` …).
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

from core.infra import db, schema

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


def servers_required() -> bool:
    """True when a missing server must fail the tests (CI), not skip them."""
    return any(
        os.environ.get(var, "").strip().lower() not in _FALSE for var in ("CALLCENTER_REQUIRE_SERVERS", "CI")
    )


class ServerDatabase:
    """This test process's own database on a PostgreSQL or MariaDB server.

    Several test runs may share one server (two terminals, two engineers), so each process creates
    ``<test database>_p<pid>`` next to the configured one and drops it at the end (and drops those of
    processes that no longer exist). A role that may not create it (MariaDB needs
    ``GRANT ALL ON `callcenter\\_test%`.*``) falls back to the configured database itself, held
    under a server lock for the whole run so that concurrent runs wait for each other instead of
    dropping each other's tables.
    """

    def __init__(self, kind: str, base_url: str) -> None:
        self.kind = kind
        self.base = sa.make_url(base_url)
        self.url: str | None = None
        self.problem: str | None = None  # why the server cannot be used
        self._created: str | None = None
        self._lock: sa.Connection | None = None
        self._admin: sa.Engine | None = None

    def fresh_url(self) -> str:
        """The URL of this process's database with every table dropped; skip or fail if unreachable."""
        if self.url is None and self.problem is None:
            self._open()
        if self.problem is not None:
            if servers_required():
                pytest.fail(
                    f"{self.kind} server unreachable, and CI must test every engine: {self.problem}",
                    pytrace=False,
                )
            pytest.skip(
                f"{self.kind} server unreachable (start it with `bash scripts/services.sh`): {self.problem}"
            )
        assert self.url is not None
        _drop_all_tables(self.url)
        return self.url

    def url_with_empty_schema(self) -> str:
        """The URL of this process's database holding exactly the schema, every table empty.

        Emptying the tables is much faster than creating them again (MariaDB's DDL is slow), so that
        is done when the database still holds exactly the schema's tables, columns and indexes; a
        database a test changed is rebuilt.
        """
        if self.url is not None and _empty_if_pristine(self.url):
            return self.url
        url = self.fresh_url()
        engine = db.make_engine(url)
        try:
            db.create_schema(engine)
        finally:
            engine.dispose()
        return url

    def _open(self) -> None:
        admin = db.make_engine(self.base.render_as_string(hide_password=False))
        try:
            db.ping(admin)
        except db.DatabaseError as exc:
            self.problem = exc.en
            admin.dispose()
            return
        self._admin = admin
        name = f"{self.base.database}_p{os.getpid()}"
        try:
            with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                self._drop_stale(conn)
                conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name}"))
                if self.kind == "postgresql":
                    conn.execute(sa.text(f"CREATE DATABASE {name} ENCODING 'UTF8' TEMPLATE template0"))
                else:
                    conn.execute(sa.text(f"CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"))
            self._created = name
            self.url = self.base.set(database=name).render_as_string(hide_password=False)
        except sa.exc.DBAPIError:
            # No right to create databases: use the configured one, one test run at a time.
            self._lock = admin.connect()
            lock_sql = {
                "postgresql": "SELECT pg_advisory_lock(72120250)",
                "mysql": "SELECT GET_LOCK('callcenter_test_run', 3600)",
            }[self.kind]
            self._lock.execute(sa.text(lock_sql))
            self.url = self.base.render_as_string(hide_password=False)

    def _drop_stale(self, conn: sa.Connection) -> None:
        """Drop the databases of earlier test processes on this machine that are gone."""
        if self.base.host not in ("127.0.0.1", "localhost", "::1", None):
            return
        prefix = f"{self.base.database}_p"
        if self.kind == "postgresql":
            names = conn.execute(sa.text("SELECT datname FROM pg_database")).scalars().all()
        else:
            names = conn.execute(sa.text("SHOW DATABASES")).scalars().all()
        for name in names:
            pid = str(name).removeprefix(prefix)
            if str(name).startswith(prefix) and pid.isdigit() and not _alive(int(pid)):
                conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name}"))

    def close(self) -> None:
        """Drop this process's database (or release the lock)."""
        if self._admin is None:
            return
        if self._created is not None:
            force = " WITH (FORCE)" if self.kind == "postgresql" else ""
            with self._admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(sa.text(f"DROP DATABASE IF EXISTS {self._created}{force}"))
        if self._lock is not None:
            self._lock.close()
        self._admin.dispose()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _empty_if_pristine(url: str) -> bool:
    """Delete every row if the database holds exactly the schema (tables, columns, indexes); say if it did."""
    engine = db.make_engine(url)
    try:
        inspector = sa.inspect(engine)
        if {n.lower() for n in inspector.get_table_names()} != set(schema.TABLE_NAMES):
            return False
        for table in schema.TABLES:
            if table.indexes and {i["name"] for i in inspector.get_indexes(table.name)} != {
                i.name for i in table.indexes
            }:
                return False
        quote = engine.dialect.identifier_preparer.quote
        with engine.begin() as conn:
            for table in schema.TABLES:
                result = conn.execute(sa.text(f"SELECT * FROM {quote(table.name)} WHERE 1 = 0"))
                names = list(result.keys())
                result.close()
                if names != [c.name for c in table.columns]:
                    return False
            for table in schema.TABLES:
                conn.execute(table.delete())
        return True
    finally:
        engine.dispose()


def _drop_all_tables(url: str) -> None:
    """Drop every table of a server database (ours and any a test left behind)."""
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
def server_databases() -> Iterator[dict[str, ServerDatabase]]:
    """This process's PostgreSQL and MariaDB test databases (created on first use, dropped at the end)."""
    servers = {
        "postgresql": ServerDatabase("postgresql", PG_URL),
        "mysql": ServerDatabase("mysql", MYSQL_URL),
    }
    yield servers
    for server in servers.values():
        server.close()


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
    chdb_root: Path,
    chdb_admin: sa.Engine,
    server_databases: dict[str, ServerDatabase],
    tmp_path_factory: pytest.TempPathFactory,
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
            return server_databases[kind].fresh_url()
        raise ValueError(f"unknown engine kind {kind!r}; one of {', '.join(ENGINES)}")

    return make


@pytest.fixture
def new_engine(
    make_url: Callable[[str], str], server_databases: dict[str, ServerDatabase]
) -> Iterator[Callable[..., sa.Engine]]:
    """``new_engine(kind, *, with_schema=True)`` → an engine on a fresh database, disposed after the test."""
    made: list[sa.Engine] = []

    def new(kind: str, *, with_schema: bool = True) -> sa.Engine:
        if with_schema and kind in SERVER_ENGINES:
            engine = db.make_engine(server_databases[kind].url_with_empty_schema())
            made.append(engine)
            return engine
        engine = db.make_engine(make_url(kind))
        made.append(engine)
        if with_schema:
            db.create_schema(engine)
        return engine

    yield new
    for engine in made:
        engine.dispose()


def _param(kind: str) -> object:
    return (
        pytest.param(kind, marks=pytest.mark.engines, id=kind) if kind not in ("duckdb", "sqlite") else kind
    )


@pytest.fixture(params=[_param(kind) for kind in ENGINES])
def any_kind(request: pytest.FixtureRequest) -> str:
    """Each of the five engine kinds in turn (for tests that make their own databases with new_engine)."""
    return str(request.param)


@pytest.fixture
def any_engine(any_kind: str, new_engine: Callable[..., sa.Engine]) -> sa.Engine:
    """An engine of each of the five kinds with the schema freshly created (every table empty)."""
    return new_engine(any_kind)


@pytest.fixture
def engine_urls(make_url: Callable[[str], str]) -> dict[str, str]:
    """``{kind: url}``: a fresh, empty database (no tables) of each of the five kinds."""
    return {kind: make_url(kind) for kind in ENGINES}
