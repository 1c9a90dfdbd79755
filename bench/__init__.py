"""Benchmarks, run on demand (``python -m bench …``); they print figures and never fail on time."""
