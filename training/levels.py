"""The one rule for "the level of kind K a person holds at date T" (``personnel.qualifications``), read from the
data: the person's declared level (no date, counts at every date), the dated qualifications obtained on or
before T (an undated one counts always), and the levels granted by courses the person completed on or before T.

``holds_level`` states the rule as a set-based filter for the compliance engine; ``levels_at`` states it for one
or many persons, for display. Both read the same three sources and a test holds them equal. They live in
training because the third source is its training records.
"""

import datetime

from django.db.models import F, Max, Q

from personnel.models import Person, Qualification
from personnel.qualifications import DECLARED_FIELD

from .choices import TrainingResult
from .models import TrainingRecord


def holds_level(kind: str, min_level: int, at: datetime.date, prefix: str = "") -> Q:
    """Return a filter: the person (``prefix`` leads to it) holds ``kind`` at ``min_level`` or above at ``at``."""
    dated = Qualification.objects.filter(kind=kind, level__gte=min_level).filter(
        Q(obtained_on__isnull=True) | Q(obtained_on__lte=at)
    )
    granted = TrainingRecord.objects.completed_by(at).filter(
        course__grants_kind=kind, course__grants_level__gte=min_level
    )
    person = f"{prefix}pk" if prefix else "pk"
    return (
        Q(**{f"{prefix}{DECLARED_FIELD[kind]}__gte": min_level})
        | Q(**{f"{person}__in": dated.values("person_id")})
        | Q(**{f"{person}__in": granted.values("person_id")})
    )


def levels_at(person_ids, at: datetime.date) -> dict[int, dict[str, int]]:
    """Return {person id: {kind: level at ``at``}} for the given persons, in three queries."""
    person_ids = list(person_ids)
    levels = {
        row["pk"]: {kind: row[field] for kind, field in DECLARED_FIELD.items()}
        for row in Person.objects.filter(pk__in=person_ids).values("pk", *DECLARED_FIELD.values())
    }
    dated = (
        Qualification.objects.filter(person_id__in=person_ids)
        .filter(Q(obtained_on__isnull=True) | Q(obtained_on__lte=at))
        .values("person_id", "kind")
        .annotate(level=Max("level"))
    )
    granted = (
        TrainingRecord.objects.completed_by(at)
        .filter(person_id__in=person_ids, course__grants_kind__isnull=False)
        .values("person_id", kind=F("course__grants_kind"))
        .annotate(level=Max("course__grants_level"))
    )
    for row in [*dated, *granted]:
        current = levels[row["person_id"]]
        current[row["kind"]] = max(current.get(row["kind"], 0), row["level"])
    return levels


def levels_from_rows(person, qualifications, records, at: datetime.date) -> dict[str, int]:
    """Return {kind: level at ``at``} of one person from their rows already read, as ``levels_at`` reads them.

    ``qualifications`` are the person's dated qualifications; ``records`` their training records with their course
    and ``counted_on`` (``TrainingRecordQuerySet.with_counted_date``). No query.
    """
    levels = {kind: getattr(person, field) for kind, field in DECLARED_FIELD.items()}
    held = [(q.kind, q.level) for q in qualifications if q.obtained_on is None or q.obtained_on <= at]
    held += [
        (r.course.grants_kind, r.course.grants_level)
        for r in records
        if r.result == TrainingResult.COMPLETED
        and r.counted_on is not None
        and r.counted_on <= at
        and r.course.grants_kind
        and r.course.grants_level is not None
    ]
    for kind, level in held:
        levels[kind] = max(levels.get(kind, 0), level)
    return levels
