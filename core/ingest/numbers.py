"""Customer phone numbers: normalised, then hashed with the installation's salt, never stored in clear.

The one-way id stored as ``callee_id`` is ``HMAC-SHA256(salt, normalised number)``, as hex, cut to
32 characters (the shape of the demo's ids). The same number written in any of the usual ways gets
the same id, so a customer is recognised across exports and systems:

>>> key = bytes(32)
>>> ids = {customer_id(n, key) for n in ("+86 100 0000 0012", "0086-100-0000-0012", "8610000000012")}
>>> len(ids), len(ids.pop())
(1, 32)
>>> normalise_number("010-0000-0012"), normalise_number("+86 (0)10 0000 0012")
('1000000012', '1000000012')
>>> normalise_number("anonymous") is None, normalise_number("12ab") is None
(True, True)
>>> {normalise_number(n) for n in ("13801000001", "086 138 0100 0001", "１３８.０１００.０００１")}
{'13801000001'}

Normalisation, in order (China's rules from ``phonenumbers``' metadata):

1. full-width and other Unicode digits, plus signs, brackets and spaces become ASCII (NFKC:
   ``１３８…`` → ``138…``), so they never raise;
2. the mapping's ``strip_prefixes`` (an outside-line prefix such as ``9``) are removed;
3. spaces, dashes, dots and brackets are removed;
4. ``+86`` and ``0086`` are removed, and ``086`` before a number ``phonenumbers`` takes for a
   Chinese mobile or landline (no area code starts 086); any other ``+`` or ``00`` marks a number
   abroad and is dropped (``+1 202…`` → ``1202…``);
5. leading zeros are removed (the trunk prefix ``0`` of landlines, ``00`` of international calls),
   then ``86`` before an 11-digit mobile number (``861…``);
6. what is left must be 3 to 20 digits. Empty values and anonymity markers (``anonymous``,
   ``unknown``, ``private`` …) mean "withheld" (no id); anything else is not a phone number and
   the row is rejected, without the value in the reason.

Values already in canonical ASCII digits skip the rules (vectorised); the others go through them
once per distinct value. The province and carrier of a number are read before it is hashed
(:func:`region_series`); company numbers have their own written form (:func:`company_number`).

The salt is created once per installation (``data/salt``, git-ignored; or the file named by
``CALLCENTER_SALT_FILE``) and reused: keep it with the database's backups, since a new salt gives
every customer a new id. Rejects files show numbers masked (:func:`mask_number`, :func:`mask_text`).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import importlib
import importlib.util
import os
import re
import secrets
import sys
import unicodedata
from collections.abc import Iterable
from pathlib import Path

import polars as pl
from phonenumbers import PhoneNumber
from phonenumbers.phonemetadata import PhoneMetadata

from core.infra.db import PROJECT_ROOT
from core.infra.regions import PROVINCES
from core.ingest.common import IngestError

SALT_ENV = "CALLCENTER_SALT_FILE"
DEFAULT_SALT_PATH = PROJECT_ROOT / "data" / "salt"
ID_CHARS = 32

#: Values that mean "the number was withheld" (no customer id; not an error).
ANONYMOUS: tuple[str, ...] = (
    "anonymous",
    "unknown",
    "<unknown>",
    "private",
    "restricted",
    "withheld",
    "unavailable",
    "none",
    "null",
    "匿名",
    "未知",
    "隐藏号码",
)

_SEPARATORS_RE = re.compile(r"[\s\-().]")
_DIGITS_RE = re.compile(r"[0-9]{3,20}")
_COUNTRY_MOBILE_RE = re.compile(r"861[0-9]{10}")
_PLAIN = r"^[1-9][0-9]{2,19}$"  # already canonical digits (ASCII: \d would take full-width too) …
_COUNTRY_MOBILE = r"^861[0-9]{10}$"  # … unless a mobile number behind the country code

_CN = PhoneMetadata.metadata_for_region("CN")
assert _CN is not None and _CN.mobile is not None and _CN.fixed_line is not None
#: China's mobile and fixed-line numbers (national significant number, no trunk 0), from
#: ``phonenumbers``' metadata: the prefixes in use and their lengths.
CN_MOBILE = str(_CN.mobile.national_number_pattern)
CN_FIXED = str(_CN.fixed_line.national_number_pattern)
_CN_MOBILE_RE = re.compile(CN_MOBILE)
_CN_FIXED_RE = re.compile(CN_FIXED)


# --------------------------------------------------------------------------------------------
# The salt
# --------------------------------------------------------------------------------------------


def salt_path() -> Path:
    """Where the installation's salt lives: ``$CALLCENTER_SALT_FILE``, else ``data/salt``."""
    env = os.environ.get(SALT_ENV)
    return Path(env) if env else DEFAULT_SALT_PATH


