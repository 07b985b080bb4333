"""Recurring indicators: when a person's latest qualifying course expires, and who is about to expire.

A course of a ``recurring`` indicator counts for ``recurring_years`` years after the day it was completed
(``targets.compliance.dates.course_window``); a person whose latest such course expires within the
indicator's ``warning_days`` after T is listed as "sắp hết hạn" (about to expire).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db.models import Max, QuerySet

from personnel.job_positions import expires_on, years_before
from personnel.models import Person
from training.choices import TrainingResult
from training.models import TrainingRecord

from . import compliance
from .models import Indicator, IndicatorKind


def expiring(indicator: Indicator, person_ids: Iterable[int], at: datetime.date) -> dict[int, datetime.date]:
    """Return {person id: expiry date} of the persons whose latest course of the indicator's types still
    counts at ``at`` and expires within ``warning_days`` after it (one query; empty when the indicator is
    not recurring or warns nobody)."""
    if not isinstance(person_ids, QuerySet):
        person_ids = list(person_ids)
    if indicator.kind != IndicatorKind.RECURRING or not indicator.warning_days or not person_ids:
        return {}
    years = indicator.recurring_years or 1
    latest = (
        TrainingRecord.objects.completed_between(years_before(at, years), at)
        .of_types(indicator.course_types)
        .filter(person_id__in=person_ids)
        .order_by()
        .values("person_id")
        .annotate(last=Max("counted_on"))
    )
    horizon = at + datetime.timedelta(days=indicator.warning_days)
    found = {}
    for row in latest:
        ends = expires_on(row["last"], years)
        if at < ends <= horizon:
            found[row["person_id"]] = ends
    return found


def expiring_from_records(indicator: Indicator, person_id: int, records, at: datetime.date) -> dict[int, datetime.date]:
    """Return ``expiring`` for one person from their training records already read (no query).

    ``records``: all the person's records, with their course, its types prefetched, and ``counted_on``
    (``TrainingRecordQuerySet.with_counted_date``); read as ``expiring`` reads them.
    """
    if indicator.kind != IndicatorKind.RECURRING or not indicator.warning_days:
        return {}
    years = indicator.recurring_years or 1
    start = years_before(at, years)
    wanted = set(indicator.course_types)
    dates = [
        record.counted_on
        for record in records
        if record.result == TrainingResult.COMPLETED
        and record.counted_on is not None
        and (start is None or start <= record.counted_on)
        and record.counted_on <= at
        and wanted & {course_type.code for course_type in record.course.types.all()}
    ]
    if not dates:
        return {}
    ends = expires_on(max(dates), years)
    horizon = at + datetime.timedelta(days=indicator.warning_days)
    return {person_id: ends} if at < ends <= horizon else {}


def expiring_in(programme, indicator: Indicator, unit, *, year: int | None = None, view: str | None = None, limit=200):
    """Return [(person, expiry date)], soonest first, of the persons the indicator counts for ``unit`` who
    meet it with a course that expires within its ``warning_days`` (at most ``limit``; two queries after the
    engine's reading of the population)."""
    if indicator.kind != IndicatorKind.RECURRING or not indicator.warning_days:
        return []
    programme, _indicators = compliance.load(programme)
    unit = compliance._root(unit)
    view = view or compliance.default_view(unit)
    _year, at = compliance.unit_evaluation_date(programme, unit, year=year, view=view)
    if at is None:
        return []
    population = compliance.met_population(programme, indicator, unit, year=year, view=view)
    found = sorted(expiring(indicator, population.values("pk"), at).items(), key=lambda item: (item[1], item[0]))
    found = found[:limit]
    persons = Person.objects.select_related("unit").in_bulk([pk for pk, _on in found])
    return [(persons[pk], on) for pk, on in found if pk in persons]
