"""Phone numbers at import (issue 12): one customer id per number however it is written, the
callee's province and carrier read from the number before it is hashed, company numbers in one
written form, the caller-number guard rail and masking in the rejects file.

Every number here is fictitious. Where a real prefix is needed (province and carrier come from
``phonenumbers``' tables of prefixes), the prefix is real and the suffix made up (``0001``…):

* ``138 0100 0001``: China Mobile, 北京 (1380100);
* ``139 9910 0001``: China Mobile, 新疆 乌鲁木齐 (1399910); ``0991-2000001``: 乌鲁木齐 landline;
* ``139 0890 0001``: China Mobile, 西藏 拉萨 (1390890); ``0891-2000001``: 拉萨 landline;
* ``189 9910 0002``: China Telecom, 新疆 (1899910);
* company numbers ``0592-2000001`` (厦门) and the tests' usual ``9500000x``.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa

from core.infra import db, schema
from core.ingest import IngestError, import_files
from core.ingest.numbers import (
    company_number,
    company_series,
    customer_id,
    mask_text,
    normalise_number,
    normalise_series,
    prefix_region,
    region_series,
)
from core.semantic.metrics import compute_metrics
from tests.ingest import samples

BEIJING = "13801000001"
#: One Beijing mobile number in every way the issue lists (and a few more).
BEIJING_FORMS = (
    "13801000001",
    "+86 138 0100 0001",
    "0086-138-0100-0001",
    "086138 0100 0001",
    "8613801000001",
    "１３８０１０００００１",  # full-width digits
    "＋８６ １３８－０１００－０００１",  # full-width plus, spaces and dashes
    "138.0100.0001",
    "(138) 0100-0001",
)


# --------------------------------------------------------------------------------------------
# Normalisation: one id per number
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("written", BEIJING_FORMS)
def test_every_written_form_is_the_same_customer(written: str) -> None:
    """Each form normalises to the 11 digits 13801000001, so its id is that of the plain digits."""
    key = bytes(range(32))
    assert normalise_number(written) == BEIJING
    assert customer_id(written, key) == customer_id(BEIJING, key)


def test_the_column_path_equals_one_by_one_and_never_raises() -> None:
    """The vectorised column gives the same digits as one by one, full-width included; values that
    are not numbers are flagged, not raised: 'abc' bad, '１２' (two digits) bad, 'anonymous' withheld."""
    values = [*BEIJING_FORMS, "abc", "１２", "anonymous", None, "+86 (0)10 2000 0001"]
    norm, bad = normalise_series(pl.Series(values, dtype=pl.String))
    assert norm.to_list() == [BEIJING] * len(BEIJING_FORMS) + [None, None, None, None, "1020000001"]
    assert bad.to_list() == [False] * len(BEIJING_FORMS) + [True, True, False, False, False]
    assert norm.to_list() == [None if v is None else normalise_number(v) for v in values]


def test_existing_canonical_forms_are_unchanged() -> None:
    """The fictitious numbers of the other tests and the doctests keep their digits (phonenumbers
    does not know them: the rules before it apply): 100… mobiles, 010-0000-… landlines, +1 abroad."""
    assert normalise_number("+86 100 0000 0012") == "10000000012"
    assert normalise_number("010-0000-0012") == "1000000012"
    assert normalise_number("+86 (0)10 0000 0012") == "1000000012"
    assert normalise_number("+1 202 555 0142") == "12025550142"
    assert normalise_number("0101234567") == "101234567"


def _vicidial(path: Path, rows: list[list[str]]) -> Path:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(samples.VICI_COLUMNS)
    writer.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


def test_vicidial_phone_codes_give_one_customer_beijing_china_mobile(
    tmp_path: Path, duck: str, key: bytes, calls_of
) -> None:
    """Six VICIdial calls to the same Beijing mobile, written with phone_code 86, 086, 0086, +86,
    ８６ (full-width) and empty, the number plain, spaced, with 0086 or full-width: one callee id (that
    of 13801000001), province 北京, carrier 中国移动 on every call. A seventh with phone_code 1 is a
    number abroad: another id, no province, no carrier."""
    rows = [
        samples._vici(1, "09:00", 30, "SALE", "13801000001", "6001", code="86"),
        samples._vici(2, "09:05", 30, "SALE", "13801000001", "6001", code="086"),
        samples._vici(3, "09:10", 30, "SALE", "138 0100 0001", "6001", code="0086"),
        samples._vici(4, "09:15", 30, "SALE", "0086-138-0100-0001", "6001", code="+86"),
        samples._vici(5, "09:20", 30, "SALE", "１３８０１０００００１", "6001", code="８６"),
        samples._vici(6, "09:25", 30, "SALE", "086 138 0100 0001", "6001", code=""),
        samples._vici(7, "09:30", 30, "SALE", "13801000001", "6001", code="1"),
    ]
    report = import_files(duck, [_vicidial(tmp_path / "vicidial_log.csv", rows)], "vicidial")
    assert (report.inserted, report.rejected) == (7, 0)
    calls = calls_of(db.make_engine(duck))
    china, abroad = calls.head(6), calls.row(6, named=True)
    assert set(china["callee_id"].to_list()) == {customer_id(BEIJING, key)}
    assert set(china["callee_province"].to_list()) == {"北京"}
    assert set(china["callee_carrier"].to_list()) == {"中国移动"}
    assert abroad["callee_id"] == customer_id("+1 13801000001", key) != customer_id(BEIJING, key)
    assert (abroad["callee_province"], abroad["callee_carrier"]) == (None, None)


# --------------------------------------------------------------------------------------------
# Province and carrier from the number; the blocked-region rule on imported data
# --------------------------------------------------------------------------------------------


def test_province_and_carrier_by_prefix() -> None:
    """Mobile prefixes give province and carrier; landlines their area code's province and no
    carrier; the fictitious 100… and 010-0000-… numbers, and numbers dialled abroad, nothing."""
    norm = pl.Series(
        [
            "13801000001",
            "13999100001",
            "18999100002",
            "9912000001",
            "13908900001",
            "8912000001",
            "10000000012",
            "1000000012",
            "12025550142",
            None,
        ]
    )
    abroad = pl.Series([False] * 8 + [True, False])
    province, carrier = region_series(norm, abroad)
    assert province.to_list() == ["北京", "新疆", "新疆", "新疆", "西藏", "西藏", None, None, None, None]
    assert carrier.to_list() == [
        "中国移动",
        "中国移动",
        "中国电信",
        None,
        "中国移动",
        None,
        None,
        None,
        None,
        None,
    ]


def test_bulk_lookup_equals_phonenumbers_api() -> None:
    """The joins over phonenumbers' tables give what its geocoder and carrier API give, prefix by
    prefix (a spread of 300 real mobile prefixes, suffix 0001)."""
    from core.ingest.numbers import CN_MOBILE

    prefixes = [str(p) for p in range(1300000, 2000000, 2311)]
    mobiles = [
        p + "0001" for p in prefixes if pl.Series([p + "0001"]).str.contains(f"^(?:{CN_MOBILE})$").item()
    ]
    assert len(mobiles) > 150
    province, carrier = region_series(pl.Series(mobiles))
    assert list(zip(province.to_list(), carrier.to_list(), strict=True)) == [
        prefix_region(m[:7], True) for m in mobiles
    ]


#: Outbound calls of 2024-05-06 (agent 8001): to 新疆 by mobile and by landline, to 西藏 by
#: mobile and by landline, to 北京 by mobile; one inbound call from 新疆 (the rule counts outbound
#: calls only). Hand count: blocked_region_calls = 4.
BLOCKED_ROWS = [
    ("1714957200.0101", "13999100001", "新疆", "中国移动"),
    ("1714957500.0102", "0991-2000001", "新疆", None),
    ("1714957800.0103", "+86 139 0890 0001", "西藏", "中国移动"),
    ("1714958100.0104", "0891 2000001", "西藏", None),
    ("1714958400.0105", "13801000001", "北京", "中国移动"),
]


def _blocked_master(path: Path, userfield: dict[str, str] | None = None) -> Path:
    lines = []
    for k, (uid, number, _prov, _car) in enumerate(BLOCKED_ROWS):
        hh = f"{9 + k:02d}"
        row = samples._out(uid, "8001", number, f"2024-05-06 {hh}:00:00", f"2024-05-06 {hh}:00:05",
                           f"2024-05-06 {hh}:01:05", 65, 60, "ANSWERED")  # fmt: skip
        row["userfield"] = (userfield or {}).get(uid, "")
        lines.append(samples.asterisk_line(row))
    inbound = samples._in("1714962000.0106", "18999100002", "SIP/8001-00000106", "2024-05-06 15:00:00",
                          "2024-05-06 15:00:05", "2024-05-06 15:01:05", 65, 60, "ANSWERED")  # fmt: skip
    lines.append(samples.asterisk_line(inbound))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_blocked_regions_are_found_on_imported_asterisk_calls(tmp_path: Path, duck: str, calls_of) -> None:
    """Five outbound calls and one inbound, no province column: the provinces and carriers are
    read from the numbers; blocked_region_calls over the day is 4 (新疆 ×2, 西藏 ×2; not 北京, not
    the inbound call from 新疆)."""
    report = import_files(duck, [_blocked_master(tmp_path / "Master.csv")], "asterisk-csv")
    assert (report.inserted, report.rejected) == (6, 0)
    calls = calls_of(db.make_engine(duck))
    got = calls.select("call_id", "callee_province", "callee_carrier").rows()
    assert got == [(uid, prov, car) for uid, _n, prov, car in BLOCKED_ROWS] + [
        ("1714962000.0106", "新疆", "中国电信")
    ]
    values = compute_metrics(db.make_engine(duck), date(2024, 5, 6), date(2024, 5, 6),
                             metrics=["blocked_region_calls", "outbound_calls"]).row(0, named=True)  # fmt: skip
    assert values == {"blocked_region_calls": 4, "outbound_calls": 5}


def test_province_and_carrier_on_every_engine(any_engine: sa.Engine, tmp_path: Path, calls_of) -> None:
    """The same six calls, provinces, carriers and blocked_region_calls (4) on DuckDB, SQLite,
    PostgreSQL, MariaDB and ClickHouse."""
    import_files(any_engine, [_blocked_master(tmp_path / "Master.csv")], "asterisk-csv")
    got = calls_of(any_engine).select("callee_province", "callee_carrier").rows()
    assert got == [(prov, car) for _uid, _n, prov, car in BLOCKED_ROWS] + [("新疆", "中国电信")]
    values = compute_metrics(any_engine, date(2024, 5, 6), date(2024, 5, 6),
                             metrics=["blocked_region_calls"]).row(0, named=True)  # fmt: skip
    assert values == {"blocked_region_calls": 4}


def test_a_mapped_province_column_wins(tmp_path: Path, duck: str, calls_of) -> None:
    """[callee_province] column = "userfield": where it holds a value (广东 on the 新疆 mobile call)
    that value is stored; where it is empty the number's province is. blocked_region_calls: 3."""
    mapping = tmp_path / "m.toml"
    mapping.write_text('[callee_province]\ncolumn = "userfield"\n', encoding="utf-8")
    path = _blocked_master(tmp_path / "Master.csv", {"1714957200.0101": "广东"})
    import_files(duck, [path], "asterisk-csv", mapping=mapping)
    calls = calls_of(db.make_engine(duck))
    assert calls["callee_province"].to_list() == ["广东", "新疆", "西藏", "西藏", "北京", "新疆"]
    assert calls["callee_carrier"][0] == "中国移动"  # the carrier still comes from the number
    values = compute_metrics(db.make_engine(duck), date(2024, 5, 6), date(2024, 5, 6),
                             metrics=["blocked_region_calls"]).row(0, named=True)  # fmt: skip
    assert values == {"blocked_region_calls": 3}