def load_salt(path: Path | None = None, *, create: bool = True) -> bytes:
    """The installation's salt (32 random bytes), created on first use and reused after.

    The file holds 64 hex characters. It is created atomically (``O_EXCL``), readable by its owner
    only, so two imports starting together agree on one salt.

    Raises:
        IngestError: the file is damaged, or missing while ``create`` is false.
    """
    path = path or salt_path()
    if not path.exists():
        if not create:
            raise IngestError(f"找不到盐值文件 {path}", f"The salt file {path} does not exist")
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process created it a moment ago: read theirs
        else:
            with os.fdopen(fd, "w", encoding="ascii") as fh:
                fh.write(secrets.token_hex(32) + "\n")
    text = path.read_text(encoding="ascii", errors="replace").strip()
    if not re.fullmatch(r"[0-9a-f]{64}", text):
        raise IngestError(
            f"盐值文件 {path} 已损坏。请从备份恢复;若换新盐值,同一客户在新旧数据中的编号将不同。",
            f"The salt file {path} is damaged. Restore it from a backup; a new salt would give every "
            "customer a different id from the data already imported.",
        )
    return bytes.fromhex(text)


# --------------------------------------------------------------------------------------------
# Normalising and hashing
# --------------------------------------------------------------------------------------------


def normalise_number(text: str | None, strip_prefixes: Iterable[str] = ()) -> str | None:
    """One number in its canonical digits, or ``None`` (withheld or not a number). See the module."""
    if text is None:
        return None
    return _normalise_one(text, tuple(p for p in strip_prefixes if p))[0]


def fold_digits(text: str) -> str:
    """``text`` with full-width and other Unicode digits, plus signs, brackets and spaces in ASCII
    (NFKC: ``１３８`` → ``138``, ``＋８６`` → ``+86``, ``（０）`` → ``(0)``)."""
    if text.isascii():
        return text
    folded = unicodedata.normalize("NFKC", text)
    return "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() else ch for ch in folded)


@functools.lru_cache(maxsize=1 << 16)
def _normalise_one(text: str, prefixes: tuple[str, ...]) -> tuple[str | None, bool, bool]:
    """``(canonical digits or None, not a number, dialled abroad)`` of one value: the rules of the
    module, on a value the fast path of :func:`normalise_series` did not take."""
    raw = text.strip()
    if not raw or raw.lower() in ANONYMOUS:
        return None, False, False
    s = fold_digits(raw).strip()
    if s.lower() in ANONYMOUS:
        return None, False, False
    for prefix in prefixes:
        if s.startswith(prefix) and len(s) > len(prefix) + 6:
            s = s[len(prefix) :]
    d = _SEPARATORS_RE.sub("", s)
    abroad = False
    if d.startswith("+86"):
        d = d[3:]
    elif d.startswith("+"):
        d, abroad = d[1:], True
    elif d.startswith("0086"):
        d = d[4:]
    elif d.startswith("00"):
        abroad = True
    elif d.startswith("086") and is_cn_number(d[3:].lstrip("0")):
        d = d[3:]  # 086: the country code behind one 0, never an area code (none starts 086)
    d = d.lstrip("0")
    if _COUNTRY_MOBILE_RE.fullmatch(d):
        d = d[2:]
    if not _DIGITS_RE.fullmatch(d):
        return None, True, False
    return d, False, abroad


def is_cn_number(national: str) -> bool:
    """Whether ``national`` (digits, no trunk 0) is a Chinese mobile or fixed-line number by
    ``phonenumbers``' metadata (prefixes and lengths; whether it is in service is not known)."""
    return bool(_CN_MOBILE_RE.fullmatch(national) or _CN_FIXED_RE.fullmatch(national))


