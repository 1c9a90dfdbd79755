"""Streamlit glue for the pages: caching, the shared sidebar, error display.

Everything that imports Streamlit outside ``app.py`` and ``pages/`` lives here; ``core/`` never
imports Streamlit.
"""