def test_an_older_database_is_upgraded_by_the_import(tmp_path: Path, duck: str, calls_of) -> None:
    """A database created before callee_carrier (the column dropped) imports: the column is added
    and filled for the new calls."""
    engine = db.make_engine(duck)
    db.create_schema(engine)
    with engine.begin() as conn:
        conn.execute(sa.text("ALTER TABLE calls DROP COLUMN callee_carrier"))
    assert db.check_schema(engine) == [db.SchemaProblem("calls", "callee_carrier")]
    import_files(duck, [_blocked_master(tmp_path / "Master.csv")], "asterisk-csv")
    assert db.check_schema(engine) == []
    assert calls_of(engine)["callee_carrier"].to_list()[0] == "中国移动"


# --------------------------------------------------------------------------------------------
# Company numbers
# --------------------------------------------------------------------------------------------


def test_company_numbers_in_one_written_form() -> None:
    """Landline 0AAA-local, mobile 3-4-4, 400 3-3-4 (the ledger's and the demo's forms); service
    numbers and unknown numbers as digits; the demo's placeholders and extensions as written."""
    forms = ["+8605922000001", "+865922000001", "05922000001", "0592 200 0001", "0086-592-2000001",
             "(0592)2000001", "０５９２－２０００００１"]  # fmt: skip
    assert {company_number(f) for f in forms} == {"0592-2000001"}
    assert company_number("+86 138 0100 0001") == "138-0100-0001"
    assert company_number("4001234567") == company_number("400-123-4567") == "400-123-4567"
    assert company_number("95000001") == company_number("+86 95000001") == "95000001"
    assert [company_number(x) for x in ("0571-XXXX0001", "1XX-XXXX-0002", "95XX01", "8001", " ", None)] == [
        "0571-XXXX0001",
        "1XX-XXXX-0002",
        "95XX01",
        "8001",
        None,
        None,
    ]
    assert company_series(pl.Series(["+865922000001", None, "05922000001"])).to_list() == [
        "0592-2000001",
        None,
        "0592-2000001",
    ]


