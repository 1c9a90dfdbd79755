"""Print to PDF in a real browser: every page printed by Chromium (print media), read back by pypdf.

Uses the server and browser fixtures of tests/fixtures.py (a fresh ``streamlit run
app.py`` on the 2 % demo ending 2025-06-30, Debian's Chromium at 1440×900, zh-CN). For each page of
the menu: reached through the sidebar, drawn under print media (``ui.shell.PRINT_CSS``), printed with
``page.pdf()`` to ``artifacts/pdf/<page>.pdf``; the PDF must open, have at least one page, be
landscape (the print CSS's ``@page``), hold the page's title, and hold nothing of the sidebar; in
the page itself, the sidebar, Streamlit's header and toolbar are hidden under print media.

PDF text of Chinese comes back with a few characters as CJK radicals (``⻛`` for ``风``: the
font maps both to one glyph), so titles are matched after NFKC with a radical allowed in place of
any character (:func:`has_text`).
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pypdf
import pytest
from playwright.sync_api import Page, expect

from bench import pages_bench
from core.infra.i18n import t
from tests.fixtures import SCREENSHOTS, TIMEOUT_MS

PDFS: Path = SCREENSHOTS.parent / "pdf"
SLOW_MS = 300_000  # the first load of the regulatory page computes the whole report year
#: Screen controls that must not be printed.
HIDDEN_IN_PRINT = ("stSidebar", "stHeader", "stToolbar", "stDownloadButton")
#: Text only the sidebar shows: the language switch and the default period's hint (the filter labels
#: 开始日期/结束日期 also occur in page text).
SIDEBAR_ONLY = (t("app.language", "zh"), t("filter.default_hint", "zh"))
_RADICALS = "\u2e80-\u2eff"  # CJK Radicals Supplement: no NFKC mapping to the unified ideograph


def pdf_text(path: Path) -> str:
    """All text of a PDF, NFKC-normalised (Kangxi radicals become ideographs), without whitespace."""
    reader = pypdf.PdfReader(str(path))
    text = "".join(page.extract_text() or "" for page in reader.pages)
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def has_text(text: str, needle: str) -> bool:
    """Whether ``needle`` occurs in ``text`` (both NFKC, whitespace ignored), a CJK radical matching any character."""
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))
    chars = [c for c in unicodedata.normalize("NFKC", needle) if not c.isspace()]
    pattern = "".join(f"(?:{re.escape(c)}|[{_RADICALS}])" for c in chars)
    return re.search(pattern, text) is not None


def test_has_text_tolerates_radicals() -> None:
    assert has_text("外呼合规\u2edb险热\u2f12图", "外呼合规风险热力图")  # ⻛ for 风, ⼒ (Kangxi) for 力
    assert has_text("语言/Language", "语言 / Language")
    assert not has_text("外呼合规风险", "外呼合规风险热力图")


@pytest.mark.e2e
def test_every_page_prints_to_pdf(server: str, browser_page: Page) -> None:
    """Each page printed under print media: the PDF opens, holds the title and none of the sidebar."""
    page = browser_page
    PDFS.mkdir(parents=True, exist_ok=True)
    pages = pages_bench.menu_pages("zh")
    page.goto(server + "/", wait_until="domcontentloaded")
    pages_bench.wait_rendered(page, pages[0].title, timeout_ms=SLOW_MS)
    for i, spec in enumerate(pages):
        if i > 0:
            nav = page.locator('[data-testid="stSidebarNav"]')
            nav.get_by_role("link", name=spec.title, exact=True).click()
            pages_bench.wait_rendered(page, spec.title, timeout_ms=SLOW_MS)
        expect(page.locator('[data-testid="stException"]')).to_have_count(0)
        page.emulate_media(media="print")
        try:
            # Under print media the main area no longer scrolls: every chart below the fold is drawn.
            pages_bench.wait_rendered(page, spec.title, timeout_ms=TIMEOUT_MS)
            for testid in HIDDEN_IN_PRINT:
                for element in page.locator(f'[data-testid="{testid}"]').all():
                    expect(element).to_be_hidden()
            expect(page.locator('[data-testid="stMain"] h1')).to_have_text(spec.title)
            path = PDFS / f"{spec.url_path}.pdf"
            page.pdf(path=str(path), print_background=True, prefer_css_page_size=True)
        finally:
            page.emulate_media(media="screen")

        reader = pypdf.PdfReader(str(path))
        assert len(reader.pages) >= 1, spec.url_path
        box = reader.pages[0].mediabox
        assert float(box.width) > float(box.height), f"{spec.url_path}: not landscape"
        text = pdf_text(path)
        assert has_text(text, spec.title), f"{spec.url_path}: title {spec.title!r} not in the PDF"
        for label in SIDEBAR_ONLY:
            assert not has_text(text, label), f"{spec.url_path}: sidebar text {label!r} printed"
