"""The test data of every suite, in one place: registered as a pytest plugin by tests/conftest.py.

Core, ingest, page (AppTest), engine and browser (Chromium) tests take their databases, demo
companies, Streamlit set-up and servers from here, so the same data is built once per session and
means the same thing everywhere. Sections:

* Engines: a fresh database of each of the five engines (below).
* Tiny hand-made databases: :func:`frame_for` (rows typed by the schema), :func:`load_tables`
  (schema + rows on any engine), :func:`call_row` (one ``calls`` row), and ``tiny_db`` (a factory
  run on DuckDB and SQLite, and on each of the five engines with its rollups).
* Demo databases: the real generator (:func:`core.demo.company.build_demo`) run once per (end, scale) and
  session (:class:`DemoBuilds`). ``demo_company`` (default scale, end 2026-10-31, report year
  2025: core tests, opened in place); ``demo_db`` (2 %, end 2025-06-30: page tests, one session
  copy), ``demo_copy`` (a private copy for a test that writes), ``idle_team_db`` (that demo plus
  an idle team), ``demo_url`` (a module's copy for its streamlit servers); other ends and scales
  through ``demo_builds.copy(dest, end, scale)``.
* Streamlit in-process: ``clean_streamlit`` (caches emptied, AppTest reruns app.py; autouse in
  tests/pages), ``use_db``, ``empty_db``, ``no_tables_db``, ``default_db_path``.
* Browser: ``server`` (``streamlit run app.py`` on ``demo_url``), ``browser_page`` (Debian's
  Chromium), :func:`wait_for_run`, :func:`wait_for_query`, :data:`SCREENSHOTS`, :data:`TIMEOUT_MS`.

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
server databases). For small hand-made data prefer ``any_engine`` plus :func:`load_tables`, and
assert the hand-computed values on each engine.

A server that cannot be reached skips its tests with the reason, unless ``CI`` or
``CALLCENTER_REQUIRE_SERVERS`` is set (``scripts/test.sh`` sets the latter): then they fail, so CI
never passes without testing every engine.
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import sqlalchemy as sa

from core.demo import company as demo
from core.infra import db, schema
from core.rollup import build as rollup_build
from core.semantic import rollup

# ============================================================================================
# Engines
# ============================================================================================

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
        # PostgreSQL's change counter of the calls (db.CALLS_COUNTER) is part of its schema.
        if {n.lower() for n in inspector.get_table_names()} - {db.CALLS_COUNTER} != set(schema.TABLE_NAMES):
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


# ============================================================================================
# Tiny hand-made databases
# ============================================================================================

_POLARS_TYPES: dict[type, Any] = {
    sa.Integer: pl.Int64,
    sa.Double: pl.Float64,
    sa.Float: pl.Float64,
    sa.Boolean: pl.Boolean,
    sa.DateTime: pl.Datetime("us"),
    sa.Date: pl.Date,
    sa.String: pl.String,
    sa.Text: pl.String,
}


def polars_type(column: sa.Column[Any]) -> Any:
    """The polars type a column of :mod:`core.infra.schema` is loaded as."""
    for sa_type, pl_type in _POLARS_TYPES.items():
        if isinstance(column.type, sa_type):
            return pl_type
    raise TypeError(f"no polars type for {column}")  # pragma: no cover


def frame_for(table: str, rows: list[dict[str, Any]]) -> pl.DataFrame:
    """Rows as a frame with every column of ``table`` typed as the schema says (missing keys: null)."""
    tbl = schema.metadata.tables[table]
    unknown = {k for r in rows for k in r} - set(tbl.columns.keys())
    assert not unknown, f"{table}: unknown columns {unknown}"
    return pl.DataFrame(
        [{c.name: r.get(c.name) for c in tbl.columns} for r in rows],
        schema={c.name: polars_type(c) for c in tbl.columns},
        orient="row",
    )


Rows = list[dict[str, Any]] | pl.DataFrame


def load_tables(engine: sa.Engine, tables: Mapping[str, Rows], *, indexes: bool = True) -> sa.Engine:
    """Create the schema on ``engine`` and load each table's rows (dicts, typed by :func:`frame_for`, or a frame).

    Empty tables are skipped. ``indexes=False`` creates the tables only (a few rows need no index,
    and it is about 4× faster). Returns ``engine``.
    """
    db.create_schema(engine, indexes=indexes)
    for name, rows in tables.items():
        frame = rows if isinstance(rows, pl.DataFrame) else frame_for(name, rows)
        if frame.height:
            db.load_frame(engine, name, frame)
    return engine


def call_row(
    call_id: str,
    started_at: datetime,
    *,
    direction: str = "out",
    disposition: str = "answered",
    agent: str | None = "A1",
    campaign: str | None = "C1",
    ring: int = 0,
    talk: int = 0,
    wrap: int = 0,
    two_way: bool | None = None,
    robot: bool = False,
    **columns: Any,
) -> dict[str, Any]:
    """One row of ``calls``; ``two_way_voice`` defaults to "answered"; other columns as keywords."""
    return {
        "call_id": call_id,
        "direction": direction,
        "started_at": started_at,
        "ring_seconds": ring,
        "talk_seconds": talk,
        "wrap_seconds": wrap,
        "two_way_voice": disposition == "answered" if two_way is None else two_way,
        "disposition": disposition,
        "agent_id": agent,
        "campaign_id": campaign,
        "robot": robot,
        "recorded": True,
        **columns,
    }


MakeDb = Callable[[Mapping[str, Rows]], sa.Engine]
#: ``tiny_db``'s runs: DuckDB and SQLite reading the calls, and each of the five engines with its
#: rollups built (core/semantic/rollup.py); the server and chdb ones carry the ``engines`` marker.
TINY_KINDS: tuple[str, ...] = (
    "duckdb",
    "sqlite",
    "duckdb-rollup",
    "sqlite-rollup",
    "postgresql-rollup",
    "mysql-rollup",
    "clickhouse-rollup",
)


def _tiny_param(kind: str) -> object:
    engine = kind.split("-")[0]
    return (
        pytest.param(kind, marks=pytest.mark.engines, id=kind) if engine not in ("duckdb", "sqlite") else kind
    )


@pytest.fixture(params=[_tiny_param(kind) for kind in TINY_KINDS])
def tiny_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[MakeDb]:
    """``tiny_db({table: rows})`` → an engine on a fresh database with the schema and those rows.

    Runs the test once per kind of :data:`TINY_KINDS`: the same expectations must hold with the
    rollups in use, on every engine. DuckDB and SQLite: a new file per call; PostgreSQL and MariaDB:
    this process's database, emptied (so a test's earlier engine of that kind is emptied too);
    ClickHouse: a new chdb database per call.
    """
    engines: list[sa.Engine] = []
    kind = request.param.split("-")[0]
    make_url = request.getfixturevalue("make_url") if kind not in ("duckdb", "sqlite") else None

    def make(tables: Mapping[str, Rows]) -> sa.Engine:
        n = next(_counter)
        url = f"{kind}:///{tmp_path / f'tiny{n}.{kind}'}" if make_url is None else make_url(kind)
        engine = load_tables(db.make_engine(url), tables, indexes=False)
        if request.param.endswith("-rollup"):
            rollup_build.refresh(engine)
            with engine.connect() as conn:
                assert rollup.current(conn)
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        engine.dispose()


# ============================================================================================
# Demo databases
# ============================================================================================

#: The default demo's last day, fixed so that expectations do not move with today's date.
DEMO_END = date(2026, 10, 31)
DEMO_Y = 2025  # the last complete calendar year in range for DEMO_END (the report year)
#: The small demo of the page and browser tests: 2 % volume ending 2025-06-30 (report year 2024).
SMALL_DEMO_END = date(2025, 6, 30)
SMALL_SCALE = 0.02


@dataclass
class DemoDb:
    """A demo database on disk: its URL, the rows :func:`core.demo.company.build_demo` wrote, its last day."""

    url: str
    counts: dict[str, int]
    end: date
    idle_team: str = "空闲测试组"  # a team with no calls (only in the idle_team_db copy)

    @cached_property
    def engine(self) -> sa.Engine:
        """An engine on the database, opened on first use and kept for the session."""
        return db.make_engine(self.url)

    @property
    def path(self) -> Path:
        return Path(self.url.removeprefix("duckdb:///"))


class DemoBuilds:
    """The demo built once per (end, scale) and test session, into a file no test opens.

    Tests get a copy (:meth:`copy`: cheap at small scales, and the only safe way to share with a
    streamlit server, since DuckDB lets one process at a time open a file) or, for the default
    scale, which only the core tests read, the build itself (:meth:`open`). A build that was
    opened is never copied, so every copy is the pristine demo.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.built: dict[tuple[date, float], DemoDb] = {}
        self.opened: set[tuple[date, float]] = set()

    def _build(self, end: date, scale: float) -> DemoDb:
        key = (end, scale)
        if key not in self.built:
            path = self.root / f"demo-{end.isoformat()}-{scale:g}.duckdb"
            engine = db.make_engine(f"duckdb:///{path}")
            try:
                counts = demo.build_demo(engine, end=end, scale=scale)
            finally:
                engine.dispose()
            self.built[key] = DemoDb(f"duckdb:///{path}", {str(k): int(v) for k, v in counts.items()}, end)
        return self.built[key]

    def open(self, end: date = DEMO_END, scale: float = 1.0) -> DemoDb:
        """The build itself (read by the caller in place; never copied afterwards)."""
        self.opened.add((end, scale))
        return self._build(end, scale)

    def copy(self, dest: Path, end: date = SMALL_DEMO_END, scale: float = SMALL_SCALE) -> DemoDb:
        """A private copy of the pristine build, at ``dest`` (a file path)."""
        assert (end, scale) not in self.opened, f"the demo {end} × {scale} was opened in place"
        source = self._build(end, scale)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(source.path, dest)
        return DemoDb(f"duckdb:///{dest}", dict(source.counts), end)