def test_imported_caller_numbers_are_one_number(tmp_path: Path, duck: str, calls_of) -> None:
    """Two outbound Asterisk calls presenting +865922000001 and 05922000001: one caller number,
    0592-2000001, on both."""
    rows = [
        samples._out("1714957200.0201", "8001", "13801000001", "2024-05-06 09:00:00", "", "2024-05-06 09:00:20",
                     20, 0, "NO ANSWER", clid='"Sales" <+865922000001>'),
        samples._out("1714957300.0202", "8001", "13801000001", "2024-05-06 09:05:00", "", "2024-05-06 09:05:20",
                     20, 0, "NO ANSWER", clid='"Sales" <05922000001>'),
    ]  # fmt: skip
    path = tmp_path / "Master.csv"
    path.write_text("\n".join(samples.asterisk_line(r) for r in rows) + "\n", encoding="utf-8")
    import_files(duck, [path], "asterisk-csv")
    assert calls_of(db.make_engine(duck))["caller_number"].to_list() == ["0592-2000001", "0592-2000001"]


# --------------------------------------------------------------------------------------------
# Guard rail: customers' numbers routed to caller_number
# --------------------------------------------------------------------------------------------


def _customers_as_callers(path: Path, n: int = 6) -> Path:
    """n outbound calls whose clid carries a different mobile number each (1380100000k, made up)."""
    rows = [
        samples._out(f"1714957200.03{k:02d}", "8001", f"1380100000{k}", f"2024-05-06 09:{k:02d}:00", "",
                     f"2024-05-06 09:{k:02d}:20", 20, 0, "NO ANSWER", clid=f'"" <1380100000{k}>')
        for k in range(n)
    ]  # fmt: skip
    path.write_text("\n".join(samples.asterisk_line(r) for r in rows) + "\n", encoding="utf-8")
    return path


