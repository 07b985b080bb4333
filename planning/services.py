"""Writes of the planning app, each a small service with keyword-only arguments, all or nothing.

- plans: ``create_plan``, ``add_planned_class``, ``remove_planned_class``, ``submit_plan`` (which warns,
  before anything is written, about a target whose gap the plan's places do not cover), ``review_plan``
  (approve or return, by the level above);
- class rosters: ``open_roster`` (a course with its places), ``nominate`` (beyond the places, onto the
  waiting list in order), ``withdraw`` (the first waiting person moves up), ``enter_results`` (training
  records through ``training.services.record_class``, so the stored figures follow at once).

Every refusal is a ``ValidationError`` in Vietnamese naming the value and the reason; a person outside the
user's scope reads exactly like an unknown code.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.roles import Role, can_write, role_of
from accounts.scoping import can_see_unit, visible_persons
from personnel.models import OrgUnit, Person
from personnel.rules import natural_key_errors, raise_errors
from targets import compliance
from targets.models import Indicator, Programme
from training.models import Course, CourseType, TrainingRecord
from training.rules import completion_date_errors
from training.services import record_class

from .models import (
    Nomination,
    NominationStatus,
    PlannedClass,
    PlanStatus,
    Roster,
    RosterResult,
    TrainingPlan,
)
from .selectors import need_indicators, nomination_reasons


def person_not_found(code: str) -> str:
    """Return the message for a person code that is unknown or outside the user's scope (the same words)."""
    return _("Không tìm thấy cán bộ mã “%(code)s” trong phạm vi bạn quản lý.") % {"code": code}


def _require_writer(user, unit: OrgUnit | None = None) -> None:
    if not can_write(user) or (unit is not None and not can_see_unit(user, unit)):
        raise PermissionDenied


# ---------------------------------------------------------------------------------------------
# Plans


def create_plan(*, unit: OrgUnit, year: int, user, programme: Programme | None = None) -> TrainingPlan:
    """Create the draft plan of ``unit`` for ``year`` (one per unit and year)."""
    _require_writer(user, unit)
    programme = programme or Programme.objects.default()
    plan = TrainingPlan(unit=unit, year=year, programme=programme)
    raise_errors(natural_key_errors(plan, "year"))  # the constraint's message, next to the year
    plan.full_clean()
    plan.save()
    return plan


def _require_editable(plan: TrainingPlan) -> None:
    if not plan.editable:
        raise ValidationError(
            _("Kế hoạch đang ở trạng thái “%(status)s”: không sửa được.") % {"status": plan.get_status_display()}
        )


@transaction.atomic
def add_planned_class(
    *,
    plan: TrainingPlan,
    user,
    course_type: CourseType,
    title: str,
    places: int,
    quarter: int,
    indicator: Indicator | None = None,
    provider: str = "",
    estimated_cost: Decimal | int = 0,
) -> PlannedClass:
    """Add a class to a draft (or returned) plan."""
    _require_writer(user, plan.unit)
    plan = TrainingPlan.objects.select_for_update().get(pk=plan.pk)
    _require_editable(plan)
    if indicator is not None and indicator.programme_id != plan.programme_id:
        raise ValidationError({"indicator": _("Chỉ tiêu không thuộc chương trình của kế hoạch.")})
    if indicator is not None and indicator.course_types and course_type.code not in indicator.course_types:
        raise ValidationError(
            {
                "course_type": _("Loại khóa học “%(type)s” không giúp đạt chỉ tiêu %(code)s.")
                % {"type": course_type.name, "code": indicator.code}
            }
        )
    planned = PlannedClass(
        plan=plan,
        course_type=course_type,
        indicator=indicator,
        title=title,
        places=places,
        quarter=quarter,
        provider=provider,
        estimated_cost=estimated_cost,
    )
    planned.full_clean()
    planned.save()
    return planned


@transaction.atomic
def remove_planned_class(*, planned_class: PlannedClass, user) -> None:
    """Remove a class from a draft (or returned) plan."""
    plan = TrainingPlan.objects.select_for_update().get(pk=planned_class.plan_id)
    _require_writer(user, plan.unit)
    _require_editable(plan)
    planned_class.delete()


