"""One person's standing: which indicators apply to them, which they meet, and what they still miss."""

from __future__ import annotations

import copy
import datetime
from collections import defaultdict
from collections.abc import Iterable

from django.utils.translation import gettext as _

from core.names import localized_names
from personnel.choices import QualificationKind
from personnel.models import Appointment, Person
from personnel.qualifications import level_label
from training.levels import levels_at
from training.models import CourseType

from ..models import CourseMatch, Indicator, IndicatorKind, Programme
from .counters import PersonCounter
from .dates import evaluation_date
from .evaluation import load as _load
from .filters import _count, appointment_criterion_q, appointment_population_q, counted_assignment
from .results import PersonIndicatorStatus


def missing_text(
    indicator: Indicator, year: int, levels: dict[str, int] | None = None, type_names: dict[str, str] | None = None
) -> list[str]:
    """Return, in words, what a person must still have to meet the indicator."""
    texts = []
    for kind, level in indicator.qualification_thresholds.items():
        if levels is not None and levels.get(kind, 0) >= level:
            continue
        texts.append(
            _("chưa đạt %(kind)s %(level)s")
            % {"kind": QualificationKind(kind).label.lower(), "level": level_label(kind, level)}
        )
    if indicator.requires_field_suited:
        texts.append(_("chuyên môn chưa phù hợp vị trí việc làm (hoặc chưa khai)"))
    if indicator.course_types or indicator.appointment_requirements:
        names = type_names if type_names is not None else _course_type_names()
        types = list(indicator.course_types) or sorted(
            {t for group in indicator.appointment_requirements.values() for t in group}
        )
        joiner = _(" hoặc ") if indicator.course_match == CourseMatch.ANY else _(" và ")
        what = joiner.join(_lower_first(names.get(code, code)) for code in types)
        if indicator.kind == IndicatorKind.ANNUAL:
            texts.append(_("chưa có khóa %(what)s năm %(year)s") % {"what": what, "year": year})
        elif indicator.kind == IndicatorKind.WINDOW:
            texts.append(
                _("chưa có khóa %(what)s trong giai đoạn %(start)s – %(end)s")
                % {
                    "what": what,
                    "start": f"{indicator.window_start:%d/%m/%Y}",
                    "end": f"{indicator.window_end:%d/%m/%Y}",
                }
            )
        elif indicator.kind == IndicatorKind.APPOINTMENT:
            texts.append(_("chưa có khóa %(what)s trước ngày bổ nhiệm") % {"what": what})
        elif indicator.kind == IndicatorKind.RECURRING:
            texts.append(
                _("chưa có khóa %(what)s trong %(years)s năm gần nhất")
                % {"what": what, "years": indicator.recurring_years}
            )
        else:
            texts.append(_("chưa có khóa %(what)s") % {"what": what})
    if indicator.kind == IndicatorKind.JOB_POSITION:
        texts.append(_("chưa đáp ứng đủ yêu cầu bồi dưỡng của vị trí việc làm"))
    return texts


def _lower_first(text: str) -> str:
    """Return text with its first letter in lower case, keeping abbreviations ("QLNN") as they are."""
    return text[:1].lower() + text[1:]


def _course_type_names() -> dict[str, str]:
    return localized_names(CourseType.objects.values_list("code", "name", "name_en"))


def _appointment_annotations(indicators, programme, at) -> dict:
    annotations = {}
    for index, indicator in enumerate(indicators):
        population = appointment_population_q(indicator, programme, at)
        annotations[f"d{index}"] = _count(population)
        annotations[f"n{index}"] = _count(population & appointment_criterion_q(indicator, at))
    return annotations


def person_appointments(
    programme: Programme | str, person: Person, *, year: int | None = None, read: list[Appointment] | None = None
) -> list[Appointment]:
    """Return the person's appointments, oldest first, with the engine's figures for each appointment indicator
    (one query): ``person_status(..., appointments=...)`` then reads no appointment, and a page lists them.

    ``read``: the person's appointments already read, oldest first: returned as they are (no query) when the
    programme has no appointment indicator, or when there are none.
    """
    programme, indicators = _load(programme)
    _year, at = evaluation_date(programme, year=year)
    appointment_indicators = [i for i in indicators if i.kind == IndicatorKind.APPOINTMENT]
    if read is not None and not (read and appointment_indicators):
        return read
    queryset = Appointment.objects.filter(person=person)
    if appointment_indicators:
        annotations = _appointment_annotations(appointment_indicators, programme, at)
        queryset = counted_assignment(queryset).annotate(**annotations)
    return list(queryset.order_by("appointed_on", "pk"))


