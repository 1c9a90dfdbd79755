"""The importer's fast paths give exactly what the general rules give.

* customer ids: the per-column HMAC-SHA256 equals RFC 4231's published values and :func:`customer_id`;
* number normalisation: values already in canonical digits skip the rule chain, with the same result;
"""

from __future__ import annotations

import polars as pl

from core.ingest.numbers import customer_id, hash_series, normalise_number, normalise_series


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
