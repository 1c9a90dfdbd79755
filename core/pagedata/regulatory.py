"""The regulatory dashboard's page data: one report year, computed once.

:func:`build_regulatory_data` computes, for a report year Y seen on a given day, the eight-step
calendar, the risk difference list, the 46 annual-report fields and the credit score estimate, each
exactly once: the fields are given the difference list, and the credit estimate is given the
fields, the difference list and the calendar (before this object existed, a cold load of the page
computed the difference list four times and the fields twice). Building it reads the database and
never writes to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl
from sqlalchemy.engine import Engine

from core.infra import db
from core.infra.rules import Rules, load_rules
from core.pagedata import report
from core.reporting import credit, regulatory
from core.reporting.credit import CreditEstimate


@dataclass(frozen=True)
class RegulatoryData:
    """Everything the regulatory dashboard draws for one report year, seen on one day.

    Attributes:
        year (int): the report year Y, a calendar year; its annual report is filed in Y + 1 (by 31
            March) and compared with Y − 1.
        today (date): the day the calendar's statuses, the deadline colour and the credit
            estimate's timeliness are judged on.
        hard_dates (dict[str, date]): ``deadline`` (31 March of Y + 1), ``grace_end`` (30 April)
            and ``locked`` (1 May), in that order (:func:`core.reporting.regulatory.hard_dates`).
        deadline_colour (str): ``green``, ``amber`` (from 1 March), ``red`` (from 25 March) while
            step 6 (submit the formal report) is open; ``grey`` once it is done
            (:func:`core.reporting.regulatory.deadline_colour`).
        checklist (pl.DataFrame): the eight steps of DOMAIN.md §2, one row each in step order
            (:func:`core.reporting.regulatory.checklist`): ``year`` and ``step`` (Int64), ``due_on`` and
            ``done_on`` (Date; ``done_on`` null while open), ``owner``, ``signer``, ``note``
            (String or null), ``status`` (``done``, ``due`` or ``overdue`` on ``today``),
            ``what_zh`` and ``what_en`` (what the step is). Steps nobody has saved yet are the
            defaults: due per §2, open, no owner.
        has_calls (bool): whether the database holds calls in a range covering ``year`` (the year
            is among :func:`core.pagedata.report.data_years`). When False, ``fields`` and ``changes`` are
            empty and ``credit`` is None: there is no report year to compute.
        changes (list[dict[str, Any]]): the risk difference list (风险差异清单), one entry per
            material change of Y against Y − 1 in topic order (:func:`core.reporting.regulatory.compute_changes`):
            ``topic`` (``seats``, ``outbound_share``, ``equity``, ``key_script``, ``sites``,
            ``numbers``), ``rule`` (Chinese, as filed) and ``rule_en``, ``previous`` and ``current``
            (counts, a share as a fraction 0..1, or text for equity, scripts and sites), ``change``
            (relative change as a fraction, or points as a fraction for the outbound share; None for
            text topics), ``evidence`` (list of documents to prepare), ``source`` (the rule's basis)
            and ``detail`` (which figure tripped it, e.g. ``declared_seats``).
        fields (list[dict[str, Any]]): the 46 annual-report fields F01..F46 in catalogue order
            (:func:`core.reporting.regulatory.compute_fields`, with the difference list above): ``id``,
            ``form``, ``name_zh``, ``name_en``, ``unit`` (``count``, ``pct`` as a fraction 0..1,
            ``wan`` = 10,000 yuan, ``hours``, ``per10k``, ``text``, ``list``, ``date``), ``value``
            (year Y), ``previous`` (Y − 1: the stored submission's figure when there is one, else the
            data's), ``previous_source`` (``submission`` or ``data``), ``data_previous`` (Y − 1 from
            the data), ``change`` (relative, or points for ``pct``; None for text), ``material``
            (bool: the field's topic is in ``changes``), ``rule`` and ``evidence`` (of that change),
            ``source`` (``metric:…``, ``derived:…`` or ``manual:…``), ``published`` (bool) and
            ``sql`` (the SQL the computed field ran, compiled for the engine in use; None for manual
            entries).
        credit (CreditEstimate | None): the credit score estimate of Y on ``today``
            (:func:`core.reporting.credit.estimate`, judging the fields, changes and checklist above): seven
            components scored 0..100, their weights (points; 100 in all by default), the score (0..100
            points), the grade, whether it reaches ``[credit] threshold`` (80 points by default),
            the consequences when it does not, and up to four improvements ranked by the points
            they could add. None when ``has_calls`` is False.
        credit_grades (tuple[tuple[str, float], ...]): the grade bands of the rules in force,
            ``(grade, lowest score)`` from the best grade down, for the gauge.
    """

    year: int
    today: date
    hard_dates: dict[str, date]
    deadline_colour: str
    checklist: pl.DataFrame
    has_calls: bool
    changes: list[dict[str, Any]]
    fields: list[dict[str, Any]]
    credit: CreditEstimate | None
    credit_grades: tuple[tuple[str, float], ...]


def build_regulatory_data(
    engine: Engine, year: int, *, today: date, rules: Rules | None = None, with_sql: bool = True
) -> RegulatoryData:
    """The regulatory dashboard's data for report year ``year`` on ``today``, each part computed once.

    The page is company-wide: the sidebar's site, team and campaign filters do not apply to an
    annual report, so there are none to pass.

    Args:
        engine: the database (the schema must be present); only read, never written.
        year: the report year Y.
        today: the day statuses, the deadline colour and the credit estimate are judged on.
        rules: the rules in force (default: ``core/infra/rules.toml``); every part uses the same.
        with_sql: compile each computed field's SQL (``fields[i]["sql"]``); the CLI may skip it.

    Returns:
        :class:`RegulatoryData`, documented attribute by attribute.
    """
    rules = rules or load_rules()
    with db.reads_reused():  # one read of a question the parts share (numbers in use, peak seats)
        return _build(engine, year, today, rules, with_sql)


def _build(engine: Engine, year: int, today: date, rules: Rules, with_sql: bool) -> RegulatoryData:
    steps = regulatory.checklist(engine, year, today)
    step6 = steps.filter(pl.col("step") == 6)
    step6_done = bool(step6.height and step6["done_on"][0] is not None)
    has_calls = year in report.data_years(engine)
    changes: list[dict[str, Any]] = []
    fields: list[dict[str, Any]] = []
    estimate: CreditEstimate | None = None
    if has_calls:
        changes = regulatory.compute_changes(engine, year, rules=rules)
        fields = regulatory.compute_fields(engine, year, rules=rules, with_sql=with_sql, changes=changes)
        estimate = credit.estimate(
            engine, year, today=today, rules=rules, fields=fields, changes=changes, steps=steps
        )
    return RegulatoryData(
        year=year,
        today=today,
        hard_dates=regulatory.hard_dates(year),
        deadline_colour=regulatory.deadline_colour(year, today, step6_done=step6_done),
        checklist=steps,
        has_calls=has_calls,
        changes=changes,
        fields=fields,
        credit=estimate,
        credit_grades=tuple((str(g), float(f)) for g, f in rules.data["credit"]["grades"]),
    )


__all__ = ["RegulatoryData", "build_regulatory_data"]
