"""Writes on units and persons: small functions with keyword-only arguments.

They keep the derived fields (a unit's path, a person's name keys) right, so views, imports and the
API never touch those fields themselves.
"""

from collections.abc import Iterable

from django.db import transaction

from core.concurrency import save_versioned
from core.names import localized_names

from . import history
from .models import OrgUnit, Person


def unit_path(parent_path: str, unit_id: int) -> str:
    """Return the materialised path of a unit under a parent path."""
    return f"{parent_path}{unit_id}/"


@transaction.atomic
def save_unit(*, unit: OrgUnit) -> OrgUnit:
    """Save a unit and keep the paths of it and every unit below it right (it may have moved)."""
    if unit.parent_id and unit.pk and unit.parent.is_within(unit):
        raise ValueError("A unit cannot be placed under itself or its own descendant.")
    unit.save()
    rebuild_unit_paths()
    unit.refresh_from_db(fields=["path", "depth"])
    return unit


def rebuild_unit_paths() -> int:
    """Recompute every unit's path and depth from the parent links; return how many changed.

    The tree has hundreds of units, so this reads them all once and writes only the changed rows.
    """
    units = list(OrgUnit.objects.only("id", "parent_id", "path", "depth"))
    by_id = {u.id: u for u in units}
    computed: dict[int, tuple[str, int]] = {}

    def resolve(unit: OrgUnit, seen: frozenset = frozenset()) -> tuple[str, int]:
        if unit.id in computed:
            return computed[unit.id]
        if unit.id in seen:
            raise ValueError(f"Units form a cycle at id {unit.id}")
        if unit.parent_id is None or unit.parent_id not in by_id:
            value = (unit_path("", unit.id), 0)
        else:
            parent_path, parent_depth = resolve(by_id[unit.parent_id], seen | {unit.id})
            value = (unit_path(parent_path, unit.id), parent_depth + 1)
        computed[unit.id] = value
        return value

    changed = []
    for unit in units:
        path, depth = resolve(unit)
        if (unit.path, unit.depth) != (path, depth):
            unit.path, unit.depth = path, depth
            changed.append(unit)
    OrgUnit.objects.bulk_update(changed, ["path", "depth"], batch_size=500)
    return len(changed)


def prepare_person(person: Person) -> Person:
    """Fill a person's derived name fields before it is saved (single or bulk)."""
    person.refresh_name_keys()
    return person


@transaction.atomic
def save_person(*, person: Person, version: int | None = None) -> Person:
    """Validate and save a person with its derived fields; their assignments follow the row
    (``personnel.signals``: another unit for someone with a history is a transfer dated today).

    An edit names the ``version`` it started from and is refused with ``core.concurrency.StaleEdit``
    (nothing written) when the person was saved by someone else since; None saves whatever the version.
    A unit closed on or before the person's last day is refused (``OrgUnit.placement_error``).
    """
    prepare_person(person)
    person.full_clean()
    from approvals.locks import check_person_writable  # no move into or out of an approved year's unit

    check_person_writable(person=person)
    save_versioned(instance=person, version=version)  # its post_save keeps the assignments in line (signals)
    person.refresh_from_db()
    return person


def prepare_persons(persons: Iterable[Person]) -> list[Person]:
    """Fill derived name fields of many persons before a bulk write."""
    return [prepare_person(p) for p in persons]


def appointment_training_gaps(*, person: Person, kind: str, appointed_on, programme=None) -> list[str]:
    """Return the training an appointment requires that the person lacks by its date (empty when nothing is missing).

    The requirement is data: the ``appointment_requirements`` of the programme's appointment indicators
    (default programme) whose population the person belongs to on the appointment date.
    """
    from django.db.models import Count
    from django.utils.translation import gettext as _

    from targets.compliance import population_q
    from targets.models import CourseMatch, IndicatorKind, Programme
    from training.models import CourseType, TrainingRecord

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


@transaction.atomic
def transfer_person(*, person: Person, unit: OrgUnit, on, **changes):
    """Record a transfer (chuyển công tác) with ``personnel.history.transfer``; all or nothing.

    A person with no assignment yet first gets the one their personnel row describes, in the same
    transaction: a refused transfer (``ValidationError``) therefore writes nothing at all.
    """
    if not person.assignments.exists():
        history.sync_person_assignments([person.pk])
    return history.transfer(person=person, unit=unit, on=on, **changes)
