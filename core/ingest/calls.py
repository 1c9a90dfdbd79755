"""From source rows to canonical calls: folding fork rows, filling derived values, inferring two-way voice.

FreeSWITCH legs are folded the same way, by the A-leg's uuid (the families are found, also across
files and imports, and the A-leg made the bridged leg, in :mod:`core.ingest.legs`), as are the
stored legs of a call that gets new ones in a later import.

**Folding** (Asterisk). A call that rang several phones, was queued, transferred or forked leaves
several CDR rows ("legs") sharing a ``linkedid`` (or, on systems before Asterisk 1.8, a
``uniqueid``). They become one call, ``call_id`` = that id:

* legs equal in every column the fold reads are one leg counted twice (a duplicate, not a fork;
  see :mod:`core.ingest.legs`);
* ``started_at`` is the earliest start, ``ended_at`` the latest end, direction, campaign, numbers
  and customer come from the first leg (earliest start, then ``sequence``, then the leg's own
  ``uniqueid|channel|dstchannel`` and content: never the file order, so that a call whose legs came
  in two files or two imports is the call folded from all of them at once);
* a leg is *taken by a person* when it was answered and bridged to another channel
  (``dstchannel`` set). ``answered_at`` is the first such answer, ``talk_seconds`` the sum of those
  legs' ``billsec`` (capped at ``ended_at - answered_at``) and the agent is that of the first such
  leg. When no leg was bridged, the answered legs count instead (an IVR that answered by itself);
* the disposition is the best of the legs' (answered, busy, no_answer, failed), except that an
  inbound call no person took, with a leg ending in a queue application (``[inference]
  abandon_apps``, default ``Queue``), is ``abandoned`` (the caller hung up while queued);
* every leg after the first counts as *merged*.

**Derived values** (every call format): ``ring_seconds`` is ``answered_at - started_at`` for an
answered call and the whole call otherwise (DOMAIN.md: the wait before an agent answered or the
caller left); calls not answered have ``answered_at`` empty and ``talk_seconds`` 0.

**Two-way voice**, when the source has no such flag (Asterisk, FreeSWITCH, VICIdial, a canonical
file without the column): an answered call whose ``talk_seconds`` is at least ``[inference]
two_way_voice_min_talk_seconds`` (default 5) is taken to have had voice both ways; a shorter
answered call is not. Those values are marked in ``call_inferences`` and counted by the
data-quality check ``two_way_voice_inferred``. A call not answered has no two-way voice, which is
a fact, not an inference.
"""

from __future__ import annotations

import polars as pl

from core.infra import schema
from core.ingest.legs import LEG_ORDER

CALL_COLUMNS: tuple[str, ...] = tuple(c.name for c in schema.calls.columns)

_RANK = {"answered": 0, "abandoned": 1, "busy": 2, "no_answer": 3, "rejected": 4, "failed": 5}
_BY_RANK = {v: k for k, v in _RANK.items()}


def fold_legs(legs: pl.DataFrame) -> pl.DataFrame:
    """One row per family (``_key``) from its legs; ``_legs`` is how many legs it had.

    Exact duplicate legs must already be gone (see :func:`drop_duplicate_legs`). Families of one
    leg (most calls) take the same values without grouping: each aggregate of one leg is that leg's
    value. Rows come out families of one leg first, then the others by key.
    """
    many = legs.select(pl.col("_key").is_duplicated()).to_series()
    if not many.any():
        return _fold_single(legs)
    folded = _fold_many(legs.filter(many))
    if many.all():
        return folded
    single = _fold_single(legs.filter(~many))
    return pl.concat([single, folded.select(single.columns)], how="vertical")


def _disposition(direction: pl.Expr, person: pl.Expr, queued: pl.Expr, rank: pl.Expr) -> pl.Expr:
    abandoned = (direction == "in") & ~person & queued
    return (
        pl.when(abandoned)
        .then(pl.lit("abandoned"))
        .otherwise(rank.replace_strict(_BY_RANK, return_dtype=pl.String))
        .alias("disposition")
    )


def _rank() -> pl.Expr:
    return pl.col("disposition").replace_strict(_RANK, default=5, return_dtype=pl.Int8)


def _fold_single(legs: pl.DataFrame) -> pl.DataFrame:
    """:func:`_fold_many` for families of one leg: the aggregates of one value, written out."""
    answered = pl.col("disposition") == "answered"
    person = answered & pl.col("_bridged")
    return legs.select(
        "_key",
        "call_id",
        *_FIRST_NON_NULL,
        "started_at",
        "ended_at",
        pl.when(answered).then(pl.col("answered_at")).alias("answered_at"),
        pl.when(answered).then(pl.col("_talk")).otherwise(0).cast(pl.Int64).alias("_talk"),
        "agent_id",
        "wrap_seconds",
        "two_way_voice",
        pl.lit(1, dtype=pl.UInt32).alias("_legs"),
        "_file",
        "_line",
        _disposition(pl.col("direction"), person, pl.col("_queue"), _rank()),
    )