def normalise_series(raw: pl.Series, strip_prefixes: Iterable[str] = ()) -> tuple[pl.Series, pl.Series]:
    """``(normalised, bad)`` for a column of numbers as written, the same as :func:`normalise_number`.

    Values that already are canonical digits (3 to 20 ASCII digits, no leading 0, not ``861…`` with
    13 digits), the usual case in a switch's export, are passed through as they are; only the
    others go through the rules, once per distinct value. With ``strip_prefixes`` every value goes
    through the rules.
    """
    norm, bad, _abroad = normalise_column(raw, strip_prefixes)
    return norm, bad


def normalise_column(
    raw: pl.Series, strip_prefixes: Iterable[str] = ()
) -> tuple[pl.Series, pl.Series, pl.Series]:
    """``(normalised, bad, abroad)``: :func:`normalise_series` plus whether each number was written
    with a country code other than China's (no province or carrier for those)."""
    text = raw.cast(pl.String).alias("n")
    n = text.len()
    prefixes = tuple(p for p in strip_prefixes if p)
    if prefixes:
        plain = pl.Series("plain", [False] * n, dtype=pl.Boolean)
    else:
        plain = (text.str.contains(_PLAIN) & ~text.str.contains(_COUNTRY_MOBILE)).fill_null(False)
    false = pl.Series("bad", [False] * n, dtype=pl.Boolean)
    if plain.all():
        return text.alias("norm"), false, false.alias("abroad")
    rest = text.filter(~plain)
    distinct = rest.drop_nulls().unique()
    table = [_normalise_one(v, prefixes) for v in distinct.to_list()]
    looked = pl.DataFrame(
        {
            "n": distinct,
            "norm": pl.Series([t[0] for t in table], dtype=pl.String),
            "bad": pl.Series([t[1] for t in table], dtype=pl.Boolean),
            "abroad": pl.Series([t[2] for t in table], dtype=pl.Boolean),
        }
    )
    joined = (
        pl.DataFrame({"n": rest})
        .join(looked, on="n", how="left", maintain_order="left")
        .with_columns(pl.col("bad").fill_null(False), pl.col("abroad").fill_null(False))
    )
    if not plain.any():
        return joined["norm"], joined["bad"], joined["abroad"]
    at = (~plain).arg_true()
    norm = text.clone().alias("norm").scatter(at, joined["norm"])
    return (
        norm,
        false.clone().scatter(at, joined["bad"]),
        false.clone().alias("abroad").scatter(at, joined["abroad"]),
    )


# --------------------------------------------------------------------------------------------
# Province and carrier of a customer's number (before it is hashed)
# --------------------------------------------------------------------------------------------

#: National digits looked up per number: ``phonenumbers``' Chinese prefix tables (geocoder and
#: carrier) hold at most 9 digits of the E.164 number, "86" and 7 national digits.
PREFIX_DIGITS = 7
_LANDLINE_LOCAL_RE = re.compile(r"(?:10|2[0-9])[2-9][0-9]+|[3-9][0-9]{2}[2-9][0-9]+")


@functools.lru_cache(maxsize=1024)
def short_province(description: str) -> str | None:
    """The province of a geocoder description, short (``广东省深圳市`` → ``广东``); None if none."""
    return next((p for p in PROVINCES if description.startswith(p)), None)


def prefix_region(prefix: str, mobile: bool) -> tuple[str | None, str | None]:
    """``(province, carrier)`` of the numbers starting with ``prefix`` (national digits) through
    ``phonenumbers``' own API, one number at a time: the reference :func:`region_series` is tested
    against (it reads the same tables in bulk)."""
    from phonenumbers import carrier as pn_carrier
    from phonenumbers import geocoder as pn_geocoder

    number = PhoneNumber(country_code=86, national_number=int(prefix.ljust(11, "0")))
    province = short_province(pn_geocoder.description_for_valid_number(number, "zh"))
    name = pn_carrier.name_for_valid_number(number, "zh") if mobile else ""
    return province, name or None


