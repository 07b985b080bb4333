"""Which years a page offers and which one it opens on: the one rule every page, the API and the commands use.

A page opens on the programme's latest year that has begun (its last year once the programme has ended),
never on a year outside the programme, where every annual indicator would read 0 %. The current year stays
selectable (a programme's successor may not be entered yet), after the programme's years.
"""

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Programme


def _today(today: datetime.date | None) -> datetime.date:
    return today or timezone.localdate()


def begun_years(programme: Programme | None, today: datetime.date | None = None) -> list[int]:
    """Return the programme's years that have begun by ``today`` (default: today), oldest first."""
    if programme is None:
        return []
    this_year = _today(today).year
    return [year for year in programme.years if year <= this_year]


def ended_years(programme: Programme | None, today: datetime.date | None = None) -> list[int]:
    """Return the programme's years that have ended by ``today`` (default: today), oldest first."""
    this_year = _today(today).year
    return [year for year in begun_years(programme, today) if year < this_year]


def plannable_years(programme: Programme, today: datetime.date | None = None) -> list[int]:
    """Return the years one may plan training for, newest first: next year back to the programme's first year."""
    return list(range(_today(today).year + 1, programme.start_date.year - 1, -1))


def selectable_years(programme: Programme | None, today: datetime.date | None = None) -> list[int]:
    """Return the years one may choose, oldest first: the programme's begun years, and the current year."""
    years = begun_years(programme, today)
    this_year = _today(today).year
    if this_year not in years:
        years.append(this_year)
    return sorted(years)


def default_year(programme: Programme | None, today: datetime.date | None = None) -> int:
    """Return the year a page opens on: the programme's latest begun year, else the current year."""
    years = begun_years(programme, today)
    return years[-1] if years else _today(today).year


def chosen_year(value, programme: Programme | None, today: datetime.date | None = None) -> int:
    """Return the year asked for (``?year=``) when it may be chosen, else the default year."""
    try:
        year = int(value)
    except (TypeError, ValueError):
        return default_year(programme, today)
    return year if year in selectable_years(programme, today) else default_year(programme, today)


def year_note(programme: Programme | None, year: int, today: datetime.date | None = None) -> str:
    """Return what a page says about the year it shows when that is not simply the current year ("" if it is)."""
    this_year = _today(today).year
    if programme is None or year == this_year:
        return ""
    if year in programme.years and programme.end_date.year < this_year and year == programme.end_date.year:
        return _("Chương trình %(programme)s đã kết thúc; số liệu năm %(year)s, năm cuối của chương trình.") % {
            "programme": programme.code,
            "year": year,
        }
    if year not in programme.years:
        return _("Năm %(year)s nằm ngoài chương trình %(programme)s (%(first)s–%(last)s).") % {
            "year": year,
            "programme": programme.code,
            "first": programme.years[0],
            "last": programme.years[-1],
        }
    return ""
