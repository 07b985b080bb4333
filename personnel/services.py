"""Writes on units and persons: small functions with keyword-only arguments.

They keep the derived fields (a unit's path, a person's name keys) right, so views, imports and the
API never touch those fields themselves.
"""

from collections.abc import Iterable

from django.db import transaction

from core.codes import clean_code
from core.concurrency import save_versioned

from . import history
from .models import Assignment, OrgUnit, Person, UnitSuccession
from .signals import person_saving


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
    person_saving.send(sender=Person, person=person)  # approvals: no move into or out of an approved year's unit
    save_versioned(instance=person, version=version)  # its post_save keeps the assignments in line (signals)
    person.refresh_from_db()
    return person


def prepare_persons(persons: Iterable[Person]) -> list[Person]:
    """Fill derived name fields of many persons before a bulk write."""
    return [prepare_person(p) for p in persons]


@transaction.atomic
def transfer_person(*, person: Person, unit: OrgUnit, on, **changes):
    """Record a transfer (chuyển công tác) with ``personnel.history.transfer``; all or nothing.

    A person with no assignment yet first gets the one their personnel row describes, in the same
    transaction: a refused transfer (``ValidationError``) therefore writes nothing at all.
    """
    if not person.assignments.exists():
        history.sync_person_assignments([person.pk])
    return history.transfer(person=person, unit=unit, on=on, **changes)


# ---------------------------------------------------------------------------------------------
# Units in the product's own pages (console): create, rename, close with successors. The rules are those
# of the don_vi import: a closed unit names its successors (one primary), each open on the closing date;
# a unit is closed only when nothing of it remains after the date (open children, people assigned).


def _audit_unit(by, action: str, unit: OrgUnit, detail: str = "") -> None:
    import logging

    from django.utils import timezone

    username = by.get_username() if by is not None else "-"
    logging.getLogger("hanoi.audit").info(
        "unit %s by=%s unit=%s %s at=%s",
        action,
        username,
        unit.code,
        detail,
        timezone.now().isoformat(),
        extra={"event": f"unit_{action}", "username": username, "unit": unit.code},
    )


@transaction.atomic
def create_unit(*, by, code: str, name: str, level: str, parent: OrgUnit, opened_on) -> OrgUnit:
    """Create a unit under an open parent, open from ``opened_on``; refuse with a Vietnamese message."""
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    if opened_on is None:
        raise ValidationError({"opened_on": _("Cần ngày thành lập.")})
    if not parent.is_open_at(opened_on):
        raise ValidationError(
            {
                "parent": _("Đơn vị cấp trên %(parent)s không hoạt động vào ngày %(date)s.")
                % {"parent": parent, "date": f"{opened_on:%d/%m/%Y}"}
            }
        )
    unit = OrgUnit(code=clean_code(code), name=name, level=level, parent=parent, opened_on=opened_on)
    unit.full_clean(exclude=["path", "depth"])
    unit = save_unit(unit=unit)
    _audit_unit(by, "create", unit, f"parent={parent.code} opened_on={opened_on}")
    return unit


@transaction.atomic
def rename_unit(*, by, unit: OrgUnit, name: str) -> OrgUnit:
    """Rename a unit (its code, parent and dates stay)."""
    old = unit.name
    unit.name = name
    unit.full_clean(exclude=["path", "depth"])
    unit = save_unit(unit=unit)
    _audit_unit(by, "rename", unit, f"from={old!r}")
    return unit


