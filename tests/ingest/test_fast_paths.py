"""The importer's fast paths give exactly what the general rules give.

* customer ids: the per-column HMAC-SHA256 equals RFC 4231's published values and :func:`customer_id`;
* number normalisation: values already in canonical digits skip the rule chain, with the same result;
* folding: families of one leg skip the group-by, with the same call as the general fold.
"""

from __future__ import annotations

from datetime import datetime

import polars as pl

from core.ingest.calls import _fold_many, fold_legs
from core.ingest.numbers import customer_id, hash_series, normalise_number, normalise_series
from core.ingest.pipeline import LEG_SCHEMA


def test_hash_series_is_hmac_sha256_of_rfc_4231() -> None:
    """RFC 4231 test cases 1 and 6 (a key longer than the block), cut to 32 hex characters; nulls stay null."""
    short = hash_series(pl.Series(["Hi There", None]), bytes([0x0B] * 20))
    assert short.to_list() == ["b0344c61d8db38535ca8afceaf0bf12b", None]
    long_key = hash_series(
        pl.Series(["Test Using Larger Than Block-Size Key - Hash Key First"]), bytes([0xAA] * 131)
    )
    assert long_key.to_list() == ["60e431591ee0b67f0d8a26aacbf5b77f"]


def test_hash_series_equals_customer_id_and_depends_on_the_salt() -> None:
    """The column hash of normalised numbers is the id of each number as written; another salt, other ids."""
    key = bytes(range(32))
    ids = hash_series(pl.Series(["10000000012", "1000000012"]), key).to_list()
    assert ids == [customer_id("+86 100 0000 0012", key), customer_id("010-0000-0012", key)]
    assert hash_series(pl.Series(["10000000012"]), bytes(32)).item() != ids[0]


WRITTEN = [
    "13800000000",  # canonical already
    "8613800000000",  # 86 before a mobile number: not canonical although all digits
    "+86 138 0000 0000",
    "0101234567",  # leading trunk 0
    "95000",
    "12",  # too short: bad
    "anonymous",
    None,
    "",
    "12ab",
    "861234",  # 86 before something that is not a mobile number stays
    "  138",
    "9138000000000",
]


def test_normalise_series_equals_the_rule_chain() -> None:
    """Mixed canonical and non-canonical values: the same digits and the same bad flags as one by one."""
    norm, bad = normalise_series(pl.Series(WRITTEN, dtype=pl.String))
    assert norm.to_list() == [
        "13800000000",
        "13800000000",
        "13800000000",
        "101234567",
        "95000",
        None,
        None,
        None,
        None,
        None,
        "861234",
        "138",
        "9138000000000",
    ]
    assert norm.to_list() == [normalise_number(w) for w in WRITTEN]
    assert bad.to_list() == [w in ("12", "12ab") for w in WRITTEN]
    # With a dial prefix to strip, every value goes through the chain: "9138000000000" loses its 9.
    stripped, _bad = normalise_series(pl.Series(WRITTEN, dtype=pl.String), ["9"])
    assert stripped.to_list()[-1] == "138000000000"
    assert stripped.to_list() == [normalise_number(w, ["9"]) for w in WRITTEN]


def _leg(key: str, line: int, **values: object) -> dict[str, object]:
    leg: dict[str, object] = {
        "call_id": key,
        "_key": key,
        "direction": "out",
        "started_at": datetime(2024, 5, 6, 10, 0, line),
        "answered_at": None,
        "ended_at": datetime(2024, 5, 6, 10, 5, 0),
        "_talk": 0,
        "disposition": "no_answer",
        "agent_id": "8001",
        "campaign_id": "C01",
        "caller_number": "95000",
        "callee_id": "id",
        "callee_province": None,
        "hangup_by": None,
        "recorded": None,
        "robot": None,
        "wrap_seconds": None,
        "two_way_voice": None,
        "_bridged": False,
        "_queue": False,
        "_seq": 0,
        "_fp": line,
        "_file": 0,
        "_line": line,
    }
    leg.update(values)
    return leg


def test_single_leg_families_fold_as_the_group_by_does() -> None:
    """Each kind of lone leg gives the call the general fold gives; the two-leg family is folded whole."""
    answer = datetime(2024, 5, 6, 10, 0, 30)
    legs = pl.DataFrame(
        [
            _leg("a", 1, disposition="answered", answered_at=answer, _talk=40, _bridged=True),
            _leg("b", 2, disposition="answered", answered_at=answer, _talk=7),  # answered by an IVR
            _leg("c", 3, direction="in", _queue=True),  # caller left the queue: abandoned
            _leg("d", 4, direction="in", disposition="busy", answered_at=answer, _talk=9),
            _leg("e", 5, direction=None, agent_id=None),
            _leg("f", 6, disposition="answered", answered_at=answer, _talk=20, _bridged=True),
            _leg("f", 7, agent_id="8002"),
        ],
        schema=LEG_SCHEMA,
    )
    fast = fold_legs(legs).sort("_key")
    general = _fold_many(legs).sort("_key").select(fast.columns)
    assert fast.schema == general.schema
    assert fast.equals(general)
    by_key = {row["_key"]: row for row in fast.iter_rows(named=True)}
    assert [by_key[k]["disposition"] for k in "abcdef"] == [
        "answered",
        "answered",
        "abandoned",
        "busy",
        "no_answer",
        "answered",
    ]
    assert [by_key[k]["_talk"] for k in "abcdef"] == [40, 7, 0, 0, 0, 20]
    assert by_key["d"]["answered_at"] is None  # a busy leg's answer time is not the call's
    assert [by_key[k]["_legs"] for k in "af"] == [1, 2]
