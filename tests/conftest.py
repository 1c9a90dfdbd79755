"""Test configuration: every shared fixture and builder lives in tests/fixtures.py (a pytest plugin)."""

pytest_plugins = ("tests.fixtures",)