def close_unit_errors(*, unit: OrgUnit, closed_on, primary: OrgUnit | None, others: Iterable[OrgUnit] = ()) -> dict:
    """Return {field: [messages]} of why the unit cannot be closed on ``closed_on`` (empty when it can)."""
    from django.db.models import Q
    from django.utils.translation import gettext as _

    errors: dict[str, list[str]] = {}

    def add(field, message):
        errors.setdefault(field, []).append(message)

    day = f"{closed_on:%d/%m/%Y}" if closed_on else ""
    if unit.closed_on is not None:
        add(
            "closed_on",
            _("Đơn vị %(unit)s đã giải thể từ ngày %(date)s.") % {"unit": unit, "date": f"{unit.closed_on:%d/%m/%Y}"},
        )
    if closed_on is None:
        add("closed_on", _("Cần ngày giải thể."))
        return errors
    if unit.opened_on is not None and closed_on <= unit.opened_on:
        add(
            "closed_on",
            _("Ngày giải thể %(date)s phải sau ngày thành lập %(opened)s.")
            % {"date": day, "opened": f"{unit.opened_on:%d/%m/%Y}"},
        )
    if unit.parent_id is None:
        add("closed_on", _("Không thể giải thể đơn vị gốc %(unit)s.") % {"unit": unit})
    if primary is None:
        add("primary", _("Đơn vị giải thể phải có đơn vị kế thừa chính."))
    successors = ([primary] if primary is not None else []) + [
        u for u in others if primary is None or u.pk != primary.pk
    ]
    for successor in successors:
        if successor.pk == unit.pk:
            add("primary", _("Đơn vị không thể kế thừa chính nó."))
        elif not successor.is_open_at(closed_on):
            add(
                "primary" if successor == primary else "others",
                _("Đơn vị kế thừa %(unit)s không hoạt động vào ngày giải thể %(date)s.")
                % {"unit": successor, "date": day},
            )
    children = list(
        OrgUnit.objects.filter(parent=unit).filter(Q(closed_on__isnull=True) | Q(closed_on__gt=closed_on))[:5]
    )
    if children:
        add(
            NON_FIELD,
            _(
                "Đơn vị còn đơn vị trực thuộc hoạt động sau ngày %(date)s: %(units)s. "
                "Hãy giải thể hoặc sắp xếp chúng trước."
            )
            % {"date": day, "units": ", ".join(str(c) for c in children)},
        )
    staying = (
        Assignment.objects.filter(unit=unit)
        .filter(Q(end_date__isnull=True) | Q(end_date__gt=closed_on))
        .values("person_id")
        .distinct()
        .count()
    )
    if staying:
        add(
            NON_FIELD,
            _(
                "%(count)s người còn công tác tại đơn vị sau ngày %(date)s. Hãy chuyển họ sang đơn vị khác bằng "
                "trang Sắp xếp đơn vị trước khi giải thể."
            )
            % {"count": staying, "date": day},
        )
    return errors


NON_FIELD = "__all__"


@transaction.atomic
def close_unit(*, by, unit: OrgUnit, closed_on, primary: OrgUnit, others: Iterable[OrgUnit] = ()) -> OrgUnit:
    """Close a unit on ``closed_on`` (the first day it no longer exists), naming its successors: ``primary``
    first, then ``others``. Refused, writing nothing, when ``close_unit_errors`` finds a reason; then the
    heirs of everyone who was ever in it are recomputed (``history.refresh_heirs``)."""
    from django.core.exceptions import ValidationError

    others = list(others)
    unit = OrgUnit.objects.select_for_update().get(pk=unit.pk)
    errors = close_unit_errors(unit=unit, closed_on=closed_on, primary=primary, others=others)
    if errors:
        raise ValidationError(errors)
    unit.closed_on = closed_on
    unit.save()
    UnitSuccession.objects.filter(predecessor=unit).delete()
    successors = [primary] + [u for u in dict.fromkeys(others) if u.pk != primary.pk]
    for index, successor in enumerate(successors):
        UnitSuccession.objects.create(predecessor=unit, successor=successor, is_primary=index == 0, order=index)
    # Everyone: persons of units closed earlier into this one inherit through it too.
    history.refresh_heirs()
    _audit_unit(by, "close", unit, f"closed_on={closed_on} successors={','.join(u.code for u in successors)}")
    return unit
