"""Which date T an evaluation reads, in each view of ``organisation-history.md``."""

from __future__ import annotations

import datetime

from django.utils import timezone

from personnel.job_positions import years_before

from ..models import Indicator, IndicatorKind, Programme

THEN = "then"
TODAY = "today"
VIEWS = (TODAY, THEN)


def check_view(view: str) -> str:
    """Return ``view`` if it names a view, else raise ``ValueError``."""
    if view not in VIEWS:
        raise ValueError(f"Unknown view {view!r}: use 'then' or 'today'")
    return view


def evaluation_date(
    programme: Programme,
    *,
    year: int | None = None,
    as_of: datetime.date | None = None,
    today: datetime.date | None = None,
) -> tuple[int, datetime.date]:
    """Return (year Y, date T) of an evaluation.

    T is ``as_of`` when given; else 31 December of ``year``, never later than today; with neither,
    the programme's end date, or today if earlier. Y is T's year unless ``year`` is given.
    """
    today = today or timezone.localdate()
    if as_of is not None:
        return (year or as_of.year), as_of
    if year is not None:
        return year, min(datetime.date(year, 12, 31), today)
    at = min(programme.end_date, today)
    return at.year, at


def unit_date(
    year: int,
    at: datetime.date,
    *,
    opened_on: datetime.date | None,
    closed_on: datetime.date | None,
    view: str,
    today: datetime.date | None = None,
) -> datetime.date | None:
    """Return the date T at which a unit is evaluated for ``year`` (default T ``at``), or None when the unit
    has no figures for that year in that view (organisation-history.md, sections 4 and 5).

    View ``then``: never on or after the unit's closing date (then the day before it); no figures if that
    falls before 1 January of the year, or the unit was not yet open. View ``today``: one T for every unit
    of today's tree; a unit closed today has no figures.
    """
    today = today or timezone.localdate()
    if view == TODAY:
        if closed_on is not None and closed_on <= today:
            return None
        if opened_on is not None and opened_on > today:
            return None
        return at
    if closed_on is not None and closed_on <= at:
        at = closed_on - datetime.timedelta(days=1)
        if at < datetime.date(year, 1, 1):
            return None
    if opened_on is not None and opened_on > at:
        return None
    return at


def birth_cutoff(at: datetime.date, age: int) -> datetime.date:
    """Return the latest birth date of a person who is ``age`` or older at ``at``."""
    year = at.year - age
    try:
        return at.replace(year=year)
    except ValueError:  # 29 February in a year that has none: that person turns ``age`` on 1 March
        return datetime.date(year, 2, 28)


def course_window(indicator: Indicator, year: int, at: datetime.date) -> tuple[datetime.date | None, datetime.date]:
    """Return the first and last dates on which a completed course counts for a person indicator."""
    if indicator.kind == IndicatorKind.ANNUAL:
        return datetime.date(year, 1, 1), at
    if indicator.kind == IndicatorKind.WINDOW:
        return indicator.window_start, min(indicator.window_end, at)
    if indicator.kind == IndicatorKind.RECURRING:
        return years_before(at, indicator.recurring_years or 1), at
    return None, at


def appointment_window(programme: Programme, at: datetime.date) -> tuple[datetime.date, datetime.date]:
    """Return the dates between which appointments are counted: the programme's start up to T."""
    return programme.start_date, min(at, programme.end_date)
