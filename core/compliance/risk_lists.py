"""Ranked lists of the risk page: which entities breach one rule most in a period.

Each list reads the per-rule counts (``n_<rule>``) of a :func:`core.compliance.risk.compute_risk` frame at
**day** grain over exactly the chosen period (weeks would widen it to whole weeks), and sums them
per entity. What a count means follows the rule (see :func:`core.compliance.risk.compute_risk`):

* ``marking``: caller-number days at marking risk (ranked per caller number);
* ``over_cap``, ``dnc``, ``outside_hours``: breaching calls (ranked per the chosen entity);
* ``abandon``: days over the abandon limit (ranked per campaign: the limit is per campaign per day).

>>> f = pl.DataFrame({"entity": ["A", "A", "B", "C"], "period": ["d1", "d2", "d1", "d1"],
...                   "score": [90.0, 40.0, 60.0, 0.0], "n_dnc": [2, 1, 5, 0]})
>>> rank_by_rule(f, "dnc").rows()
[('B', 5, 1, 60.0), ('A', 3, 2, 90.0)]
"""

from __future__ import annotations

import polars as pl

#: The ranked lists in display order: (rule id, entity ranked; None = the entity chosen on the page).
RANKED_LISTS: tuple[tuple[str, str | None], ...] = (
    ("marking", "caller_number"),
    ("over_cap", None),
    ("dnc", None),
    ("outside_hours", None),
    ("abandon", "campaign"),
)

RANK_COLUMNS: dict[str, pl.DataType] = {
    "entity": pl.String(),
    "count": pl.Int64(),
    "cells": pl.Int64(),
    "peak_score": pl.Float64(),
}


def rank_by_rule(frame: pl.DataFrame, rule_id: str, *, top: int = 10) -> pl.DataFrame:
    """The ``top`` entities by the summed count of ``rule_id`` (entities with none are left out).

    Returns:
        ``entity``, ``count`` (sum of ``n_<rule_id>``), ``cells`` (periods with a breach: days at
        day grain) and ``peak_score`` (the entity's highest score over those periods), sorted by
        count (descending), then entity. Empty (same columns) when the frame has no such rule or
        no breach.
    """
    column = f"n_{rule_id}"
    if frame.height == 0 or column not in frame.columns:
        return pl.DataFrame(schema=RANK_COLUMNS)
    return (
        frame.filter(pl.col(column) > 0)
        .group_by("entity")
        .agg(
            pl.col(column).sum().cast(pl.Int64).alias("count"),
            pl.len().cast(pl.Int64).alias("cells"),
            pl.col("score").max().cast(pl.Float64).alias("peak_score"),
        )
        .sort(["count", "entity"], descending=[True, False], nulls_last=True)
        .head(top)
        .select([pl.col(name).cast(dtype) for name, dtype in RANK_COLUMNS.items()])
    )


__all__ = ["RANKED_LISTS", "RANK_COLUMNS", "rank_by_rule"]