_FIRST_NON_NULL: tuple[str, ...] = (
    "direction",
    "campaign_id",
    "caller_number",
    "callee_id",
    "callee_province",
    "callee_carrier",
    "hangup_by",
    "recorded",
    "robot",
)


def _fold_many(legs: pl.DataFrame) -> pl.DataFrame:
    answered = pl.col("disposition") == "answered"
    person = answered & pl.col("_bridged")
    # Ties broken by the legs' own content, not by where they were read: the call folded from legs
    # split across two files or imports is the one folded from them all at once.
    ordered = legs.sort([*LEG_ORDER, "_file", "_line"])
    folded = ordered.group_by("_key", maintain_order=True).agg(
        pl.col("call_id").first(),
        *[pl.col(c).drop_nulls().first().alias(c) for c in _FIRST_NON_NULL],
        pl.col("started_at").min(),
        pl.col("ended_at").max(),
        pl.when(person.any())
        .then(pl.col("answered_at").filter(person).min())
        .otherwise(pl.col("answered_at").filter(answered).min())
        .alias("answered_at"),
        pl.when(person.any())
        .then(pl.col("_talk").filter(person).sum())
        .otherwise(pl.col("_talk").filter(answered).sum())
        .alias("_talk"),
        pl.coalesce(
            pl.col("agent_id").filter(person).drop_nulls().first(), pl.col("agent_id").drop_nulls().first()
        ).alias("agent_id"),
        _rank().min().alias("_rank"),
        person.any().alias("_person"),
        pl.col("_queue").any().alias("_queued"),
        pl.col("wrap_seconds").max(),
        pl.col("two_way_voice").max(),
        pl.len().alias("_legs"),
        pl.col("_file").first(),
        pl.col("_line").first(),
    )
    return folded.with_columns(
        _disposition(pl.col("direction"), pl.col("_person"), pl.col("_queued"), pl.col("_rank"))
    ).drop("_rank", "_person", "_queued")


def drop_duplicate_legs(legs: pl.DataFrame) -> tuple[pl.DataFrame, int]:
    """Legs equal in every compared column (``_fp``, see :data:`core.ingest.legs.FP_COLUMNS`) kept
    once, the first read (stored legs, ``_file`` -1, before this import's); returns the rest and
    how many went."""
    kept = legs.sort(["_file", "_line"]).unique(subset=["_key", "_fp"], keep="first", maintain_order=True)
    return kept, legs.height - kept.height


def finish_calls(calls: pl.DataFrame, min_talk_seconds: int) -> pl.DataFrame:
    """Canonical call rows (every column of ``calls``) plus ``_tw_inferred``, ``_file``, ``_line``.

    Expects ``_talk`` (seconds talked), and ``two_way_voice`` null where the source has no flag.
    ``ring_seconds`` is derived when the frame has no such column (or it is null).
    """
    answered = pl.col("disposition") == "answered"
    span = (pl.col("ended_at") - pl.col("answered_at")).dt.total_seconds()
    talk = (
        pl.when(answered)
        .then(pl.min_horizontal(pl.col("_talk"), span.fill_null(pl.col("_talk"))))
        .otherwise(0)
    )
    derived_ring = (
        pl.when(answered & pl.col("answered_at").is_not_null())
        .then((pl.col("answered_at") - pl.col("started_at")).dt.total_seconds())
        .otherwise((pl.col("ended_at") - pl.col("started_at")).dt.total_seconds())
    )
    ring = (
        pl.coalesce(pl.col("ring_seconds"), derived_ring) if "ring_seconds" in calls.columns else derived_ring
    )
    frame = calls.with_columns(
        pl.when(answered).then(pl.col("answered_at")).alias("answered_at"),
        talk.cast(pl.Int64).alias("talk_seconds"),
        ring.cast(pl.Int64).alias("ring_seconds"),
    )
    inferred = pl.col("two_way_voice").is_null() & answered
    frame = frame.with_columns(
        inferred.alias("_tw_inferred"),
        pl.when(pl.col("two_way_voice").is_not_null())
        .then(pl.col("two_way_voice"))
        .otherwise(answered & (pl.col("talk_seconds") >= min_talk_seconds))
        .alias("two_way_voice"),
    )
    return frame.select(
        *[pl.col(c) if c in frame.columns else pl.lit(None).alias(c) for c in CALL_COLUMNS],
        "_tw_inferred",
        "_file",
        "_line",
    ).with_columns(
        pl.col("wrap_seconds").cast(pl.Int64),
        pl.col("two_way_voice").cast(pl.Boolean),
        pl.col("recorded").cast(pl.Boolean),
        pl.col("robot").cast(pl.Boolean),
    )
