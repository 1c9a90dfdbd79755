"""Comparison periods: the period before (month-over-month) and a year earlier (year-over-year).

>>> previous_period(date(2025, 9, 1), date(2025, 9, 30))
(datetime.date(2025, 8, 1), datetime.date(2025, 8, 31))
>>> previous_period(date(2025, 1, 1), date(2025, 3, 31))
(datetime.date(2024, 10, 1), datetime.date(2024, 12, 31))
>>> previous_period(date(2025, 9, 8), date(2025, 9, 14))
(datetime.date(2025, 9, 1), datetime.date(2025, 9, 7))
>>> year_earlier(date(2024, 2, 1), date(2024, 2, 29))
(datetime.date(2023, 2, 1), datetime.date(2023, 2, 28))
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta


def month_end(d: date) -> date:
    """The last day of ``d``'s month."""
    return d.replace(day=calendar.monthrange(d.year, d.month)[1])


def add_months(d: date, months: int) -> date:
    """``d`` moved by whole months, the day clipped to the target month's length."""
    index = d.year * 12 + d.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(d.day, calendar.monthrange(year, month + 1)[1]))


def whole_months(start: date, end: date) -> int | None:
    """The number of calendar months if ``[start, end]`` is exactly whole months, else ``None``."""
    if start.day != 1 or end != month_end(end):
        return None
    return (end.year - start.year) * 12 + end.month - start.month + 1


def previous_period(start: date, end: date) -> tuple[date, date]:
    """The period of the same length just before: the previous N months for whole months, else N days."""
    n = whole_months(start, end)
    if n is not None:
        first = add_months(start, -n)
        return first, month_end(add_months(first, n - 1))
    days = (end - start).days + 1
    return start - timedelta(days=days), start - timedelta(days=1)


def year_earlier(start: date, end: date) -> tuple[date, date]:
    """The same period one year earlier (whole months stay whole months; 29 Feb becomes 28 Feb)."""
    n = whole_months(start, end)
    if n is not None:
        first = add_months(start, -12)
        return first, month_end(add_months(first, n - 1))
    return add_months(start, -12), add_months(end, -12)


def change(current: float | None, previous: float | None, *, rate: bool) -> float | None:
    """The change shown beside a figure: points for rates (``current − previous``), relative for counts.

    Returns ``None`` when either side is missing, or for counts when the previous value is 0.
    """
    if current is None or previous is None:
        return None
    if rate:
        return current - previous
    if previous == 0:
        return None
    return current / previous - 1