def test_customers_numbers_as_caller_numbers_are_refused(tmp_path: Path, duck: str) -> None:
    """Six calls presenting six different mobile numbers, an empty ledger: refused before anything is
    written, naming the key ([caller_number] column_out = "clid"), numbers masked, zh and en."""
    with pytest.raises(IngestError) as caught:
        import_files(duck, [_customers_as_callers(tmp_path / "Master.csv")], "asterisk-csv")
    err = caught.value
    assert '[caller_number] column_out = "clid"' in err.en and '[caller_number] column_out = "clid"' in err.zh
    assert "6 distinct ones are mobile numbers" in err.en and "Nothing was written" in err.en
    assert "0100-0000" not in err.en and "***-****-**00" in err.en  # masked, in the stored form
    assert "未写入任何数据" in err.zh
    assert db.row_counts(db.make_engine(duck), [schema.calls]) == {"calls": 0}


def test_company_mobiles_in_the_ledger_are_accepted(tmp_path: Path, duck: str, calls_of) -> None:
    """The same six calls, with the six mobiles registered in the ledger (written 138-0100-000k, as
    the ledger does): imported, the caller numbers stored in that form."""
    engine = db.make_engine(duck)
    db.create_schema(engine)
    ledger = pl.DataFrame({"number": [f"138-0100-000{k}" for k in range(6)], "kind": ["mobile"] * 6})
    db.load_frame(engine, "numbers", ledger)
    report = import_files(duck, [_customers_as_callers(tmp_path / "Master.csv")], "asterisk-csv")
    assert report.inserted == 6
    assert calls_of(engine)["caller_number"].to_list() == [f"138-0100-000{k}" for k in range(6)]


