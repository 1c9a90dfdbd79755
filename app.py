"""Router of the Streamlit app: page setup, language switch, shared sidebar, navigation.

Run with ``streamlit run app.py``. The database URL comes from ``CALLCENTER_DB_URL``, else
``.streamlit/secrets.toml`` ``[connections.callcenter] url``, else the embedded DuckDB file
``data/callcenter.duckdb`` (built with the demo company on first start).
"""

from __future__ import annotations

import streamlit as st

from core.infra.i18n import t
from ui import errors, filters, shell

#: The pages, in menu order: (file, title key, icon, url path). The first is the default page: the
#: regulatory dashboard (the report year at a glance); the overview's monthly cards come second.
PAGES: tuple[tuple[str, str, str, str], ...] = (
    ("pages/regulatory.py", "page.regulatory", ":material/assured_workload:", "regulatory"),
    ("pages/home.py", "page.home", ":material/dashboard:", "home"),
    ("pages/today.py", "page.today", ":material/monitor_heart:", "today"),
    ("pages/touch.py", "page.touch", ":material/call_made:", "touch"),
    ("pages/capacity.py", "page.capacity", ":material/groups:", "capacity"),
    ("pages/risk.py", "page.risk", ":material/grid_on:", "risk"),
    ("pages/asset_pack.py", "page.asset_pack", ":material/workspace_premium:", "asset_pack"),
    ("pages/data_quality.py", "page.data_quality", ":material/fact_check:", "data_quality"),
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
