"""The one rule of approved years: nothing that would change an approved unit's figures can be written.

A unit's year Y is locked while its ``YearApproval`` is not returned. A record is *in* a locked year when:

- a training record (dated by its completion date, else its course's end date), a qualification (its date;
  an empty date counts in every year) or an appointment (its date) is dated in Y for a person whose assignment
  covering that date sits in the approved unit or below it, either as organised then (the assignment's unit
  and its ancestors, by materialised path) or restated on today's units (its heir unit and its ancestors);
  an appointment with no assignment covering its date is counted under the person's latest assignment;
- an assignment covers a day of Y in such a unit.

``check_writable`` raises ``YearLocked`` (a ``ValidationError`` with code ``year_locked``) naming the unit,
the year and who approved it; ``LockIndex`` answers the same question for many rows without a query per row
(imports, bulk API). A ``LockException`` (unit, year, until) lets writes for the unit and the units below it
through until it expires; each single write it lets through is recorded (``ExceptionUse``, and the
``hanoi.audit`` log). Forms, services, the API and imports call these; model signals (``connect_guards``) are
the last guard for any other ``save()``/``delete()`` (admin, scripts).
"""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models.signals import pre_delete, pre_save
from django.utils import timezone
from django.utils.translation import gettext as _

from personnel.models import Appointment, Assignment, OrgUnit, Person, Qualification
from personnel.signals import person_saving
from training.models import TrainingRecord
from training.signals import records_writing

from .models import ExceptionUse, LockException, YearApproval, active_exceptions_q

logger = logging.getLogger("hanoi.audit")
CODE = "year_locked"


@dataclass(frozen=True)
class Lock:
    """An approved year that refuses a write."""

    unit_id: int
    unit_code: str
    unit_name: str
    year: int
    approved_by: str
    approved_at: datetime.datetime

    def message(self) -> str:
        return _(
            "Số liệu năm %(year)s của %(unit)s (%(code)s) đã được %(who)s phê duyệt lúc %(at)s: không thể ghi "
            "thay đổi làm thay đổi số liệu năm đó. Cần cấp trên trả lại năm hoặc cho phép sửa có thời hạn."
        ) % {
            "year": self.year,
            "unit": self.unit_name,
            "code": self.unit_code,
            "who": self.approved_by,
            "at": f"{timezone.localtime(self.approved_at):%H:%M %d/%m/%Y}",
        }

    def as_json(self) -> dict:
        return {
            "unit": self.unit_code,
            "unit_name": self.unit_name,
            "year": self.year,
            "approved_by": self.approved_by,
            "approved_at": self.approved_at.isoformat(),
        }


class YearLocked(ValidationError):
    """A write refused because it falls in an approved year (code ``year_locked``)."""

    def __init__(self, lock: Lock, *, label: str = ""):
        self.lock = lock
        text = lock.message()
        super().__init__(f"{label}: {text}" if label else text, code=CODE)


def _ancestors(path: str) -> list[int]:
    return [int(part) for part in path.strip("/").split("/") if part]