@pytest.fixture(scope="session")
def demo_builds(tmp_path_factory: pytest.TempPathFactory) -> DemoBuilds:
    """The session's demo builds (see :class:`DemoBuilds`)."""
    return DemoBuilds(tmp_path_factory.mktemp("demo_builds"))


@pytest.fixture(scope="session")
def demo_company(demo_builds: DemoBuilds) -> DemoDb:
    """The demo company at the default scale, end 2026-10-31, in a DuckDB file (core tests; about a minute)."""
    return demo_builds.open(DEMO_END, 1.0)


@pytest.fixture(scope="session")
def demo_db(demo_builds: DemoBuilds, tmp_path_factory: pytest.TempPathFactory) -> DemoDb:
    """The small demo (2 %, end 2025-06-30) for the page tests: one copy for the session."""
    return demo_builds.copy(tmp_path_factory.mktemp("demo") / "demo.duckdb")


@pytest.fixture
def demo_copy(demo_builds: DemoBuilds, tmp_path: Path) -> str:
    """A private copy of the small demo for one test that writes to it; returns its URL."""
    return demo_builds.copy(tmp_path / "demo-copy.duckdb").url


@pytest.fixture(scope="session")
def idle_team_db(demo_builds: DemoBuilds, tmp_path_factory: pytest.TempPathFactory) -> DemoDb:
    """A copy of the small demo plus one agent in a team of its own who never called or logged in."""
    demo_idle = demo_builds.copy(tmp_path_factory.mktemp("idle") / "idle.duckdb")
    engine = db.make_engine(demo_idle.url)
    try:
        db.load_frame(
            engine,
            "agents",
            pl.DataFrame(
                {
                    "agent_id": ["AX-IDLE"],
                    "team": [demo_idle.idle_team],
                    "site_id": ["S1"],
                    "employment": ["staff"],
                    "hired_on": [date(2025, 1, 1)],
                }
            ),
        )
    finally:
        engine.dispose()
    return demo_idle


