"""Example rows shown beside a finding (data-quality checks): text columns, customer ids masked.

Customer ids never show in clear: ``core`` masks them, and any column about the callee is masked
here again with :func:`core.infra.privacy.mask_id`, whatever a check returns.

>>> example_frame([{"call_id": "K1", "callee_id": "a848a51691d562ffca90b8b6622e1a3c"}]).to_dicts()
[{'call_id': 'K1', 'callee_id': 'a848…1a3c'}]
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import polars as pl

from core.infra.privacy import mask_id

#: Column names that hold a customer's id or number, besides any name containing "callee".
CUSTOMER_COLUMNS = frozenset({"customer_id", "phone", "customer"})


def is_customer_column(name: str) -> bool:
    """Whether a column is about the customer (its values are masked)."""
    lowered = name.lower()
    return "callee" in lowered or lowered in CUSTOMER_COLUMNS


def cell_text(column: str, value: Any) -> str:
    """One example value as text (masked when the column is about the customer)."""
    if value is None:
        return "—"
    if is_customer_column(column):
        return mask_id(str(value)) or "—"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:,.4g}"
    return str(value)


def example_frame(rows: Sequence[dict[str, Any]]) -> pl.DataFrame:
    """Example rows as a frame of text columns, in first-seen column order."""
    if not rows:
        return pl.DataFrame()
    columns = list(dict.fromkeys(k for row in rows for k in row))
    return pl.DataFrame(
        {c: [cell_text(c, row.get(c)) for row in rows] for c in columns},
        schema=dict.fromkeys(columns, pl.String),
    )
