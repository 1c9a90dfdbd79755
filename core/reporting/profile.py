"""The company profile and finance entries the annual report uses (企业基本情况表, 企业经济效益表).

Most report fields come from the data; these are typed in by hand (DOMAIN.md §8, ``manual:``
sources in ``core/reporting/fields.toml``). The Settings page edits them through :func:`save_company` and
:func:`save_finance`: plain SQLAlchemy Core ``UPDATE``/``INSERT`` in one transaction, which
DuckDB, SQLite, PostgreSQL and MariaDB/MySQL run alike. ClickHouse has no transactional updates,
so edits there are refused with a :class:`ProfileError` saying to load the tables instead.

>>> clean_company({"name": "  华信 ", "listed": None, "registered_capital_wan": ""})["name"]
'华信'
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from core.infra import db, schema

#: Company columns in form order (the key, ``name``, first).
COMPANY_COLUMNS: tuple[str, ...] = tuple(c.name for c in schema.company.columns)
#: Finance columns besides ``year``, in 万元.
FINANCE_COLUMNS: tuple[str, ...] = tuple(c.name for c in schema.finance.columns if c.name != "year")
_NUMERIC_COMPANY = ("registered_capital_wan",)
_CREDIT_CODE = re.compile(r"^[0-9A-Z]{18}$")  # 18 characters; the check digit is not verified
MIN_YEAR, MAX_YEAR = 1990, 2100


class ProfileError(db.DatabaseError):
    """An entry that cannot be saved, in plain words (zh / en), naming the field at fault."""


def editable(engine: Engine) -> bool:
    """Whether the app may edit the profile tables of this engine (not on ClickHouse)."""
    return db.dialect_of(engine) != "clickhouse"


def _require_editable(engine: Engine) -> None:
    if not editable(engine):
        raise ProfileError(
            "ClickHouse 数据库在应用中只读:请用 `python -m core import` 或数据库客户端更新 company / finance 表。",
            "ClickHouse is read-only in the app: update the company / finance tables with "
            "`python -m core import` or a database client.",
        )


def _text(value: Any) -> str | None:
    text = "" if value is None else str(value).strip()
    return text or None


def _number(value: Any, field: str) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ProfileError(
            f"{field} 应为数字:{value!r}", f"{field} must be a number, got {value!r}"
        ) from None
    if number != number or number < 0:  # NaN or negative
        raise ProfileError(f"{field} 不能为负数或空值:{value!r}", f"{field} cannot be negative: {value!r}")
    return number


def clean_company(values: Mapping[str, Any]) -> dict[str, Any]:
    """Validated company values: text stripped (empty → null), numbers as floats, ``listed`` bool.

    Raises:
        ProfileError: an unknown column, no name, a malformed 统一社会信用代码, or a bad number.
    """
    unknown = sorted(set(values) - set(COMPANY_COLUMNS))
    if unknown:
        raise ProfileError(
            f"company 表没有字段 {', '.join(unknown)}", f"company has no column {', '.join(unknown)}"
        )
    out: dict[str, Any] = {}
    for column in COMPANY_COLUMNS:
        value = values.get(column)
        if column in _NUMERIC_COMPANY:
            out[column] = _number(value, column)
        elif column == "listed":
            out[column] = None if value is None else bool(value)
        else:
            out[column] = _text(value)
    if not out["name"]:
        raise ProfileError("企业名称(name)不能为空", "the company name (name) is required")
    code = out["credit_code"]
    if code is not None:
        code = code.upper()
        if not _CREDIT_CODE.match(code):
            raise ProfileError(
                f"统一社会信用代码(credit_code)应为 18 位数字或大写字母:{code!r}",
                f"credit_code must be 18 digits or capital letters (统一社会信用代码), got {code!r}",
            )
        out["credit_code"] = code
    return out


def read_company(engine: Engine) -> dict[str, Any] | None:
    """The company row (the first by name if several were loaded), or None when there is none."""
    frame = db.read_frame(engine, sa.select(*schema.company.columns).order_by(schema.company.c.name).limit(1))
    return frame.row(0, named=True) if frame.height else None


def save_company(
    engine: Engine, values: Mapping[str, Any], *, original_name: str | None = None
) -> dict[str, Any]:
    """Insert or update the company row; returns the values saved.

    Args:
        values: column → value (see :func:`clean_company`).
        original_name: the name the row had when the form was opened (``name`` is the key, so a
            renamed company updates that row); None inserts when the table is empty.

    Raises:
        ProfileError: bad values, or a ClickHouse database.
    """
    _require_editable(engine)
    clean = clean_company(values)
    table = schema.company
    with engine.begin() as conn:
        key = original_name if original_name is not None else clean["name"]
        exists = conn.execute(
            sa.select(sa.func.count()).select_from(table).where(table.c.name == key)
        ).scalar_one()
        if exists:
            conn.execute(sa.update(table).where(table.c.name == key).values(**clean))
        else:
            conn.execute(sa.insert(table).values(**clean))
    return clean


def read_finance(engine: Engine) -> pl.DataFrame:
    """Every finance row, newest year first."""
    return db.read_frame(engine, sa.select(*schema.finance.columns).order_by(schema.finance.c.year.desc()))


def save_finance(engine: Engine, year: int, values: Mapping[str, Any]) -> dict[str, Any]:
    """Insert or update the finance row of ``year`` (amounts in 万元); returns the values saved.

    Raises:
        ProfileError: a year outside 1990–2100, an unknown column, a negative or non-numeric amount,
            or a ClickHouse database.
    """
    _require_editable(engine)
    if not isinstance(year, int) or not MIN_YEAR <= year <= MAX_YEAR:
        raise ProfileError(
            f"年份(year)应在 {MIN_YEAR}–{MAX_YEAR} 之间:{year!r}",
            f"year must be between {MIN_YEAR} and {MAX_YEAR}, got {year!r}",
        )
    unknown = sorted(set(values) - set(FINANCE_COLUMNS))
    if unknown:
        raise ProfileError(
            f"finance 表没有字段 {', '.join(unknown)}", f"finance has no column {', '.join(unknown)}"
        )
    clean = {column: _number(values.get(column), column) for column in FINANCE_COLUMNS}
    table = schema.finance
    with engine.begin() as conn:
        exists = conn.execute(
            sa.select(sa.func.count()).select_from(table).where(table.c.year == year)
        ).scalar_one()
        if exists:
            conn.execute(sa.update(table).where(table.c.year == year).values(**clean))
        else:
            conn.execute(sa.insert(table).values(year=year, **clean))
    return {"year": year, **clean}


__all__ = [
    "COMPANY_COLUMNS",
    "FINANCE_COLUMNS",
    "ProfileError",
    "clean_company",
    "editable",
    "read_company",
    "read_finance",
    "save_company",
    "save_finance",
]