# ============================================================================================
# Streamlit in-process (AppTest)
# ============================================================================================

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def clean_streamlit(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[None]:
    """Empty Streamlit's caches around the test, and make AppTest rerun app.py like a server does.

    AppTest resets ``PagesManager.uses_pages_directory`` before every run (streamlit PR #14217),
    so with a ``pages/`` folder every *rerun* takes the legacy multipage path and never executes
    app.py. A real server clears the flag for good on the first ``st.navigation`` call; we do the
    same right after the page manager is built. tests/pages uses this for every test.
    """
    import streamlit as st
    from streamlit.runtime.pages_manager import PagesManager

    from ui import glue

    original_init = PagesManager.__init__

    def init(self: PagesManager, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)
    # Tests choose their database explicitly; a developer's secrets.toml must not leak in.
    monkeypatch.setattr(db, "SECRETS_FILE", ROOT / ".streamlit" / "no-such-secrets-for-tests.toml")
    # Nor a rules override stored by the Settings page in data/ (tests that need one set their own).
    monkeypatch.setattr(glue, "RULES_OVERRIDE", tmp_path_factory.getbasetemp() / "no-rules-override.toml")
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture
def use_db(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    """Point the app at a database URL through CALLCENTER_DB_URL."""

    def use(url: str) -> None:
        monkeypatch.setenv(db.ENV_VAR, url)

    return use


@pytest.fixture
def empty_db(tmp_path: Path) -> str:
    """A DuckDB with every table of the schema and no rows."""
    url = f"duckdb:///{tmp_path / 'empty.duckdb'}"
    load_tables(db.make_engine(url), {}).dispose()
    return url


@pytest.fixture
def no_tables_db(tmp_path: Path) -> str:
    """A DuckDB that exists but holds only an unrelated table (a wrongly configured database)."""
    import duckdb

    path = tmp_path / "other.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE unrelated (x INTEGER)")
    con.close()
    return f"duckdb:///{path}"


@pytest.fixture
def default_db_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Make a temp file the embedded default database (no CALLCENTER_DB_URL, no secrets)."""
    path = tmp_path / "data" / "callcenter.duckdb"
    monkeypatch.delenv(db.ENV_VAR, raising=False)
    monkeypatch.setattr(db, "DEFAULT_DB_PATH", path)
    monkeypatch.setattr(db, "DEFAULT_URL", f"duckdb:///{path}")
    return path


# ============================================================================================
# Browser tests: a streamlit server and Debian's Chromium
# ============================================================================================

SCREENSHOTS = ROOT / "artifacts" / "screenshots"
TIMEOUT_MS = 60_000


@pytest.fixture(scope="module")
def demo_url(demo_builds: DemoBuilds, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A copy of the small demo (2 %, end 2025-06-30) for one module's streamlit servers.

    A module whose pages need another demo overrides this fixture (tests/e2e/test_pages_b_browser.py).
    """
    return demo_builds.copy(tmp_path_factory.mktemp("e2e") / "demo.duckdb").url


@pytest.fixture
def server(demo_url: str, tmp_path: Path) -> Iterator[str]:
    """A fresh ``streamlit run app.py`` on a free port, on ``demo_url``; yields its base URL."""
    from bench.pages_bench import streamlit_server

    with streamlit_server(demo_url, tmp_path / "streamlit.log") as base:
        yield base


@pytest.fixture
def browser_page() -> Iterator[Any]:
    """A page of Debian's Chromium at 1440×900, zh-CN (never a downloaded browser)."""
    from bench.pages_bench import CHROMIUM, chromium_page

    if not CHROMIUM.exists():
        pytest.skip(
            "Debian's Chromium is not installed at /usr/bin/chromium (scripts/services.sh installs it)"
        )
    with chromium_page("zh") as page:
        yield page


def wait_for_run(page: Any) -> None:
    """Wait until the script run has finished (the attribute Streamlit's own e2e suite waits on)."""
    from playwright.sync_api import expect

    expect(page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]')).to_be_attached(
        timeout=TIMEOUT_MS
    )


def wait_for_query(page: Any, pair: str) -> None:
    """Wait until the address bar's query string holds ``pair``.

    Read from ``location.search``: Streamlit rewrites the URL with ``history.replaceState``,
    which Playwright's ``page.url`` does not always follow.
    """
    page.wait_for_function(
        "pair => new URLSearchParams(location.search).toString().split('&').includes(pair)",
        arg=pair,
        timeout=TIMEOUT_MS,
    )
