"""Errors shown in place, in the current language, with what to do; never a traceback.

:func:`render_error` turns any exception into one ``st.error`` box. :func:`guard` wraps a block
so that nothing it raises reaches Streamlit's traceback display (``st.stop`` and reruns are
``BaseException`` in Streamlit and pass through untouched).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError

from core.infra import db
from core.infra.i18n import t
from core.infra.rules import RulesError
from ui.glue import display_url

logger = logging.getLogger(__name__)


def as_database_error(exc: BaseException, url: str | None = None) -> db.DatabaseError | None:
    """The plain-words form of a database failure, or None if ``exc`` is not about the database."""
    if isinstance(exc, db.DatabaseError):
        return exc
    if isinstance(exc, OperationalError | InterfaceError):
        return db.connect_error(exc, url or "")  # type: ignore[arg-type]
    if isinstance(exc, SQLAlchemyError):
        # Keep only the driver's first line: the rest is the SQL and its parameters.
        detail = _first_line(getattr(exc, "orig", None) or exc)
        safe = display_url(url) if url else "?"
        return db.DatabaseError(
            t("error.query", "zh", url=safe, detail=detail), t("error.query", "en", url=safe, detail=detail)
        )
    return None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    line = text.splitlines()[0] if text else type(exc).__name__
    return line[:200]


def _masked(text: str, url: str | None) -> str:
    """``text`` with the configured URL, as typed, replaced by its display form (password hidden).

    core echoes an unparseable URL as typed, and such a URL may hold a password.
    """
    return text.replace(url, display_url(url)) if url else text


def render_error(exc: BaseException, lang: str, url: str | None = None) -> None:
    """Show ``exc`` as an ``st.error`` box in ``lang``, with what to do; log unexpected ones."""
    dberr = as_database_error(exc, url)
    if dberr is not None:
        st.error(
            f"**{t('error.database', lang)}:** {_masked(dberr.message(lang), url)}\n\n"
            f"{t('error.what_to_do', lang)}",
            icon=":material/database:",
        )
        return
    if isinstance(exc, RulesError):
        # A stored rules override that no longer fits core/infra/rules.toml: say so and where to fix it.
        st.error(
            f"**{t('error.rules', lang)}:** {exc.zh if lang == 'zh' else exc.en}\n\n{t('error.rules_what_to_do', lang)}",
            icon=":material/rule:",
        )
        return
    # Not a database problem: a bug. The user gets one line; the server log gets the traceback.
    logger.error("unexpected error while rendering a page", exc_info=exc)
    st.error(
        t("error.unexpected", lang, detail=_masked(f"{type(exc).__name__}: {_first_line(exc)}", url)),
        icon=":material/error:",
    )


@contextmanager
def guard(lang: str, url: str | None = None) -> Iterator[None]:
    """Run a block; any ``Exception`` it raises is shown by :func:`render_error` and swallowed."""
    try:
        yield
    except Exception as exc:  # noqa: BLE001 - the catch-all that keeps tracebacks off screen
        render_error(exc, lang, url)
