"""The page tests (AppTest) run with Streamlit's caches emptied around each test.

Their databases and helpers (``demo_db``, ``idle_team_db``, ``demo_copy``, ``empty_db``,
``no_tables_db``, ``use_db``, ``default_db_path``) are the shared ones of tests/fixtures.py.
"""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _fresh_streamlit(clean_streamlit: None) -> None:
    """Every page test starts and ends with empty caches (tests/fixtures.py: ``clean_streamlit``)."""
