"""What a person's job position (``personnel.job_positions``) still requires of them at a date: the course types
not completed within their period (their training records) and the levels not held (``training.levels``).
"""

import datetime

from django.db.models import Max, OuterRef, Subquery
from django.utils.translation import gettext as _

from core.names import localized_name
from personnel.choices import QualificationKind
from personnel.job_positions import JobPosition, expires_on, requirement_window
from personnel.models import Assignment
from personnel.qualifications import level_label

from .choices import TrainingResult
from .levels import levels_at
from .models import TrainingRecord


def still_required(
    person, at: datetime.date, assignments=None, *, requirements=None, records=None, levels=None
) -> dict | None:
    """Return what the job position of the person's assignment at ``at`` requires of them and whether each
    part is met: {"position", "courses": [...], "levels": [...], "missing": n}; None without a position.

    One query for the courses with the latest completion of each (the assignment and its position, too, unless
    the person's ``assignments`` already read are given, with their ``job_position``), and the levels
    (``levels_at``) only when the position requires any. No query when the rows are given as read for the
    person's page: ``requirements`` ({position id: [JobPositionCourse with its course_type]}), ``records`` (all
    the person's records with course, course types and ``counted_on``) and ``levels`` (held at ``at``).
    """
    if assignments is not None:
        assignment = next((a for a in assignments if a.covers(at) and a.job_position_id), None)
    else:
        assignment = (
            Assignment.objects.covering(at).filter(person=person, job_position__isnull=False)
            .select_related("job_position").first()
        )  # fmt: skip
    if assignment is None:
        return None
    position = assignment.job_position
    if requirements is not None and records is not None:
        required = requirements.get(position.pk, [])
        for requirement in required:
            requirement.last = _latest_completion(records, requirement.course_type_id, at)
    else:
        latest = (
            TrainingRecord.objects.completed_by(at)
            .filter(person=person, course__types=OuterRef("course_type_id"))
            .order_by("-counted_on")
            .values("counted_on")[:1]
        )
        required = list(
            position.required_courses.select_related("course_type").annotate(last=Subquery(latest)).order_by("pk")
        )
    courses = []
    for requirement in required:
        start, _end = requirement_window(requirement.every_years, at)
        done = requirement.last
        met = done is not None and (start is None or done >= start)
        expires = None
        if done is not None and requirement.every_years:
            expires = expires_on(done, requirement.every_years)
        courses.append(
            {"type": requirement.course_type, "every_years": requirement.every_years, "last": done,
             "expires": expires, "met": met}
        )  # fmt: skip
    result_levels = []
    thresholds = position.qualification_thresholds
    held = levels
    if held is None:
        held = levels_at([person.pk], at).get(person.pk, {}) if thresholds else {}
    for kind, minimum in thresholds.items():
        result_levels.append(
            {"kind": QualificationKind(kind).label, "required": level_label(kind, minimum),
             "held": level_label(kind, held.get(kind)), "met": held.get(kind, 0) >= minimum}
        )  # fmt: skip
    missing = sum(not row["met"] for row in courses) + sum(not row["met"] for row in result_levels)
    return {"position": position, "courses": courses, "levels": result_levels, "missing": missing}


def _latest_completion(records, course_type: str, at: datetime.date) -> datetime.date | None:
    """Return the latest counted date, on or before ``at``, of the completed records of a course of the type."""
    dates = [
        record.counted_on
        for record in records
        if record.result == TrainingResult.COMPLETED
        and record.counted_on is not None
        and record.counted_on <= at
        and any(t.code == course_type for t in record.course.types.all())
    ]
    return max(dates, default=None)


def missing_by_person(person_ids, at: datetime.date) -> dict[int, list[str]]:
    """Return {person id: what their job position at ``at`` still requires, in words} for many persons at once
    (the drill-down of a ``job_position`` indicator): three queries, and the levels (three more) only when a
    position requires any. Persons with no position at ``at``, or missing nothing, are left out."""
    person_ids = list(person_ids)
    held_position = dict(
        Assignment.objects.covering(at)
        .filter(person_id__in=person_ids, job_position__isnull=False)
        .values_list("person_id", "job_position_id")
    )
    if not held_position:
        return {}
    positions = {
        p.pk: (p, list(p.required_courses.all()))
        for p in JobPosition.objects.filter(pk__in=set(held_position.values())).prefetch_related(
            "required_courses__course_type"
        )
    }
    types = {r.course_type_id for _p, courses in positions.values() for r in courses}
    latest: dict[tuple[int, str], datetime.date] = {}
    if types:
        rows = (
            TrainingRecord.objects.completed_by(at)
            .filter(person_id__in=list(held_position), course__types__code__in=types)
            .order_by()
            .values_list("person_id", "course__types__code")
            .annotate(last=Max("counted_on"))
        )
        latest = {(pk, code): last for pk, code, last in rows}
    need_levels = any(p.qualification_thresholds for p, _courses in positions.values())
    levels = levels_at(list(held_position), at) if need_levels else {}
    missing: dict[int, list[str]] = {}
    for person_id, position_id in held_position.items():
        position, courses = positions[position_id]
        texts = []
        for required in courses:
            start, _end = requirement_window(required.every_years, at)
            done = latest.get((person_id, required.course_type_id))
            name = localized_name(required.course_type)
            if done is None:
                texts.append(_("chưa có khóa %(type)s") % {"type": name})
            elif start is not None and done < start:
                texts.append(
                    _("khóa %(type)s đã hết hạn ngày %(date)s")
                    % {"type": name, "date": f"{expires_on(done, required.every_years):%d/%m/%Y}"}
                )
        for kind, minimum in position.qualification_thresholds.items():
            if levels.get(person_id, {}).get(kind, 0) < minimum:
                texts.append(
                    _("chưa đạt %(kind)s %(level)s")
                    % {"kind": QualificationKind(kind).label.lower(), "level": level_label(kind, minimum)}
                )
        if texts:
            missing[person_id] = [
                _("vị trí %(position)s: %(missing)s")
                % {"position": localized_name(position), "missing": "; ".join(texts)}
            ]
    return missing
