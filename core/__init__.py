"""Call-centre licence compliance core: schema, engines, demo company, metrics and reports.

This package never imports Streamlit; the app, the CLI (``python -m core``) and the exported
reports all call the same functions.
"""

from __future__ import annotations

__version__ = "0.1.0"
