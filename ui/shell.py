"""The app shell every page shares: page setup, the database check, the sidebar, the context.

``app.py`` builds one :class:`PageContext` per run (language, database URL and version, the
sidebar's selection, or the database problem) and activates it while the chosen page runs. A page
asks :func:`page_context` for it; when the page is opened on its own (``streamlit run
pages/home.py`` or ``AppTest.from_file("pages/home.py")``) there is no router, so the page builds
the same context itself, sidebar included.

A page of issue 5 slots in by adding one line to ``app.PAGES`` and following the pattern of
``pages/home.py``::

    ctx = shell.page_context()
    shell.page_header("page.touch", ctx)
    with errors.guard(ctx.lang, ctx.url):
        if shell.show_problem(ctx):
            st.stop()
        data = glue.load_touch(ctx.url, ctx.version, ctx.selection.start, ctx.selection.end,
                               ctx.selection.filters)
        …render data…
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, timedelta

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from core.infra import db
from core.infra.i18n import t
from core.pagedata.home import month_bounds
from ui import errors, filters, glue

logger = logging.getLogger(__name__)

PAGE_ICON = ":material/support_agent:"

#: Print styles (browser "print to PDF"): only the page itself, on landscape A4. The sidebar,
#: Streamlit's header and toolbar, download buttons and chart toolbars are screen controls; charts,
#: cards and table rows are not split across two sheets, and colours print as on screen.
PRINT_CSS = """<style>
@media print {
  @page { size: A4 landscape; margin: 10mm; }
  html, body { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  [data-testid="stSidebar"], [data-testid="stHeader"], [data-testid="stToolbar"],
  [data-testid="stExpandSidebarButton"], [data-testid="stSidebarCollapseButton"],
  [data-testid="stStatusWidget"], [data-testid="stDownloadButton"], [data-testid="stElementToolbar"],
  .modebar-container { display: none !important; }
  [data-testid="stMainBlockContainer"] { padding: 0 !important; max-width: 100% !important; }
  /* Elements keep the pixel widths they were drawn with on screen (charts, grids); drawn at 75 %
     they fit a landscape sheet from screens up to 1920 px wide. Columns stack, as Streamlit prints them. */
  [data-testid="stMain"] { zoom: 0.75; }
  [data-testid="stPlotlyChart"], [data-testid="stMetric"], [data-testid="stTable"] tr,
  [data-testid="stAlert"], [data-testid="stVerticalBlockBorderWrapper"] {
    break-inside: avoid; page-break-inside: avoid;
  }
  h1, h2, h3 { break-after: avoid; page-break-after: avoid; }
}
</style>"""


@dataclass(frozen=True)
class PageContext:
    """What every page needs before it draws anything."""

    lang: str
    url: str
    selection: filters.Selection
    version: str | None = None  # data version (None when the database cannot be read)
    latest_call: date | None = None  # day of the latest call (None: no calls, or no database)
    error: Exception | None = None  # why the database cannot be used, shown in place by pages

    @property
    def ok(self) -> bool:
        """Whether the database is usable."""
        return self.error is None


_CURRENT: ContextVar[PageContext | None] = ContextVar("callcenter_page_context", default=None)


def configure(lang: str | None = None) -> str:
    """Page config (wide, titled, icon) and the language switch; returns the language."""
    lang = lang or filters.language()
    st.set_page_config(
        page_title=t("app.title", lang), page_icon=PAGE_ICON, layout="wide", initial_sidebar_state="expanded"
    )
    st.html(PRINT_CSS)  # style only: Streamlit adds it to the page without taking any space
    return filters.render_language_switch(lang)


def _fallback_period(today: date) -> tuple[date, date]:
    return month_bounds(month_bounds(today)[0] - timedelta(days=1))


def prepare(lang: str) -> PageContext:
    """Check (and on first start build) the database, then draw the sidebar filters.

    Never raises: a database problem is kept in :attr:`PageContext.error` for the page to show
    in place, and the sidebar is still drawn (with empty choices) so the layout stays put.
    """
    url = glue.database_url()
    version: str | None = None
    latest: date | None = None
    options = None
    default = _fallback_period(date.today())
    error: Exception | None = None
    try:
        glue.ensure_database(url, lang)
        problems = glue.schema_problems(url)
        if problems:
            raise db.schema_error(problems)
        version = glue.data_version(url)
        options = glue.load_filter_options(url, version)
        default = glue.load_default_period(url, version, date.today())
        latest = glue.load_latest_call_day(url, version)
    except Exception as exc:
        if errors.as_database_error(exc, url) is None:
            logger.error("preparing the page context failed", exc_info=exc)
        error = exc
    try:
        selection = filters.render_sidebar(options, default, lang, default_from_data=latest is not None)
    except Exception as exc:
        logger.error("drawing the sidebar failed", exc_info=exc)
        selection = filters.Selection(*default)
        error = error or exc
    return PageContext(
        lang=lang, url=url, selection=selection, version=version, latest_call=latest, error=error
    )


def leave_legacy_multipage_mode() -> None:
    """Rerun at once if Streamlit runs this script in its legacy ``pages/``-folder mode.

    A fresh server starts in the legacy multipage mode because a ``pages/`` folder exists, and
    stays there until ``st.navigation`` is first called. In that mode (a) widgets of the first run
    get other IDs than in every later run, so the first click after a server start is lost, and
    (b) a deep link such as ``/settings`` runs ``pages/settings.py`` without ``app.py``, with the
    file names as the menu. We use ``st.navigation`` only: switch the mode off and rerun, so that
    ``app.py`` routes every request. (``PagesManager.uses_pages_directory`` is the flag Streamlit
    itself clears in ``st.navigation``.)
    """
    if PagesManager.uses_pages_directory is True:
        PagesManager.uses_pages_directory = False
        st.rerun()


@contextmanager
def active(ctx: PageContext) -> Iterator[PageContext]:
    """Make ``ctx`` the context :func:`page_context` returns while a page runs, with the database
    held open for the run (:func:`core.infra.db.held_open`: DuckDB then opens its file once per run, not
    once per query; it is closed when the run ends, so nothing holds it between runs)."""
    with ExitStack() as stack:
        if ctx.error is None:
            try:
                stack.enter_context(db.held_open(glue.get_engine(ctx.url)))
            except Exception as exc:  # noqa: BLE001 - the page's own queries will show the problem
                logger.info("the database could not be held open for this run: %s", exc)
        token = _CURRENT.set(ctx)
        try:
            yield ctx
        finally:
            _CURRENT.reset(token)


def page_context() -> PageContext:
    """The router's context, or (page opened on its own) a fresh one with its own sidebar."""
    ctx = _CURRENT.get()
    if ctx is not None:
        return ctx
    leave_legacy_multipage_mode()  # a deep link on a fresh server: let app.py route it
    lang = configure()
    ctx = prepare(lang)
    filters.sync_query_params(ctx.selection, lang)
    return ctx


def page_header(title_key: str, ctx: PageContext) -> None:
    """Browser-tab title and the page heading, in the current language."""
    title = t(title_key, ctx.lang)
    st.set_page_config(page_title=t("page.title", ctx.lang, page=title))
    st.title(title)


def show_problem(ctx: PageContext) -> bool:
    """Show the database problem in place (if any); return whether there was one."""
    if ctx.error is None:
        return False
    errors.render_error(ctx.error, ctx.lang, ctx.url)
    return True
