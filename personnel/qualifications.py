"""Qualification ladders, and the one rule for "the level of kind K a person holds at date T".

The level at T is the highest of: the person's declared level (no date, counts at every date), the
dated qualifications obtained on or before T (an undated one counts always), and the levels granted by
courses the person completed on or before T. ``holds_level`` states the rule as a set-based filter for
the compliance engine; ``levels_at`` states it for one or many persons, for display. Both read the
same three sources and a test holds them equal.
"""

import datetime
import re

from django.db.models import F, Max, Q
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from core.text import fold_key

from .choices import QualificationKind

K = QualificationKind

# Each ladder: level -> Vietnamese label; a higher level includes the lower ones.
LADDERS: dict[str, dict[int, str]] = {
    K.EDUCATION: {
        0: _("Chưa qua đào tạo"),
        1: _("Sơ cấp"),
        2: _("Trung cấp"),
        3: _("Cao đẳng"),
        4: _("Đại học"),
        5: _("Thạc sĩ"),
        6: _("Tiến sĩ"),
    },
    K.POLITICAL_THEORY: {0: _("Chưa có"), 1: _("Sơ cấp"), 2: _("Trung cấp"), 3: _("Cao cấp"), 4: _("Cử nhân")},
    K.STATE_MANAGEMENT: {0: _("Chưa có"), 1: _("Chuyên viên"), 2: _("Chuyên viên chính"), 3: _("Chuyên viên cao cấp")},
    K.FOREIGN_LANGUAGE: {
        0: _("Chưa có"),
        **{level: format_lazy(_("Bậc {level}"), level=level) for level in range(1, 7)},
    },
}

# The person field holding the declared level of each kind.
DECLARED_FIELD = {
    K.EDUCATION: "education_level",
    K.POLITICAL_THEORY: "political_level",
    K.STATE_MANAGEMENT: "state_management_level",
    K.FOREIGN_LANGUAGE: "language_level",
}

# Words accepted for each level, folded (no accents, no spaces): the Vietnamese labels, their codes
# (``cao_cap``, ``thac_si``) and common variants. "Không" means level 0 on every ladder.
_ALIASES: dict[str, dict[str, int]] = {
    K.EDUCATION: {
        "khong": 0,
        "chuaquadaotao": 0,
        "socap": 1,
        "trungcap": 2,
        "caodang": 3,
        "daihoc": 4,
        "cunhan": 4,
        "kysu": 4,
        "thacsi": 5,
        "thacsy": 5,
        "tiensi": 6,
        "tiensy": 6,
    },
    K.POLITICAL_THEORY: {"khong": 0, "chuaco": 0, "socap": 1, "trungcap": 2, "caocap": 3, "cunhan": 4},
    K.STATE_MANAGEMENT: {
        "khong": 0,
        "chuaco": 0,
        "chuyenvien": 1,
        "chuyenvienchinh": 2,
        "chuyenviencaocap": 3,
    },
    K.FOREIGN_LANGUAGE: {"khong": 0, "a1": 1, "a2": 2, "b1": 3, "b2": 4, "c1": 5, "c2": 6},
}
_LANGUAGE_STEP = re.compile(r"^(?:bac)?([0-6])$")


def parse_level(kind: str, value) -> int:
    """Return the level of ``kind`` written as a number, a label, a code or a CEFR grade; raise ValueError."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValueError("empty")
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = int(value)
        if number != value:
            raise ValueError(value)
        key = str(number)
    else:
        key = fold_key(str(value))
        if re.fullmatch(r"\d+\.0", key):
            key = key[:-2]
    ladder = LADDERS[kind]
    if key.isdigit() and int(key) in ladder:
        return int(key)
    if kind == K.FOREIGN_LANGUAGE and (match := _LANGUAGE_STEP.match(key)):
        return int(match.group(1))
    if key in _ALIASES[kind]:
        return _ALIASES[kind][key]
    raise ValueError(value)


def level_label(kind: str, level: int | None) -> str:
    """Return the Vietnamese label of a level ("Thạc sĩ"), or an empty string."""
    if level is None:
        return ""
    return str(LADDERS[kind].get(level, level))


def qualification_levels(kind: str) -> dict[int, str]:
    """Return the levels a qualification (a document) of ``kind`` may hold: its ladder without level 0."""
    return {level: label for level, label in LADDERS[kind].items() if level}


def qualification_level_error(kind: str | None, level: int | None) -> str | None:
    """Return why ``level`` cannot be the level of a qualification of ``kind`` (None when it can).

    The one rule for forms, the API and imports: a qualification is a document of a level on its kind's
    ladder, and level 0 ("Chưa có") is not a document.
    """
    if kind not in LADDERS or level is None:
        return None
    levels = qualification_levels(kind)
    if level in levels:
        return None
    return str(
        _("%(kind)s: trình độ %(level)s không phải văn bằng; chọn một trong: %(levels)s.")
        % {
            "kind": QualificationKind(kind).label,
            "level": level,
            "levels": ", ".join(f"{number} ({label})" for number, label in levels.items()),
        }
    )


def level_choices(kind: str) -> list[tuple[int, str]]:
    """Return the (level, label) choices of a qualification of ``kind``, for pickers."""
    return [(level, str(label)) for level, label in qualification_levels(kind).items()]


def holds_level(kind: str, min_level: int, at: datetime.date, prefix: str = "") -> Q:
    """Return a filter: the person (``prefix`` leads to it) holds ``kind`` at ``min_level`` or above at ``at``."""
    from training.models import TrainingRecord

    from .models import Qualification

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
    from training.models import TrainingRecord

    from .models import Person, Qualification

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
    from training.choices import TrainingResult

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


def thresholds_of(obj) -> dict[str, int]:
    """Return {qualification kind: minimum level} of the ``min_education``, ``min_political``,
    ``min_state_management`` and ``min_language`` that ``obj`` (an indicator, a job position) sets."""
    pairs = {
        QualificationKind.EDUCATION: obj.min_education,
        QualificationKind.POLITICAL_THEORY: obj.min_political,
        QualificationKind.STATE_MANAGEMENT: obj.min_state_management,
        QualificationKind.FOREIGN_LANGUAGE: obj.min_language,
    }
    return {kind: level for kind, level in pairs.items() if level is not None}