def test_a_few_customer_shaped_callers_or_repeated_lines_pass(tmp_path: Path, duck: str) -> None:
    """Four distinct mobiles (fewer than five) pass with an empty ledger; so do six calls from two
    unregistered company lines not in a non-empty ledger (they repeat: a company's lines)."""
    assert import_files(duck, [_customers_as_callers(tmp_path / "a.csv", n=4)], "asterisk-csv").inserted == 4
    engine = db.make_engine(duck)
    db.load_frame(engine, "numbers", pl.DataFrame({"number": ["95000001"], "kind": ["95"]}))
    rows = [
        samples._out(f"1714960000.04{k:02d}", "8001", "13801000001", f"2024-05-06 10:{k:02d}:00", "",
                     f"2024-05-06 10:{k:02d}:20", 20, 0, "NO ANSWER", clid=f'"" <0592200000{k % 2}>')
        for k in range(6)
    ]  # fmt: skip
    path = tmp_path / "b.csv"
    path.write_text("\n".join(samples.asterisk_line(r) for r in rows) + "\n", encoding="utf-8")
    assert import_files(duck, [path], "asterisk-csv").inserted == 6


# --------------------------------------------------------------------------------------------
# Masking
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("call 170.5553.7777 now", "call ***.****.**77 now"),
        ("+86.138.0100.0001", "+**.***.****.**01"),
        ("１３８０１０００００１", "*********０１"),
        ("１３８－０１００－０００１", "***－****－**０１"),
        ("（０１０）２０００\u3000０００１", "（***）****\u3000**０１"),
        ("+86 (0)10 2000 0001", "+** (*)** **** **01"),
        ("0086-138-0100-0001", "****-***-****-**01"),
        # Left alone: a date with dots, a decimal unique id, an IP address, a duration.
        ("2024.05.06,1714960800.0001,192.168.100.200,65", "2024.05.06,1714960800.0001,192.168.100.200,65"),
    ],
)
def test_mask_text_hides_every_written_form(text: str, masked: str) -> None:
    assert mask_text(text) == masked


def test_rejects_file_masks_dotted_and_full_width_numbers(tmp_path: Path, duck: str) -> None:
    """Two rows rejected for their context, one written 139.9910.0001 and one 13999100002 in
    full-width digits: the rejects file shows neither number, only their last two digits."""
    wide = "13999100002".translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    rows = [
        samples._out("1714957200.0501", "8001", "139.9910.0001", "2024-05-06 09:00:00", "", "2024-05-06 09:00:20",
                     20, 0, "NO ANSWER", dcontext="weird-ctx"),
        samples._out("1714957300.0502", "8001", wide, "2024-05-06 09:05:00", "", "2024-05-06 09:05:20",
                     20, 0, "NO ANSWER", dcontext="weird-ctx"),
    ]  # fmt: skip
    path = tmp_path / "Master.csv"
    path.write_text("\n".join(samples.asterisk_line(r) for r in rows) + "\n", encoding="utf-8")
    report = import_files(duck, [path], "asterisk-csv")
    assert (report.inserted, report.rejected) == (0, 2)
    text = Path(report.rejects_file or "").read_text(encoding="utf-8-sig")
    assert "9910" not in text and "９９１０" not in text
    assert "***.****.**01" in text and "*********０２" in text


def test_canonical_calls_and_ledger_use_the_same_forms(tmp_path: Path, duck: str, calls_of) -> None:
    """Canonical files: the ledger's 0592 200 0001 and the calls' +865922000001 are both stored as
    0592-2000001; a clear customer number gives province and carrier where the file has none (k-1:
    新疆, 中国移动), a province in the file wins (k-2: 广东, carrier still from the number), an id
    hashed already gives none (k-3)."""
    ledger = tmp_path / "numbers.csv"
    ledger.write_text(
        "number,kind,carrier,province\n0592 200 0001,landline,中国电信,福建\n", encoding="utf-8"
    )
    calls = tmp_path / "calls.csv"
    calls.write_text(
        "call_id,direction,started_at,disposition,caller_number,callee_id,callee_province\n"
        "k-1,out,2024-05-09 09:00:00,no_answer,+865922000001,139 9910 0001,\n"
        "k-2,out,2024-05-09 09:10:00,no_answer,05922000001,13999100001,广东\n"
        f"k-3,out,2024-05-09 09:20:00,no_answer,0592-2000001,{samples.PREHASHED},\n",
        encoding="utf-8",
    )
    import_files(duck, [ledger, calls], "canonical")
    engine = db.make_engine(duck)
    stored = db.read_frame(engine, sa.select(schema.numbers.c.number))["number"].to_list()
    assert stored == ["0592-2000001"]
    got = calls_of(engine).select("call_id", "caller_number", "callee_province", "callee_carrier").rows()
    assert got == [
        ("k-1", "0592-2000001", "新疆", "中国移动"),
        ("k-2", "0592-2000001", "广东", "中国移动"),
        ("k-3", "0592-2000001", None, None),
    ]
