"""A person's own rows for their page, read in one query (``core.bundle``): qualifications, training records with
their courses and course types, the names of all course types, assignments with their units and job positions, the
courses those positions require, and the latest changes of the four history tables with who made them and the
names of the units and courses they refer to.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Subquery

from core.bundle import Bundle, columns, instance
from personnel.job_positions import JobPosition, JobPositionCourse
from personnel.models import Appointment, Assignment, OrgUnit, Person, Qualification
from training.models import Course, CourseType, TrainingRecord

HISTORY_SOURCES = {
    "h_person": (Person, "id"),
    "h_qualification": (Qualification, "person_id"),
    "h_appointment": (Appointment, "person_id"),
    "h_record": (TrainingRecord, "person_id"),
}
USER_FIELDS = ("id", "username", "first_name", "last_name")
HISTORY_LIMIT = 100


@dataclass
class PersonRows:
    qualifications: list = field(default_factory=list)
    appointments: list = field(default_factory=list)
    records: list = field(default_factory=list)
    assignments: list = field(default_factory=list)
    type_names: list = field(default_factory=list)  # (code, name, name_en) of every course type
    requirements: dict = field(default_factory=dict)  # {job position id: [JobPositionCourse]}
    history: list = field(default_factory=list)  # [(model, [historical records, newest first])]
    names: dict = field(default_factory=dict)  # {(OrgUnit | Course, pk): str}


def _history_part(model, key: str, person_id: int, limit: int):
    history = model.history
    latest = history.filter(**{key: person_id}).order_by("-history_date", "-history_id").values("history_id")[:limit]
    cols = columns(history.model) | {f"u.{name}": f"history_user__{name}" for name in USER_FIELDS}
    return history.filter(history_id__in=Subquery(latest)), cols


def _parts(pk: int) -> dict:
    """Return the parts of the person's rows (``core.bundle``), for the person with id ``pk``."""
    type_link = Course.types.through
    parts = {
        "qualification": (Qualification.objects.filter(person_id=pk), columns(Qualification)),
        "appointment": (Appointment.objects.filter(person_id=pk), columns(Appointment)),
        "record": (
            TrainingRecord.objects.filter(person_id=pk).with_counted_date(),
            columns(TrainingRecord) | {"counted_on": "counted_on"} | columns(Course, "c.", "course__"),
        ),
        "type_link": (
            type_link.objects.filter(course__records__person_id=pk),
            {"course_id": "course_id", "code": "coursetype_id"},
        ),
        "type": (CourseType.objects.all(), columns(CourseType)),
        "assignment": (
            Assignment.objects.filter(person_id=pk),
            columns(Assignment) | columns(OrgUnit, "u.", "unit__") | columns(JobPosition, "j.", "job_position__"),
        ),
        "requirement": (
            JobPositionCourse.objects.filter(
                position_id__in=Assignment.objects.filter(person_id=pk).values("job_position_id")
            ),
            columns(JobPositionCourse),
        ),
    }
    for name, (model, key) in HISTORY_SOURCES.items():
        parts[name] = _history_part(model, key, pk, HISTORY_LIMIT)
    history_units = Person.history.filter(id=pk).values("unit_id")
    history_courses = TrainingRecord.history.filter(person_id=pk).values("course_id")
    parts["unit_name"] = (OrgUnit.objects.filter(pk__in=history_units), {"id": "id", "name": "name", "code": "code"})
    parts["course_name"] = (
        Course.objects.filter(pk__in=history_courses),
        {"id": "id", "title": "title", "code": "code"},
    )
    return parts


PERSON_ROWS = Bundle(_parts)


def read_person_rows(person: Person) -> PersonRows:
    """Return the person's rows (one query, whatever their number; the history bounded to ``HISTORY_LIMIT`` rows
    per table), ordered as the page shows them (appointments oldest first, as the engine reads them)."""
    found = PERSON_ROWS.read(person.pk)
    rows = PersonRows()
    types = {row["code"]: instance(CourseType, row) for row in found["type"]}
    ordered_types = sorted(types.values(), key=lambda t: (t.order, t.code))
    rows.type_names = [(t.code, t.name, t.name_en) for t in ordered_types]
    course_types = defaultdict(set)
    for row in found["type_link"]:
        course_types[row["course_id"]].add(row["code"])
    courses = {}
    for row in found["record"]:
        record = instance(TrainingRecord, row)
        course = courses.get(record.course_id) or instance(Course, row, "c.")
        if record.course_id not in courses:
            courses[record.course_id] = course
            shown = course.types.all()  # lazy: filled here, as prefetch_related would
            shown._result_cache = [t for t in ordered_types if t.code in course_types[course.pk]]
            shown._prefetch_done = True
            course._prefetched_objects_cache = {"types": shown}
        record.course = course
        record.counted_on = Course._meta.get_field("end_date").to_python(row["counted_on"])
        rows.records.append(record)
    rows.records.sort(key=lambda r: (r.counted_on is not None, r.counted_on, r.pk), reverse=True)
    rows.appointments = sorted(
        (instance(Appointment, row) for row in found["appointment"]), key=lambda a: (a.appointed_on, a.pk)
    )
    rows.qualifications = sorted(
        (instance(Qualification, row) for row in found["qualification"]),
        key=lambda q: (q.kind, q.obtained_on is not None, q.obtained_on, q.level),
    )
    for row in found["assignment"]:
        assignment = instance(Assignment, row)
        assignment.unit = instance(OrgUnit, row, "u.")
        assignment.job_position = instance(JobPosition, row, "j.") if assignment.job_position_id else None
        rows.assignments.append(assignment)
    rows.assignments.sort(key=lambda a: (a.start_date is not None, a.start_date, a.pk), reverse=True)
    for row in sorted(found["requirement"], key=lambda row: row["id"]):
        requirement = instance(JobPositionCourse, row)
        requirement.course_type = types[requirement.course_type_id]
        rows.requirements.setdefault(requirement.position_id, []).append(requirement)
    user_model = get_user_model()
    for name, (model, _key) in HISTORY_SOURCES.items():
        history_model = model.history.model
        records = []
        for row in found[name]:
            record = instance(history_model, row)
            record.history_user = instance(user_model, row, "u.") if row["history_user_id"] else None
            records.append(record)
        records.sort(key=lambda r: (r.history_date, r.history_id), reverse=True)
        rows.history.append((model, records))
    rows.names = {(OrgUnit, row["id"]): f"{row['name']} ({row['code']})" for row in found["unit_name"]}
    rows.names |= {(Course, row["id"]): f"{row['title']} ({row['code']})" for row in found["course_name"]}
    return rows
