"""Fixtures for the app-shell tests: small databases, clean Streamlit caches, the database in use."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from core.infra import db
from ui import glue

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class DemoDb:
    """A small demo database on disk."""

    url: str
    counts: dict[str, int]
    end: date  # last day of the demo, so the last complete month is fixed
    idle_team: str = "空闲测试组"  # a team with no calls (only in the idle_team_db copy)


def build_small_demo(path: Path, end: date = date(2025, 6, 30)) -> DemoDb:
    """The real demo generator at a small scale (about 47,000 calls), ending on ``end``."""
    from core.demo.company import build_demo

    url = f"duckdb:///{path}"
    engine = db.make_engine(url)
    try:
        counts = build_demo(engine, end=end, scale=0.02)
    finally:
        engine.dispose()
    return DemoDb(url=url, counts={str(k): int(v) for k, v in counts.items()}, end=end)


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> DemoDb:
    """One small demo DuckDB for the whole session (built once, read only by the tests)."""
    return build_small_demo(tmp_path_factory.mktemp("demo") / "demo.duckdb")


@pytest.fixture(scope="session")
def idle_team_db(demo_db: DemoDb, tmp_path_factory: pytest.TempPathFactory) -> DemoDb:
    """A copy of the demo plus one agent in a team of its own who never called or logged in."""
    path = tmp_path_factory.mktemp("idle") / "idle.duckdb"
    shutil.copy(demo_db.url.removeprefix("duckdb:///"), path)
    url = f"duckdb:///{path}"
    engine = db.make_engine(url)
    try:
        db.load_frame(
            engine,
            "agents",
            pl.DataFrame(
                {
                    "agent_id": ["AX-IDLE"],
                    "team": [demo_db.idle_team],
                    "site_id": ["S1"],
                    "employment": ["staff"],
                    "hired_on": [date(2025, 1, 1)],
                }
            ),
        )
    finally:
        engine.dispose()
    return DemoDb(url=url, counts=demo_db.counts, end=demo_db.end)


@pytest.fixture
def empty_db(tmp_path: Path) -> str:
    """A DuckDB with every table of the schema and no rows."""
    url = f"duckdb:///{tmp_path / 'empty.duckdb'}"
    engine = db.make_engine(url)
    db.create_schema(engine)
    engine.dispose()
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


@pytest.fixture(autouse=True)
def clean_streamlit(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[None]:
    """Empty Streamlit's caches around each test, and make AppTest rerun app.py like a server does.

    AppTest resets ``PagesManager.uses_pages_directory`` before every run (streamlit PR #14217),
    so with a ``pages/`` folder every *rerun* takes the legacy multipage path and never executes
    app.py. A real server clears the flag for good on the first ``st.navigation`` call; we do the
    same right after the page manager is built.
    """
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
def default_db_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Make a temp file the embedded default database (no CALLCENTER_DB_URL, no secrets)."""
    path = tmp_path / "data" / "callcenter.duckdb"
    monkeypatch.delenv(db.ENV_VAR, raising=False)
    monkeypatch.setattr(db, "DEFAULT_DB_PATH", path)
    monkeypatch.setattr(db, "DEFAULT_URL", f"duckdb:///{path}")
    return path