@dataclass(frozen=True)
class GapWarning:
    """A target whose gap the plan's places do not cover."""

    indicator: str
    name: str
    gap: int
    places: int

    @property
    def message(self) -> str:
        return _(
            "Chỉ tiêu %(code)s còn thiếu %(gap)s người nhưng kế hoạch chỉ có %(places)s chỗ cho các loại khóa học "
            "của chỉ tiêu này."
        ) % {"code": self.indicator, "gap": self.gap, "places": self.places}


def uncovered_gaps(plan: TrainingPlan) -> list[GapWarning]:
    """Return the targets whose gap (for the plan's unit and year) exceeds the places planned for their course types."""
    indicators = need_indicators(plan.programme)
    if not indicators:
        return []
    report = compliance.evaluate(plan.programme, plan.unit, year=plan.year).by_code()
    places_by_type: dict[str, int] = defaultdict(int)
    for course_type, places in plan.classes.values_list("course_type_id", "places"):
        places_by_type[course_type] += places
    warnings = []
    for ind in indicators:
        result = report.get(ind.code)
        if result is None or not result.gap:
            continue
        places = sum(places_by_type[t] for t in ind.course_types)
        if places < result.gap:
            warnings.append(GapWarning(ind.code, ind.name, result.gap, places))
    return warnings


class GapsUncovered(ValidationError):
    """A plan leaves targets' gaps uncovered: submitted only once the user confirms (``confirm_gaps``)."""

    def __init__(self, warnings: list[GapWarning]):
        super().__init__([w.message for w in warnings], code="gaps_uncovered")
        self.warnings = warnings


@transaction.atomic
def submit_plan(*, plan: TrainingPlan, user, confirm_gaps: bool = False) -> TrainingPlan:
    """Submit a draft (or returned) plan to the level above.

    A plan whose places leave a target's gap uncovered raises ``GapsUncovered`` (nothing written) unless
    ``confirm_gaps``: the user has read the warnings and submits anyway (the warnings are kept on the plan).
    """
    _require_writer(user, plan.unit)
    plan = TrainingPlan.objects.select_for_update().get(pk=plan.pk)
    _require_editable(plan)
    if not plan.classes.exists():
        raise ValidationError(_("Kế hoạch chưa có lớp nào: thêm ít nhất một lớp trước khi trình."))
    warnings = uncovered_gaps(plan)
    if warnings and not confirm_gaps:
        raise GapsUncovered(warnings)
    plan.status = PlanStatus.SUBMITTED
    plan.gaps_confirmed = "\n".join(w.message for w in warnings)
    plan.submitted_at, plan.submitted_by = timezone.now(), user
    plan._change_reason = _("Trình kế hoạch")
    plan.save()
    return plan


def can_review(user, plan: TrainingPlan) -> bool:
    """Return whether ``user`` is at the level above the plan's unit: an admin, or HR of a unit strictly above it."""
    role = role_of(user)
    if role == Role.ADMIN:
        return True
    if role != Role.HR or not getattr(user, "unit_id", None):
        return False
    return plan.unit_id != user.unit_id and plan.unit.is_within(user.unit)


@transaction.atomic
def review_plan(*, plan: TrainingPlan, user, approve: bool, comment: str = "") -> TrainingPlan:
    """Approve a submitted plan, or return it for changes with a comment (the level above only)."""
    if not can_write(user) or not can_see_unit(user, plan.unit):
        raise PermissionDenied
    if not can_review(user, plan):
        raise ValidationError(_("Chỉ cấp trên của đơn vị %(unit)s được duyệt kế hoạch này.") % {"unit": plan.unit.name})
    plan = TrainingPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.status != PlanStatus.SUBMITTED:
        raise ValidationError(
            _("Chỉ duyệt được kế hoạch đã trình (hiện: “%(status)s”).") % {"status": plan.get_status_display()}
        )
    comment = (comment or "").strip()
    if not approve and not comment:
        raise ValidationError({"comment": _("Trả lại kế hoạch phải kèm ý kiến: cần sửa gì.")})
    plan.status = PlanStatus.APPROVED if approve else PlanStatus.RETURNED
    plan.review_comment = comment
    plan.reviewed_at, plan.reviewed_by = timezone.now(), user
    plan._change_reason = _("Duyệt kế hoạch") if approve else _("Trả lại kế hoạch")
    plan.save()
    return plan


