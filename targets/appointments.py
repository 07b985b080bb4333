"""What an appointment requires: the training the programme's appointment indicators ask a person to have
completed before being appointed (the appointment form warns of what is missing)."""

from django.db.models import Count
from django.utils.translation import gettext as _

from core.names import localized_names
from personnel.models import Person
from training.models import CourseType, TrainingRecord

from .compliance import population_q
from .models import CourseMatch, IndicatorKind, Programme


def appointment_training_gaps(*, person: Person, kind: str, appointed_on, programme=None) -> list[str]:
    """Return the training an appointment requires that the person lacks by its date (empty when nothing is missing).

    The requirement is data: the ``appointment_requirements`` of the programme's appointment indicators
    (default programme) whose population the person belongs to on the appointment date.
    """
    programme = programme or Programme.objects.default()
    if programme is None or person.pk is None:
        return []
    indicators = [
        indicator
        for indicator in programme.indicators.filter(kind=IndicatorKind.APPOINTMENT).order_by("order", "code")
        if indicator.appointment_requirements.get(kind)
    ]
    if not indicators:
        return []
    membership = Person.objects.filter(pk=person.pk).aggregate(
        **{f"i{index}": Count("pk", filter=population_q(i, appointed_on)) for index, i in enumerate(indicators)}
    )
    applicable = [i for index, i in enumerate(indicators) if membership[f"i{index}"]]
    if not applicable:
        return []
    done = set(
        TrainingRecord.objects.filter(person=person)
        .completed()
        .with_counted_date()
        .filter(counted_on__lte=appointed_on)
        .values_list("course__types__code", flat=True)
    )
    names = localized_names(CourseType.objects.values_list("code", "name", "name_en"))
    gaps = []
    for indicator in applicable:
        required = list(indicator.appointment_requirements[kind])
        if indicator.course_match == CourseMatch.ALL:
            missing = [code for code in required if code not in done]
            joiner = _(" và ")
        else:
            missing = required if not done.intersection(required) else []
            joiner = _(" hoặc ")
        if missing:
            gaps.append(
                _("%(indicator)s: chưa có khóa %(what)s hoàn thành trước ngày bổ nhiệm.")
                % {
                    "indicator": indicator.code,
                    "what": joiner.join(str(names.get(code, code)).lower() for code in missing),
                }
            )
    return gaps