@functools.cache
def _prefix_tables() -> tuple[pl.DataFrame, pl.DataFrame]:
    """China's rows of ``phonenumbers``' geocoder and carrier tables: national prefix → province
    (short form), and → carrier (Chinese); read once per process (about 130,000 and 60 rows), when
    the first Chinese number is met (an import of numbers it does not know, such as the fictitious
    ``100…`` of the tests and the benchmark, never reads them)."""

    def frame(rows: list[tuple[str, str]]) -> pl.DataFrame:
        return pl.DataFrame(rows, schema={"p": pl.String, "v": pl.String}, orient="row").with_columns(
            pl.col("p").str.len_chars().alias("len")
        )

    geo = [(k[2:], short_province(v.get("zh", "")) or "") for k, v in _china_rows("phonenumbers.geodata")]
    car = [(k[2:], v.get("zh", "")) for k, v in _china_rows("phonenumbers.carrierdata")]
    return frame(geo), frame(car)


def _china_rows(package: str) -> list[tuple[str, dict[str, str]]]:
    """The ``86…`` entries of a ``phonenumbers`` prefix package (``geodata``, ``carrierdata``).

    Importing the package loads every country's table at once (about 150 MB that stay for the
    life of the process, the Streamlit server's included); so its ``data*.py`` modules are read one
    after the other and only China's entries kept. If the package is loaded already, or its
    layout is not the one expected, its own dictionary is read instead.
    """
    loaded = sys.modules.get(package)
    spec = importlib.util.find_spec(package) if loaded is None else None
    folders = list(spec.submodule_search_locations or []) if spec is not None else []
    files = sorted(Path(folders[0]).glob("data*.py")) if folders else []
    if loaded is None and files:
        rows: list[tuple[str, dict[str, str]]] = []
        for path in files:
            part = importlib.util.spec_from_file_location(f"{package}.{path.stem}", path)
            if part is None or part.loader is None:
                break
            module = importlib.util.module_from_spec(part)
            part.loader.exec_module(module)
            rows += [(k, v) for k, v in module.data.items() if k.startswith("86")]
        else:
            return rows
    table = importlib.import_module(package)
    data = table.GEOCODE_DATA if package.endswith("geodata") else table.CARRIER_DATA
    return [(k, v) for k, v in data.items() if k.startswith("86")]


def _longest_prefix(keys: pl.Series, table: pl.DataFrame) -> pl.Series:
    """Each key's value in ``table`` by its longest prefix there, as ``phonenumbers`` looks it up
    (a prefix found with an empty value ends the search: null)."""
    out = pl.DataFrame({"key": keys})
    found: list[str] = []
    for length in sorted(table["len"].unique().to_list(), reverse=True):
        part = table.filter(pl.col("len") == length).select(pl.col("p"), pl.col("v").alias(f"v{length}"))
        out = out.with_columns(pl.col("key").str.slice(0, length).alias("_p")).join(
            part, left_on="_p", right_on="p", how="left", maintain_order="left"
        )
        found.append(f"v{length}")
    value = out.select(pl.coalesce(found)).to_series()
    return value.replace("", None)


def region_series(normalised: pl.Series, abroad: pl.Series | None = None) -> tuple[pl.Series, pl.Series]:
    """``(province, carrier)`` of each normalised customer number (null where unknown).

    Only numbers that are Chinese by ``phonenumbers``' metadata get one: a mobile number (its
    province and carrier by its first 7 digits) or a landline whose local number starts with 2–9
    (its area code's province; local numbers never start with 0 or 1, so the fictitious
    ``010-0000-0xxx`` of the tests stays unknown). Numbers dialled abroad get none. The numbers are
    checked against the metadata's patterns vectorised, and the chunk's distinct prefixes looked up
    at once in ``phonenumbers``' own tables (:func:`_prefix_tables`), by joins.
    """
    n = normalised.len()
    text = normalised.cast(pl.String)
    mobile = text.str.contains(f"^(?:{CN_MOBILE})$").fill_null(False)
    # The fixed-line pattern is long: only for numbers shaped like a landline (cheap test first).
    fixed = ~mobile & text.str.contains(f"^(?:{_LANDLINE_LOCAL_RE.pattern})$").fill_null(False)
    if fixed.any():
        at = fixed.arg_true()
        fixed = fixed.scatter(at, text.gather(at).str.contains(f"^(?:{CN_FIXED})$").fill_null(False))
    frame = pl.DataFrame({"n": text, "mobile": mobile})
    known = mobile | fixed
    if abroad is not None:
        known = known & ~abroad
    if not known.any():
        empty = pl.Series([None] * n, dtype=pl.String)
        return empty.alias("callee_province"), empty.alias("callee_carrier")
    frame = frame.with_columns(
        pl.when(pl.lit(known)).then(pl.col("n").str.slice(0, PREFIX_DIGITS)).alias("key")
    )
    keys = frame.filter(pl.col("key").is_not_null()).select("key", "mobile").unique()
    geo, car = _prefix_tables()
    table = keys.with_columns(
        _longest_prefix(keys["key"], geo).alias("callee_province"),
        pl.when(pl.col("mobile"))
        .then(pl.lit(_longest_prefix(keys["key"], car)))
        .otherwise(None)
        .alias("callee_carrier"),
    )
    out = frame.join(table, on=["key", "mobile"], how="left", maintain_order="left")
    return out["callee_province"], out["callee_carrier"]


