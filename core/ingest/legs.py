"""Legs kept across imports, and FreeSWITCH families (A-leg and its B-legs).

**Legs.** A folding format (Asterisk, FreeSWITCH) writes one row per leg; :mod:`core.ingest.calls`
folds the legs of one family into one call. Every leg of a call written is also kept in the
importer's table ``call_legs`` (see :mod:`core.ingest.tables`), as the fold reads it: times, the
leg's talk seconds, disposition, agent, the hashed customer number (never the number itself),
whether it was bridged, its queue application and ``sequence``, and for FreeSWITCH its ``uuid`` and
``bleg_uuid``. The leg of a call of one leg (most calls) is kept *compact*: the values the call holds
as they are (:data:`CALL_OWN`: direction, end, agent, campaign, numbers …) are left empty and read
back from the call when a later leg joins it (:func:`with_call_values`).

**Duplicates.** Two legs of one family are the same leg when they are equal in every column the
fold reads (:data:`FP_COLUMNS`): a record exported twice, or imported again. (Asterisk fields the
fold does not read, such as ``lastdata`` or the channel names beyond whether the leg was bridged
and whose agent it was, are not compared: legs that differ only there fold to the same call
either way, and storing them would slow every import.)
The comparison runs on values, hashed within one process (:func:`fingerprint`); stored legs are
hashed again when read back, so no hash is ever stored (a library's hash may change between
versions).

**Across files and imports.** When a family already has stored legs (the call was imported
before), its stored legs and this import's legs are folded together: legs equal to a stored one
are duplicates, the others are *merged* into the call, and the stored call (its ``calls`` row, its
``call_inferences`` marks, its ``call_legs``) is replaced by the call folded from all of them, in
the same all-or-nothing import. So importing file A then file B stores the same calls as importing
A and B at once, or B then A, and importing them again changes nothing. In the report a replaced
call is not *inserted*: each new leg of it counts as *merged* (``read = inserted + merged +
duplicates + rejected`` still holds). A family none of whose new legs is new leaves its call as it
is. Calls stored before ``call_legs`` existed have no stored legs: a leg of such a call is counted
as a duplicate of it, as before.

**FreeSWITCH families.** ``mod_cdr_csv`` with ``legs="ab"`` writes one row per leg: the A-leg (the
channel that came in or was originated first) and each B-leg it was bridged to. The A-leg's
``bleg_uuid`` is its B-leg's ``uuid``; a B-leg names nothing (its own ``bleg_uuid`` is empty). Legs
linked that way, in this import or stored by an earlier one (:func:`link_families`), are one
family; its key, the call id, is the uuid of its A-leg: the leg no other leg names as its B-leg
(several such, or none: the earliest started, then the smallest uuid). The A-leg is the call as
the customer had it: when it was answered, the call's answer time, talk seconds and agent are the
A-leg's (:func:`freeswitch_roles` makes it the one *bridged* leg of the fold), never the sum of A
and B; when only a B-leg was answered, that leg's. A B-leg that arrives before its A-leg is first
stored as a call of its own and replaced by the A-leg's call when the A-leg comes.
"""

from __future__ import annotations

from typing import Any

import polars as pl

LEG_SCHEMA: dict[str, pl.DataType] = {
    "call_id": pl.String(),
    "_key": pl.String(),
    "direction": pl.String(),
    "started_at": pl.Datetime("us"),
    "answered_at": pl.Datetime("us"),
    "ended_at": pl.Datetime("us"),
    "_talk": pl.Int64(),
    "disposition": pl.String(),
    "agent_id": pl.String(),
    "campaign_id": pl.String(),
    "caller_number": pl.String(),
    "callee_id": pl.String(),
    "callee_province": pl.String(),
    "callee_carrier": pl.String(),
    "hangup_by": pl.String(),
    "recorded": pl.Boolean(),
    "robot": pl.Boolean(),
    "wrap_seconds": pl.Int64(),
    "two_way_voice": pl.Boolean(),
    "_bridged": pl.Boolean(),
    "_queue": pl.Boolean(),
    "_seq": pl.Int64(),
    "_leg": pl.String(),
    "_link": pl.String(),
    "_fp": pl.UInt64(),
    "_file": pl.Int64(),
    "_line": pl.Int64(),
}

#: What two legs of one family are compared on (everything but the family, the fingerprint itself
#: and where the row was read).
FP_COLUMNS: tuple[str, ...] = tuple(
    c for c in LEG_SCHEMA if c not in ("call_id", "_key", "_fp", "_file", "_line")
)

#: The order of a family's legs (:func:`core.ingest.calls.fold_legs` takes the first's values): by
#: what they hold, never by where they were read.
LEG_ORDER: list[str] = ["_key", "started_at", "_seq", "_leg", "_fp"]