def require_carried_out(planned_class: PlannedClass | None) -> None:
    """Refuse to carry out a class of a plan that is not approved (a returned plan must be resubmitted first)."""
    if planned_class is None:
        return
    plan = TrainingPlan.objects.select_related("unit").get(pk=planned_class.plan_id)  # its status now
    if plan.status != PlanStatus.APPROVED:
        raise ValidationError(
            _(
                "Kế hoạch năm %(year)s của %(unit)s đang ở trạng thái “%(status)s”: chỉ thực hiện được khi kế hoạch "
                "đã được duyệt (kế hoạch bị trả lại phải trình lại)."
            )
            % {"year": plan.year, "unit": plan.unit.name, "status": plan.get_status_display()}
        )


# ---------------------------------------------------------------------------------------------
# Rosters and nominations


@transaction.atomic
def open_roster(
    *,
    course: Course,
    unit: OrgUnit,
    capacity: int,
    user,
    planned_class: PlannedClass | None = None,
    actual_cost: Decimal | int | None = None,
) -> Roster:
    """Open the roster of a course (its places), run by ``unit``; optionally carrying out a planned class."""
    _require_writer(user, unit)
    if planned_class is not None:
        if not can_see_unit(user, planned_class.plan.unit):
            raise PermissionDenied
        require_carried_out(planned_class)
    # A course with a roster already: refused by full_clean, with the field's message.
    roster = Roster(course=course, unit=unit, capacity=capacity, planned_class=planned_class, actual_cost=actual_cost)
    roster.full_clean()
    roster.save()
    return roster


@transaction.atomic
def change_roster(*, roster: Roster, user, capacity: int, actual_cost: Decimal | int | None = None) -> Roster:
    """Change a roster's places (never below the persons seated) and its actual cost; more places seat the
    first waiting persons."""
    _require_writer(user, roster.unit)
    roster = Roster.objects.select_for_update().get(pk=roster.pk)
    seated = roster.nominations.seated().count()
    if capacity < seated:
        raise ValidationError(
            {
                "capacity": _("Lớp đã có %(seated)s người trong danh sách: số chỗ không được ít hơn (nhập %(value)s).")
                % {"seated": seated, "value": capacity}
            }
        )
    roster.capacity, roster.actual_cost = capacity, actual_cost
    roster.full_clean()
    roster.save()
    _promote(roster, capacity - seated)
    return roster


def _promote(roster: Roster, free: int) -> list[Nomination]:
    """Seat the first ``free`` waiting persons, in order."""
    if free <= 0:
        return []
    moved = list(roster.nominations.waiting()[:free])
    for nomination in moved:
        nomination.status = NominationStatus.SEATED
        nomination._change_reason = _("Lên danh sách chính thức")
        nomination.save(update_fields=["status"])
    return moved


def resolve_codes(*, codes: Iterable[str], user) -> list[Person]:
    """Return the persons of ``codes`` in order; an unknown code and a code outside the scope give the same error."""
    codes = list(dict.fromkeys(code.strip() for code in codes if code and code.strip()))
    found = {p.code: p for p in visible_persons(user).filter(code__in=codes).select_related("unit")}
    missing = [code for code in codes if code not in found]
    if missing:
        raise ValidationError({"persons": [person_not_found(code) for code in missing]})
    return [found[code] for code in codes]


@dataclass(frozen=True)
class Nominated:
    seated: list[Nomination]
    waiting: list[Nomination]