def customer_id(number: str | None, key: bytes) -> str | None:
    """The stored id of one number (normalised first); ``None`` when withheld or not a number."""
    norm = normalise_number(number)
    return None if norm is None else _digest(key, norm)


def _digest(key: bytes, normalised: str) -> str:
    return hmac.digest(key, normalised.encode("ascii"), "sha256").hex()[:ID_CHARS]


def hash_series(normalised: pl.Series, key: bytes) -> pl.Series:
    """Ids for a column of normalised numbers (nulls stay null).

    The same HMAC-SHA256 as :func:`customer_id` (RFC 2104: ``H((K ^ opad) || H((K ^ ipad) || m))``),
    with the two keyed SHA-256 states computed once per call and copied for each number: about
    0.7 µs per number, half the time of DuckDB's vectorised ``sha256`` built from the same formula
    (which also needed a connection per chunk). Tests pin it to RFC 4231's vectors and to
    :func:`customer_id`.
    """
    if normalised.len() == 0 or normalised.null_count() == normalised.len():
        return pl.Series(normalised.name, [None] * normalised.len(), dtype=pl.String)
    block = (hashlib.sha256(key).digest() if len(key) > 64 else key).ljust(64, b"\0")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in block))
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in block))

    def one(value: str) -> str:
        h = inner.copy()
        h.update(value.encode("utf-8"))
        o = outer.copy()
        o.update(h.digest())
        return o.hexdigest()[:ID_CHARS]

    values = normalised.cast(pl.String).to_list()
    return pl.Series(normalised.name, [None if v is None else one(v) for v in values], dtype=pl.String)


# --------------------------------------------------------------------------------------------
# Company (caller) numbers: stored in clear, in one written form
# --------------------------------------------------------------------------------------------

_TOLL_FREE_RE = re.compile(r"[48]00[0-9]{7}")


@functools.lru_cache(maxsize=1 << 12)
def company_number(text: str | None) -> str | None:
    """The company's (caller) number in its one stored form, the form of the numbers ledger and the
    demo: ``0592-5044102`` (landline: trunk 0 and area code, a dash, the local number),
    ``138-0100-0001`` (mobile, 3-4-4), ``400-123-4567`` (400 and 800 numbers, 3-3-4); any other
    number (95, 96, 1010 service numbers, extensions, numbers ``phonenumbers`` does not know) as its
    digits, without separators or China's country code; a number abroad as ``+`` and its digits.
    Values that are not numbers (``SIP/trunk``, the demo's ``0571-XXXX0001``) are kept as written,
    trimmed; empty values and anonymity markers are None.

    >>> [company_number(x) for x in ("+865925044102", "05925044102", "0592 504 4102", "+86 (0)592-5044102")]
    ['0592-5044102', '0592-5044102', '0592-5044102', '0592-5044102']
    >>> company_number("13801000001"), company_number("４００１２３４５６７"), company_number("+86 95000001")
    ('138-0100-0001', '400-123-4567', '95000001')
    """
    if text is None:
        return None
    raw = fold_digits(text.strip()).strip()
    if not raw or raw.lower() in ANONYMOUS:
        return None
    d = _SEPARATORS_RE.sub("", raw)
    if not re.fullmatch(r"\+?[0-9]+", d):
        return raw
    if d.startswith("+86"):
        d = d[3:]
    elif d.startswith("+") or (d.startswith("00") and not d.startswith("0086")):
        return "+" + d.lstrip("+0")
    elif d.startswith("0086"):
        d = d[4:]
    elif d.startswith("086") and is_cn_number(d[3:].lstrip("0")):
        d = d[3:]
    elif _COUNTRY_MOBILE_RE.fullmatch(d):
        d = d[2:]
    national = d.lstrip("0")
    if _CN_MOBILE_RE.fullmatch(national):
        return f"{national[:3]}-{national[3:7]}-{national[7:]}"
    if _TOLL_FREE_RE.fullmatch(national):
        return f"{national[:3]}-{national[3:6]}-{national[6:]}"
    if _CN_FIXED_RE.fullmatch(national) and _LANDLINE_LOCAL_RE.fullmatch(national):
        area = 2 if national[0] in "12" else 3
        return f"0{national[:area]}-{national[area:]}"
    return d