def _user_name(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


class LockIndex:
    """Which (person, day) pairs and which assignments fall in a locked year, for a set of persons.

    Reads the locking approvals, the active exceptions, the units' paths and the persons' assignments
    once (a few queries, whatever the number of rows); nothing more when no year is approved.
    """

    def __init__(self, person_ids: Iterable[int] = (), *, now: datetime.datetime | None = None):
        now = now or timezone.now()
        rows = list(
            YearApproval.objects.locking()
            .order_by("approved_at")
            .values(
                "unit_id", "year", "approved_at", "unit__code", "unit__name",
                "approved_by__username", "approved_by__first_name", "approved_by__last_name",
            )
        )  # fmt: skip
        self.locked: dict[tuple[int, int], Lock] = {}
        for row in rows:
            full = f"{row['approved_by__last_name']} {row['approved_by__first_name']}".strip()
            self.locked.setdefault(
                (row["unit_id"], row["year"]),
                Lock(
                    row["unit_id"], row["unit__code"], row["unit__name"], row["year"],
                    full or row["approved_by__username"], row["approved_at"],
                ),
            )  # fmt: skip
        self.years = sorted({year for _unit, year in self.locked})
        self.exceptions: dict[tuple[int, int], int] = {}
        self.paths: dict[int, list[int]] = {}
        self.assignments: dict[int, list[tuple]] = defaultdict(list)
        if not self.locked:
            return
        for exception in LockException.objects.filter(active_exceptions_q(now)).values("pk", "unit_id", "year"):
            self.exceptions.setdefault((exception["unit_id"], exception["year"]), exception["pk"])
        self.paths = {pk: _ancestors(path) for pk, path in OrgUnit.objects.values_list("pk", "path")}
        self.add_persons(person_ids)

    def add_persons(self, person_ids: Iterable[int]) -> None:
        """Read the assignments of more persons (in chunks of 2,000)."""
        if not self.locked:
            return
        ids = sorted({pk for pk in person_ids if pk is not None and pk not in self.assignments})
        for start in range(0, len(ids), 2000):
            chunk = ids[start : start + 2000]
            for pk in chunk:
                self.assignments[pk] = []
            for row in (
                Assignment.objects.filter(person_id__in=chunk)
                .order_by("person_id", "start_date")
                .values_list("person_id", "start_date", "end_date", "unit_id", "heir_unit_id")
            ):
                self.assignments[row[0]].append(row[1:])

    # -- questions ------------------------------------------------------------------------------

    def _units(self, *unit_ids: int | None) -> set[int]:
        found = set()
        for unit_id in unit_ids:
            if unit_id is not None:
                found.update(self.paths.get(unit_id, ()))
        return found

    def _check_units(self, units: set[int], year: int) -> tuple[Lock | None, int | None]:
        """Return (lock, None), (None, exception id) when an exception lets it through, or (None, None)."""
        lock = next((self.locked[(u, year)] for u in sorted(units) if (u, year) in self.locked), None)
        if lock is None:
            return None, None
        exception = next((self.exceptions[(u, year)] for u in sorted(units) if (u, year) in self.exceptions), None)
        if exception is not None:
            return None, exception
        return lock, None

    def lock_for(self, person_id: int | None, day: datetime.date | None, *, appointment: bool = False):
        """Return (lock, exception id) for a record of the person dated ``day`` (None: before records began)."""
        if not self.locked or person_id is None:
            return None, None
        if person_id not in self.assignments:
            self.add_persons([person_id])
        days = [day] if day is not None else [datetime.date(year, 12, 31) for year in self.years]
        history = self.assignments.get(person_id, [])
        for on in days:
            if on.year not in self.years:
                continue
            covering = [a for a in history if (a[0] is None or a[0] <= on) and (a[1] is None or a[1] > on)]
            if not covering and appointment and history:
                covering = [max(history, key=lambda a: a[0] or datetime.date.min)]
            for _start, _end, unit_id, heir_id in covering:
                found = self._check_units(self._units(unit_id, heir_id), on.year)
                if found != (None, None):
                    return found
        return None, None

    def lock_for_stretch(
        self, unit_id: int, start: datetime.date | None, end: datetime.date | None, heir_id: int | None = None
    ):
        """Return (lock, exception id) for an assignment in ``unit_id`` from ``start`` until ``end``."""
        if not self.locked:
            return None, None
        units = self._units(unit_id, heir_id)
        for year in self.years:
            if start is not None and start > datetime.date(year, 12, 31):
                continue
            if end is not None and end <= datetime.date(year, 1, 1):
                continue
            found = self._check_units(units, year)
            if found != (None, None):
                return found
        return None, None


def _record_use(exception_id: int, *, user, what: str, person_id: int | None) -> None:
    ExceptionUse.objects.create(
        exception_id=exception_id,
        user=user if getattr(user, "pk", None) else None,
        what=what[:255],
        person_id=person_id,
    )
    logger.info(
        "approved year written under exception=%s user=%s what=%s",
        exception_id,
        getattr(user, "username", "-"),
        what,
        extra={"event": "year_lock_exception_used", "exception": exception_id},
    )


def check_writable(
    *,
    person_ids: Iterable[int],
    dates: Iterable[datetime.date | None],
    user=None,
    what: str = "",
    appointment: bool = False,
    record: bool = True,
) -> None:
    """Raise ``YearLocked`` when a record of ``person_ids[i]`` dated ``dates[i]`` falls in a locked year.

    A write an exception lets through is recorded (``record``) as used by ``user``.
    """
    pairs = list(zip(person_ids, dates, strict=True))
    index = LockIndex([pk for pk, _day in pairs])
    uses = []
    for person_id, day in pairs:
        lock, exception = index.lock_for(person_id, day, appointment=appointment)
        if lock is not None:
            raise YearLocked(lock)
        if exception is not None and record:
            uses.append((exception, person_id))
    # A bulk write (training.upsert: an import, the API) may pass thousands of records under one exception.
    _record_uses(uses, user=user, what=what)


def _record_uses(uses: list[tuple[int, int | None]], *, user, what: str) -> None:
    """Record writes let through by exceptions ([(exception id, person id)]): one INSERT, a log line per exception."""
    if len(uses) == 1:
        _record_use(uses[0][0], user=user, what=what, person_id=uses[0][1])
        return
    if not uses:
        return
    who = user if getattr(user, "pk", None) else None
    ExceptionUse.objects.bulk_create(
        [ExceptionUse(exception_id=e, user=who, what=what[:255], person_id=p) for e, p in uses], batch_size=2000
    )
    for exception_id in sorted({e for e, _p in uses}):
        logger.info(
            "approved year written under exception=%s user=%s what=%s (%s records)",
            exception_id,
            getattr(user, "username", "-"),
            what,
            sum(1 for e, _p in uses if e == exception_id),
            extra={"event": "year_lock_exception_used", "exception": exception_id},
        )


def check_stretch_writable(
    *,
    unit_id: int,
    start: datetime.date | None,
    end: datetime.date | None,
    heir_id: int | None = None,
    user=None,
    what: str = "",
    person_id: int | None = None,
    record: bool = True,
) -> None:
    """Raise ``YearLocked`` when an assignment in ``unit_id`` from ``start`` until ``end`` covers a locked year."""
    lock, exception = LockIndex().lock_for_stretch(unit_id, start, end, heir_id)
    if lock is not None:
        raise YearLocked(lock)
    if exception is not None and record:
        _record_use(exception, user=user, what=what, person_id=person_id)


def locked_for(person_id: int, day: datetime.date | None) -> Lock | None:
    """Return the lock a record of the person dated ``day`` meets (None: writable, or let through)."""
    return LockIndex([person_id]).lock_for(person_id, day)[0]


# ---------------------------------------------------------------------------------------------
# The last guard: model signals


def record_day(instance) -> datetime.date | None:
    """Return the date a training record, qualification or appointment counts from."""
    if isinstance(instance, TrainingRecord):
        if instance.completed_on is not None:
            return instance.completed_on
        return instance.course.end_date if instance.course_id else None
    if hasattr(instance, "obtained_on"):
        return instance.obtained_on
    return getattr(instance, "appointed_on", None)


def _request_user():
    from simple_history.models import HistoricalRecords

    request = getattr(HistoricalRecords.context, "request", None)
    user = getattr(request, "user", None)
    return user if getattr(user, "is_authenticated", False) else None


def changed_spans(old, new) -> list[tuple]:
    """Return the (unit, heir unit, start, end) spans whose figures an assignment write changes: the whole old and
    new stretches when the unit, category or leadership level changes, else only the days gained or lost."""
    if old is None:
        return [(new.unit_id, new.heir_unit_id, new.start_date, new.end_date)]
    same = (old.unit_id, old.category, old.leadership_level) == (new.unit_id, new.category, new.leadership_level)
    if not same:
        return [
            (old.unit_id, old.heir_unit_id, old.start_date, old.end_date),
            (new.unit_id, new.heir_unit_id, new.start_date, new.end_date),
        ]
    spans = []
    low, high = datetime.date.min, datetime.date.max
    s1, s2 = old.start_date or low, new.start_date or low
    if s1 != s2:
        spans.append((new.unit_id, old.heir_unit_id, min(s1, s2), max(s1, s2)))
    e1, e2 = old.end_date or high, new.end_date or high
    if e1 != e2:
        spans.append((new.unit_id, old.heir_unit_id, min(e1, e2), max(e1, e2)))
    return spans


def person_placement_spans(
    *, stored: dict | None, history: list[tuple], unit, category, leadership_level, start_date, end_date, today
) -> list[tuple]:
    """Return the (unit, heir unit, start, end) spans whose figures writing a person's row changes.

    A personnel row places its person (organisation-history.md, section 3): a new person (or one with no
    assignment) gets one assignment from the later of their start and the unit's opening; a person with one
    assignment has it corrected; a person with a history who moves is transferred today, and their last day
    may change. ``stored`` is the person's row as stored, ``history`` their assignments as
    (start, end, unit id, heir unit id).
    """
    from types import SimpleNamespace

    if unit.opened_on is not None and (start_date is None or start_date < unit.opened_on):
        start_date = unit.opened_on
    new = SimpleNamespace(
        unit_id=unit.pk, heir_unit_id=None, category=category, leadership_level=leadership_level,
        start_date=start_date, end_date=end_date,
    )  # fmt: skip
    if stored is None or not history:
        return [(new.unit_id, None, new.start_date, new.end_date)]
    if len(history) == 1:
        a_start, a_end, a_unit, a_heir = history[0]
        old = SimpleNamespace(
            unit_id=a_unit, heir_unit_id=a_heir, category=stored["category"],
            leadership_level=stored["leadership_level"], start_date=a_start, end_date=a_end,
        )  # fmt: skip
        new.heir_unit_id = a_heir if a_unit == new.unit_id else None
        return changed_spans(old, new)
    _a_start, a_end, a_unit, a_heir = max(history, key=lambda a: a[0] or datetime.date.min)
    spans = []
    if (a_unit, stored["category"], stored["leadership_level"]) != (unit.pk, category, leadership_level):
        spans += [(a_unit, a_heir, today, a_end), (unit.pk, None, today, end_date)]  # a transfer dated today
    if a_end != end_date:
        low, high = sorted([a_end or datetime.date.max, end_date or datetime.date.max])
        spans.append((a_unit, a_heir, low, high))
    return spans


def check_person_writable(*, person, user=None, record: bool = True) -> None:
    """Raise ``YearLocked`` when saving ``person`` (its unit, category, leadership level, first and last day) would
    change the placement of an approved year (``refuse_locked_person``)."""
    if not YearApproval.objects.locking().exists():
        return
    stored = None
    if person.pk is not None:
        stored = Person.objects.filter(pk=person.pk).values("id", "category", "leadership_level").first()
    index = LockIndex([person.pk] if person.pk else [])
    spans = person_placement_spans(
        stored=stored, history=index.assignments.get(person.pk, []) if person.pk else [], unit=person.unit,
        category=person.category, leadership_level=person.leadership_level, start_date=person.start_date,
        end_date=person.end_date, today=timezone.localdate(),
    )  # fmt: skip
    for unit_id, heir_id, start, end in spans:
        lock, exception = index.lock_for_stretch(unit_id, start, end, heir_id)
        if lock is not None:
            raise YearLocked(lock)
        if exception is not None and record:
            _record_use(exception, user=user or _request_user(), what=f"person {person.pk}", person_id=person.pk)


def _guard_save(sender, instance, raw=False, **kwargs):
    if raw or not YearApproval.objects.locking().exists():
        return
    user = _request_user()
    what = f"{sender._meta.model_name} {instance.pk or 'mới'}"
    states = [instance]
    if instance.pk is not None:
        old = sender._default_manager.filter(pk=instance.pk).first()
        if old is not None:
            states.insert(0, old)
    if sender is Assignment:
        for unit_id, heir_id, start, end in changed_spans(states[0] if len(states) > 1 else None, instance):
            check_stretch_writable(
                unit_id=unit_id, start=start, end=end, heir_id=heir_id,
                user=user, what=what, person_id=instance.person_id,
            )  # fmt: skip
        return
    for state in states:
        check_writable(
            person_ids=[state.person_id], dates=[record_day(state)], user=user, what=what,
            appointment=sender._meta.model_name == "appointment", record=state is instance,
        )  # fmt: skip


def _guard_delete(sender, instance, **kwargs):
    if not YearApproval.objects.locking().exists():
        return
    user = _request_user()
    what = f"xóa {sender._meta.model_name} {instance.pk}"
    if sender is Assignment:
        check_stretch_writable(
            unit_id=instance.unit_id, start=instance.start_date, end=instance.end_date,
            heir_id=instance.heir_unit_id, user=user, what=what, person_id=instance.person_id,
        )  # fmt: skip
    else:
        check_writable(
            person_ids=[instance.person_id], dates=[record_day(instance)], user=user, what=what,
            appointment=sender._meta.model_name == "appointment",
        )  # fmt: skip


def refuse_locked_person(sender, *, person, **kwargs) -> None:
    """Receive ``personnel.signals.person_saving``: refuse a person's row that would move an approved year."""
    check_person_writable(person=person)


def refuse_locked_records(sender, *, person_ids, dates, user=None, what: str = "", **kwargs) -> None:
    """Receive ``training.signals.records_writing``: refuse training records dated in an approved year."""
    check_writable(person_ids=person_ids, dates=dates, user=user, what=what)


def connect_guards() -> None:
    person_saving.connect(refuse_locked_person, sender=Person, dispatch_uid="approvals.person_saving")
    records_writing.connect(refuse_locked_records, sender=TrainingRecord, dispatch_uid="approvals.records_writing")
    for model in (TrainingRecord, Qualification, Appointment, Assignment):
        pre_save.connect(_guard_save, sender=model, dispatch_uid=f"approvals.guard_save.{model.__name__}")
        pre_delete.connect(_guard_delete, sender=model, dispatch_uid=f"approvals.guard_delete.{model.__name__}")