@transaction.atomic
def nominate(
    *,
    roster: Roster,
    persons: Iterable[Person | str],
    user,
    waiting_list: bool = True,
    year: int | None = None,
) -> Nominated:
    """Nominate persons (or person codes) into a class: seated while places remain, then on the waiting list in
    order. Without ``waiting_list``, a class without enough places refuses them all. Each nomination keeps why:
    the indicator a course of this class's types would move for the person, and what they miss, in words."""
    if not can_write(user):
        raise PermissionDenied
    roster = (
        Roster.objects.select_for_update(of=("self",)).select_related("course", "planned_class__plan").get(pk=roster.pk)
    )
    require_carried_out(roster.planned_class)
    codes = [p if isinstance(p, str) else p.code for p in persons]
    people = resolve_codes(codes=codes, user=user)
    if not people:
        raise ValidationError({"persons": [_("Chưa chọn cán bộ nào.")]})
    already = dict(
        roster.nominations.active().filter(person__in=[p.pk for p in people]).values_list("person__code", "status")
    )
    if already:
        raise ValidationError(
            {
                "persons": [
                    _("Cán bộ mã “%(code)s” đã có trong danh sách lớp.") % {"code": code} for code in sorted(already)
                ]
            }
        )
    seated = roster.nominations.seated().count()
    free = max(0, roster.capacity - seated)
    if len(people) > free and not waiting_list:
        raise ValidationError(
            {
                "persons": [
                    _(
                        "Lớp %(code)s chỉ còn %(free)s chỗ cho %(count)s người được đề cử; chọn danh sách chờ hoặc bớt "
                        "người."
                    )
                    % {"code": roster.course.code, "free": free, "count": len(people)}
                ]
            }
        )
    course = roster.course
    year = year or course.start_date.year
    programme = Programme.objects.default()
    reasons = (
        nomination_reasons(
            programme=programme,
            course_types=list(course.types.values_list("code", flat=True)),
            person_ids=[p.pk for p in people],
            year=year,
        )
        if programme
        else {}
    )
    # A person withdrawn earlier comes back at the end of the queue.
    withdrawn = {n.person_id: n for n in roster.nominations.filter(status=NominationStatus.WITHDRAWN)}
    position = (roster.nominations.aggregate(top=Max("position"))["top"] or 0) + 1
    done_seated, done_waiting = [], []
    for person in people:
        status = NominationStatus.SEATED if free > 0 else NominationStatus.WAITING
        free -= 1
        indicator, reason = reasons.get(person.pk, (None, ""))
        nomination = withdrawn.get(person.pk) or Nomination(roster=roster, person=person)
        nomination.status, nomination.position = status, position
        nomination.indicator, nomination.reason, nomination.nominated_by = indicator, reason, user
        nomination.result, nomination.completed_on, nomination.certificate_number = "", None, ""
        nomination._change_reason = _("Đề cử")
        nomination.save()
        position += 1
        (done_seated if status == NominationStatus.SEATED else done_waiting).append(nomination)
    return Nominated(done_seated, done_waiting)


@transaction.atomic
def withdraw(*, nomination: Nomination, user) -> Nomination | None:
    """Withdraw a nomination; when it held a place, the first waiting person moves up (returned)."""
    if not can_write(user) or not visible_persons(user).filter(pk=nomination.person_id).exists():
        raise PermissionDenied
    roster = Roster.objects.select_for_update().get(pk=nomination.roster_id)
    nomination = Nomination.objects.select_for_update().get(pk=nomination.pk)
    if nomination.status == NominationStatus.WITHDRAWN:
        return None
    if nomination.result:
        raise ValidationError(_("Đã ghi kết quả cho cán bộ này: không rút khỏi lớp được."))
    held_place = nomination.status == NominationStatus.SEATED
    nomination.status = NominationStatus.WITHDRAWN
    nomination._change_reason = _("Rút khỏi lớp")
    nomination.save(update_fields=["status"])
    if held_place:
        moved = _promote(roster, 1)
        return moved[0] if moved else None
    return None


@dataclass(frozen=True)
class ResultLine:
    """One result to enter on a roster (``nomination`` seated, of a person the user may see)."""

    nomination: Nomination
    result: str
    completed_on: datetime.date | None = None
    certificate_number: str = ""