def company_series(raw: pl.Series) -> pl.Series:
    """:func:`company_number` of each value of a column, computed once per distinct value."""
    text = raw.cast(pl.String)
    distinct = text.drop_nulls().unique()
    if distinct.len() == 0:
        return text
    mapped = pl.Series([company_number(v) for v in distinct.to_list()], dtype=pl.String)
    return text.replace_strict(distinct, mapped, default=None, return_dtype=pl.String)


# --------------------------------------------------------------------------------------------
# Masking (rejects files and messages)
# --------------------------------------------------------------------------------------------

_DATE_TIME = re.compile(r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
# A run of digits (spaces, dashes, brackets inside, ASCII or full-width) not part of a decimal such
# as "1714528800.12". \d is any Unicode digit: full-width ones (１３８…) are runs too.
_NUMBER_RUN = re.compile(r"(?<!\d)(?<!\d\.)[+＋]?\d[\d \-()\u3000－（）]{5,}\d(?!\d|\.\d)")
# Numbers written with dots, 170.5553.7777 or +86.138.0100.0001: groups of 2–4, 3–4 and 4 digits
# (an IP address ends in 1–3 digits, a date is parked first, a decimal has one dot).
_DOTTED_RUN = re.compile(r"(?<![\d.．])[+＋]?(?:\d{1,4}[.．])?\d{2,4}[.．]\d{3,4}[.．]\d{4}(?!\d|[.．]\d)")


def mask_number(text: str) -> str:
    """Every digit but the last two replaced by ``*``.

    >>> mask_number("+86 100 0000 0012")
    '+** *** **** **12'
    """
    digits = [i for i, ch in enumerate(text) if ch.isdigit()]
    hide = set(digits[:-2])
    return "".join("*" if i in hide else ch for i, ch in enumerate(text))


def mask_text(text: str) -> str:
    """``text`` with every run that looks like a phone number (7+ digits) masked, in any written
    form (spaces, dashes, brackets, dots between groups, full-width digits and separators); dates
    and times, decimals such as Asterisk unique ids, IP addresses and short numbers (durations) are
    left alone.

    >>> mask_text('"8001","10000000012","2024-05-01 10:00:00",65,"1714528800.12"')
    '"8001","*********12","2024-05-01 10:00:00",65,"1714528800.12"'
    >>> mask_text("sip:010-0000-0012@gw, call back 10000000012.")
    'sip:***-****-**12@gw, call back *********12.'
    >>> mask_text("170.5553.7777, １３８－０１００－０００１, 192.168.100.200")
    '***.****.**77, ***－****－**０１, 192.168.100.200'
    """
    keep: list[str] = []

    def park(m: re.Match[str]) -> str:
        keep.append(m.group(0))
        return f"\x00{len(keep) - 1}\x00"

    parked = _DATE_TIME.sub(park, text)

    def hide(m: re.Match[str]) -> str:
        run = m.group(0)
        return mask_number(run) if sum(ch.isdigit() for ch in run) >= 7 else run

    masked = _NUMBER_RUN.sub(hide, _DOTTED_RUN.sub(hide, parked))
    return re.sub(r"\x00(\d+)\x00", lambda m: keep[int(m.group(1))], masked)