def person_status(
    programme: Programme | str,
    person: Person,
    *,
    year: int | None = None,
    as_of: datetime.date | None = None,
    has_appointments: bool = True,
    appointments: list[Appointment] | None = None,
    levels: dict[str, int] | None = None,
    type_names: dict[str, str] | None = None,
) -> list[PersonIndicatorStatus]:
    """Return, for each indicator of the programme, whether it applies to the person and whether it is met.

    ``has_appointments=False`` (the caller has read the person's appointments: none) spares the appointment query;
    so do ``appointments`` read by ``person_appointments`` for the same year. ``levels`` (the person's levels at
    the evaluation date, ``training.levels.levels_from_rows``) and ``type_names`` (every course type's name) spare
    the queries that word what is missing.
    """
    programme, indicators = _load(programme)
    year, at = evaluation_date(programme, year=year, as_of=as_of)
    person_indicators = [i for i in indicators if i.kind != IndicatorKind.APPOINTMENT]
    figures = PersonCounter(person_indicators, year, at).count_persons([person.pk]).get(person.pk, {})
    appointment_rows = defaultdict(list)
    appointment_indicators = [i for i in indicators if i.kind == IndicatorKind.APPOINTMENT]
    if appointments is not None and as_of is None:
        has_appointments = bool(appointments)
    else:
        appointments = None
    if appointment_indicators and has_appointments:
        if appointments is None:
            appointments = (
                counted_assignment(Appointment.objects.filter(person=person))
                .order_by("appointed_on", "pk")
                .annotate(**_appointment_annotations(appointment_indicators, programme, at))
            )
        for appointment in appointments:
            for index, indicator in enumerate(appointment_indicators):
                if getattr(appointment, f"d{index}"):
                    appointment_rows[indicator.code].append(
                        {
                            "id": appointment.pk,
                            "kind": appointment.kind,
                            "title": appointment.title,
                            "appointed_on": appointment.appointed_on,
                            "met": bool(getattr(appointment, f"n{index}")),
                        }
                    )
    # What is missing is worded only for unmet indicators: the levels and the course-type names are read
    # (once) only if one of them needs them.
    statuses = []
    for indicator in indicators:
        if indicator.kind == IndicatorKind.APPOINTMENT:
            rows = appointment_rows.get(indicator.code, [])
            applies = bool(rows)
            met = all(r["met"] for r in rows) if applies else None
        else:
            numerator, denominator = figures.get(indicator.code, (0, 0))
            applies = bool(denominator)
            met = bool(numerator) if applies else None
            rows = []
        missing = []
        if applies and not met:
            if levels is None and indicator.qualification_thresholds:
                levels = levels_at([person.pk], at).get(person.pk, {})
            if type_names is None and (indicator.course_types or indicator.appointment_requirements):
                type_names = _course_type_names()
            missing = missing_text(indicator, year, levels or {}, type_names or {})
        statuses.append(
            PersonIndicatorStatus(
                code=indicator.code,
                name=indicator.name,
                kind=indicator.kind,
                applies=applies,
                met=met,
                missing=missing,
                appointments=rows,
            )
        )
    return statuses


def unmet_counts_by_person(
    programme: Programme | str, person_ids: Iterable[int], *, year: int | None = None
) -> dict[int, int]:
    """Return {person id: number of applicable person indicators not met}, in one query."""
    programme, indicators = _load(programme)
    year, at = evaluation_date(programme, year=year)
    person_ids = list(person_ids)
    person_indicators = [i for i in indicators if i.kind != IndicatorKind.APPOINTMENT]
    result = dict.fromkeys(person_ids, 0)
    if not person_ids:
        return result
    for pk, figures in PersonCounter(person_indicators, year, at).count_persons(person_ids).items():
        result[pk] = sum(denominator - numerator for numerator, denominator in figures.values())
    return result


def missing_for(
    programme: Programme | str,
    indicator: Indicator | str,
    rows: Iterable,
    *,
    year: int | None = None,
    as_of: datetime.date | None = None,
) -> dict[int, list[str]]:
    """Return {row id: what is missing, in words} for rows of ``unmet`` (persons, or appointments).

    Like ``missing_text``, but leaves out what a row already meets that can be told without reading its
    courses: the qualification levels the person holds at T, a field already suited to the post, and,
    for an appointment, the courses another kind of appointment requires. Levels take three queries (none
    when the indicator sets no level); each distinct wording one more at most (course-type names).
    """
    programme, indicators = _load(programme)
    if isinstance(indicator, str):
        indicator = next(i for i in indicators if i.code == indicator)
    year, at = evaluation_date(programme, year=year, as_of=as_of)
    rows = list(rows)
    by_appointment = indicator.kind == IndicatorKind.APPOINTMENT
    thresholds = indicator.qualification_thresholds
    persons = {row.pk: (row.person if by_appointment else row) for row in rows}
    levels = levels_at({person.pk for person in persons.values()}, at) if thresholds and rows else {}
    wordings: dict[tuple, list[str]] = {}
    missing = {}
    for row in rows:
        person = persons[row.pk]
        held = levels.get(person.pk, {})
        met_kinds = frozenset(kind for kind, level in thresholds.items() if held.get(kind, 0) >= level)
        field_suited = bool(indicator.requires_field_suited and person.field_suited)
        kind = row.kind if by_appointment else None
        key = (met_kinds, field_suited, kind)
        if key not in wordings:
            variant = indicator
            if field_suited or kind:
                variant = copy.copy(indicator)
                if field_suited:
                    variant.requires_field_suited = False
                if kind:
                    variant.appointment_requirements = {kind: indicator.appointment_requirements.get(kind, [])}
            wordings[key] = missing_text(variant, year, {k: thresholds[k] for k in met_kinds})
        missing[row.pk] = wordings[key]
    return missing