def result_errors(*, course: Course, line: ResultLine, today: datetime.date | None = None) -> dict[str, list[str]]:
    """Return {field: [why]} for a result line (empty when it may be entered)."""
    errors: dict[str, list[str]] = {}
    if line.result not in RosterResult.values:
        errors["result"] = [
            _("Kết quả “%(value)s” không hợp lệ; chọn: %(choices)s.")
            % {"value": line.result, "choices": ", ".join(str(label) for label in RosterResult.labels)}
        ]
        return errors
    if line.nomination.status != NominationStatus.SEATED:
        errors["person"] = [
            _("Cán bộ mã “%(code)s” không có trong danh sách chính thức của lớp.")
            % {"code": line.nomination.person.code}
        ]
    if line.completed_on is not None:
        if line.result != RosterResult.COMPLETED:
            errors["completed_on"] = [_("Chỉ ghi ngày hoàn thành khi kết quả là “Hoàn thành”.")]
        elif line.completed_on < course.start_date:
            errors["completed_on"] = [
                _("Ngày hoàn thành %(value)s trước ngày khai giảng lớp (%(start)s).")
                % {
                    "value": date_format(line.completed_on, "SHORT_DATE_FORMAT"),
                    "start": date_format(course.start_date, "SHORT_DATE_FORMAT"),
                }
            ]
        else:
            found = completion_date_errors(
                course=course, result=line.result, completed_on=line.completed_on, today=today
            )
            if found:
                errors["completed_on"] = found
    if line.certificate_number and len(line.certificate_number) > 100:
        errors["certificate_number"] = [_("Số chứng chỉ dài quá 100 ký tự.")]
    return errors


class ResultsRefused(ValidationError):
    """Some result lines are wrong: ``errors`` is [(person code, field, value, reason)]; nothing was written."""

    def __init__(self, errors: list[tuple[str, str, str, str]]):
        super().__init__([f"{code} — {reason}" for code, _field, _value, reason in errors])
        self.errors = errors


@transaction.atomic
def enter_results(*, roster: Roster, lines: Iterable[ResultLine], user) -> int:
    """Enter the results of a class on its roster, all or nothing, and record them as training records (through
    ``training.services.record_class``, one bulk write per result and date). Return the number of lines."""
    if not can_write(user):
        raise PermissionDenied
    roster = Roster.objects.select_for_update().select_related("course").get(pk=roster.pk)
    lines = list(lines)
    visible = set(
        visible_persons(user).filter(pk__in=[line.nomination.person_id for line in lines]).values_list("pk", flat=True)
    )
    errors = []
    for line in lines:
        if line.nomination.roster_id != roster.pk or line.nomination.person_id not in visible:
            errors.append(
                (
                    line.nomination.person.code,
                    "person",
                    line.nomination.person.code,
                    person_not_found(line.nomination.person.code),
                )
            )
            continue
        for field, messages in result_errors(course=roster.course, line=line).items():
            value = {
                "result": line.result,
                "completed_on": line.completed_on,
                "certificate_number": line.certificate_number,
            }.get(field, line.nomination.person.code)
            if isinstance(value, datetime.date):
                value = date_format(value, "SHORT_DATE_FORMAT")
            errors.extend((line.nomination.person.code, field, str(value or ""), message) for message in messages)
    if errors:
        raise ResultsRefused(errors)
    groups: dict[tuple[str, datetime.date | None], list[ResultLine]] = defaultdict(list)
    for line in lines:
        groups[(line.result, line.completed_on)].append(line)
    for (result, completed_on), group in groups.items():
        record_class(
            course=roster.course,
            persons=[line.nomination.person.code for line in group],
            result=result,
            completed_on=completed_on,
            user=user,
            certificates={line.nomination.person.code: line.certificate_number for line in group},
        )
    records = dict(
        TrainingRecord.objects.filter(
            course=roster.course, person__in=[line.nomination.person_id for line in lines]
        ).values_list("person_id", "pk")
    )
    for line in lines:
        nomination = line.nomination
        nomination.result, nomination.completed_on = line.result, line.completed_on
        nomination.certificate_number = line.certificate_number
        nomination.record_id = records.get(nomination.person_id)
        nomination._change_reason = _("Ghi kết quả")
        nomination.save(update_fields=["result", "completed_on", "certificate_number", "record"])
    return len(lines)