#: Leg column → call_legs column, where the names differ.
_STORED_NAMES = {
    "_key": "call_id",
    "_leg": "leg_id",
    "_link": "link_id",
    "_talk": "talk_seconds",
    "_bridged": "bridged",
    "_queue": "queued",
    "_seq": "seq",
}
_TIMES = ("started_at", "answered_at", "ended_at")


def fingerprint(legs: pl.DataFrame) -> pl.Series:
    """Equal for legs equal in :data:`FP_COLUMNS` (within this process)."""
    return legs.select(FP_COLUMNS).hash_rows().alias("_fp")


def prepared(legs: pl.DataFrame) -> pl.DataFrame:
    """Converted legs in :data:`LEG_SCHEMA`: typed, times cut to the second (what every engine
    stores, so a leg read back compares equal to the same leg read from its file), fingerprinted."""
    typed = legs.select(
        [
            (pl.col(c) if c in legs.columns else pl.lit(None)).cast(t).alias(c)
            for c, t in LEG_SCHEMA.items()
            if c != "_fp"
        ]
    ).with_columns(pl.col(c).dt.truncate("1s") for c in _TIMES)
    return typed.with_columns(fingerprint(typed)).select(list(LEG_SCHEMA))


#: The columns of a call of one leg that are that leg's own values (:func:`core.ingest.calls.fold_legs`
#: takes them as they are and :func:`core.ingest.calls.finish_calls` leaves them): the ``call_legs``
#: row of such a leg leaves them empty (*compact*, ``direction`` null) and they are read back from
#: the call. Most calls have one leg; this halves what an import writes to ``call_legs``.
CALL_OWN: tuple[str, ...] = (
    "direction",
    "ended_at",
    "agent_id",
    "campaign_id",
    "caller_number",
    "callee_id",
    "callee_province",
    "callee_carrier",
    "hangup_by",
    "recorded",
    "robot",
    "wrap_seconds",
)


def to_stored(legs: pl.DataFrame, table_columns: list[str]) -> pl.DataFrame:
    """Kept legs of written calls → ``call_legs`` rows, ``leg_no`` 0, 1 … within each family in
    :data:`LEG_ORDER` (so the rows do not depend on how the legs were split into files); the leg of
    a call of one leg compact (:data:`CALL_OWN` empty, read back from the call)."""
    source = {v: k for k, v in _STORED_NAMES.items()}
    many = legs.select(pl.col("_key").is_duplicated()).to_series()
    single = legs.filter(~many) if many.any() else legs
    single = single.with_columns(
        pl.lit(0, dtype=pl.Int64).alias("leg_no"),
        *[pl.lit(None, dtype=LEG_SCHEMA[c]).alias(c) for c in CALL_OWN],
    )
    if many.any():
        numbered = (
            legs.filter(many)
            .sort(LEG_ORDER)
            .with_columns(pl.int_range(pl.len(), dtype=pl.Int64).over("_key").alias("leg_no"))
        )
        legs = pl.concat([single, numbered.select(single.columns)])
    else:
        legs = single
    return legs.select(pl.col(source.get(c, c)).alias(c) for c in table_columns)


def compact_ids(rows: pl.DataFrame) -> pl.Series:
    """The calls whose stored leg is compact (see :func:`to_stored`), among ``call_legs`` rows."""
    return rows.filter(pl.col("direction").is_null())["call_id"].cast(pl.String).unique()


def with_call_values(rows: pl.DataFrame, calls: pl.DataFrame) -> pl.DataFrame:
    """``call_legs`` rows with the :data:`CALL_OWN` values of compact rows taken from their calls
    (``calls``: ``call_id`` and those columns, as stored)."""
    if calls.height == 0:
        return rows
    filled = calls.select(
        pl.col("call_id").cast(pl.String),
        *[pl.col(c).alias(f"_c_{c}") for c in CALL_OWN],
        pl.lit(True).alias("_compact"),
    )
    out = rows.with_columns(pl.col("call_id").cast(pl.String)).join(filled, on="call_id", how="left")
    compact = pl.col("direction").is_null() & pl.col("_compact").fill_null(False)

    def kind(c: str) -> Any:  # a column all empty may come back typed Null: take the call's type
        have = out.schema[c]
        return out.schema[f"_c_{c}"] if have == pl.Null else have

    return out.with_columns(
        [
            pl.when(compact)
            .then(pl.col(f"_c_{c}").cast(kind(c), strict=False))
            .otherwise(pl.col(c).cast(kind(c), strict=False))
            .alias(c)
            for c in CALL_OWN
        ]
    ).select(rows.columns)


