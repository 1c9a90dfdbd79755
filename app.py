"""Router of the Streamlit app: page setup, language switch, shared sidebar, navigation.

Run with ``streamlit run app.py``. The database URL comes from ``CALLCENTER_DB_URL``, else
``.streamlit/secrets.toml`` ``[connections.callcenter] url``, else the embedded DuckDB file
``data/callcenter.duckdb`` (built with the demo company on first start).
"""

from __future__ import annotations

import streamlit as st

from core.i18n import t
from ui import errors, filters, shell

#: The pages, in menu order: (file, title key, icon, url path). Issue 5's pages add lines here.
PAGES: tuple[tuple[str, str, str, str], ...] = (
    ("pages/home.py", "page.home", ":material/dashboard:", "home"),
    ("pages/touch.py", "page.touch", ":material/call_made:", "touch"),
    ("pages/capacity.py", "page.capacity", ":material/groups:", "capacity"),
    ("pages/risk.py", "page.risk", ":material/grid_on:", "risk"),
    ("pages/settings.py", "page.settings", ":material/settings:", "settings"),
)

shell.leave_legacy_multipage_mode()
lang = shell.configure()
# Navigation first: the menu is right even while the first start builds the demo in prepare().
page = st.navigation(
    [
        st.Page(path, title=t(title_key, lang), icon=icon, url_path=url_path, default=(i == 0))
        for i, (path, title_key, icon, url_path) in enumerate(PAGES)
    ]
)
ctx = shell.prepare(lang)
filters.sync_query_params(ctx.selection, lang)
with shell.active(ctx), errors.guard(lang, ctx.url):
    page.run()