def from_stored(rows: pl.DataFrame) -> pl.DataFrame:
    """``call_legs`` rows read back → legs (:data:`LEG_SCHEMA`), ``_file`` -1 (before every file of
    this import, so a stored leg is kept and the new one counted as its duplicate)."""
    exprs: list[Any] = []
    for name, dtype in LEG_SCHEMA.items():
        if name in ("_fp", "_file", "_line"):
            continue
        source = _STORED_NAMES.get(name, name)
        col = pl.col(source)
        have = rows.schema.get(source)
        if isinstance(have, pl.Datetime) and have.time_zone is not None:
            col = col.dt.replace_time_zone(None)
        exprs.append(col.cast(dtype, strict=False).alias(name))
    legs = rows.sort("call_id", "leg_no").select(
        *exprs, pl.lit(-1, dtype=pl.Int64).alias("_file"), pl.col("leg_no").cast(pl.Int64).alias("_line")
    )
    legs = legs.with_columns(pl.col(c).dt.truncate("1s") for c in _TIMES)
    return legs.with_columns(fingerprint(legs)).select(list(LEG_SCHEMA))


# --------------------------------------------------------------------------------------------
# FreeSWITCH
# --------------------------------------------------------------------------------------------


def link_families(new: pl.DataFrame, stored: pl.DataFrame) -> pl.DataFrame:
    """``_leg`` → ``_root`` (the A-leg's uuid) for every leg of a FreeSWITCH family of more than one leg.

    Args:
        new: this import's legs: ``_leg`` (uuid), ``_link`` (bleg_uuid), ``started_at``.
        stored: stored legs whose family touches them, whole families: ``call_id``, ``leg_id``,
            ``link_id``, ``started_at``.

    Legs are linked when one's ``bleg_uuid`` is the other's ``uuid`` (both present, here or stored),
    and stored legs of one call stay together. Example: new ``a`` (bleg ``b``), stored ``b`` (call
    ``b``) → ``a → a``, ``b → a``.
    """
    nodes = pl.concat(
        [
            new.select(pl.col("_leg"), pl.col("_link"), pl.col("started_at")),
            stored.select(
                pl.col("leg_id").alias("_leg"), pl.col("link_id").alias("_link"), pl.col("started_at")
            ),
        ]
    ).filter(pl.col("_leg").is_not_null())
    starts = nodes.group_by("_leg").agg(pl.col("started_at").min())
    present = starts.select("_leg")
    links = (
        nodes.filter(pl.col("_link").is_not_null() & (pl.col("_link") != pl.col("_leg")))
        .select(pl.col("_leg").alias("a"), pl.col("_link").alias("b"))
        .join(present.rename({"_leg": "b"}), on="b", how="semi")
        .unique()
    )
    members = stored.group_by("call_id").agg(pl.col("leg_id").first().alias("first"), pl.col("leg_id"))
    together = (
        members.explode("leg_id")
        .filter(pl.col("leg_id") != pl.col("first"))
        .select(pl.col("first").alias("a"), pl.col("leg_id").alias("b"))
    )
    edges = pl.concat([links, together])
    if edges.height == 0:
        return pl.DataFrame(schema={"_leg": pl.String(), "_root": pl.String()})
    both = pl.concat([edges, edges.select(pl.col("b").alias("a"), pl.col("a").alias("b"))]).unique()
    involved = both.select(pl.col("a").alias("_leg")).unique()
    label = involved.with_columns(pl.col("_leg").alias("_c"))
    while True:  # smallest uuid of the component, spread one edge per round
        spread = (
            both.join(label.rename({"_leg": "a"}), on="a")
            .group_by("b")
            .agg(pl.col("_c").min().alias("_n"))
            .rename({"b": "_leg"})
        )
        moved = label.join(spread, on="_leg", how="left").with_columns(
            pl.min_horizontal("_c", "_n").alias("_n")
        )
        if moved.filter(pl.col("_n") != pl.col("_c")).height == 0:
            break
        label = moved.select("_leg", pl.col("_n").alias("_c"))
    named = links.select(pl.col("b").alias("_leg")).unique()
    ranked = (
        label.join(starts, on="_leg", how="left")
        .join(named.with_columns(pl.lit(True).alias("_named")), on="_leg", how="left")
        .with_columns(pl.col("_named").fill_null(False))
        .sort(["_c", "_named", "started_at", "_leg"], nulls_last=True)
    )
    roots = ranked.group_by("_c", maintain_order=True).agg(pl.col("_leg").first().alias("_root"))
    return label.join(roots, on="_c").select("_leg", "_root")


def freeswitch_roles(legs: pl.DataFrame, prefix: str) -> pl.DataFrame:
    """The A-leg of each family (its key is ``prefix`` + its uuid) is the bridged leg, first in
    order (``_seq`` 0); its B-legs follow (``_seq`` 1) and are not bridged."""
    root = (pl.lit(prefix) + pl.col("_leg")) == pl.col("_key")
    return legs.with_columns(
        (root & pl.col("_link").is_not_null()).fill_null(False).alias("_bridged"),
        (~root).fill_null(True).cast(pl.Int64).alias("_seq"),
    )
