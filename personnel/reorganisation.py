"""Reorganising (organisation-history.md, section 7): close units, open new ones, name successors, move people.

- ``Plan``: what an admin loads: an effective date, units to close with their successors (the primary
  first), units to open (code, name, level, parent) and optional per-person destinations.
- ``check_plan``: the preview: units closed and opened, how many people move from where to where, who goes
  to the primary successor for want of a destination, and every problem (each naming the row, the column,
  the value and the reason). Nothing is written.
- ``apply_reorganisation``: all or nothing. Units close (``closed_on`` = the date), new units open
  (``opened_on`` = the date), successions are written, and every person assigned to a closing unit on the
  date moves to their destination (else the primary successor): their assignment ends on the date and a
  new one starts with the same category, leadership level and position. A ``Reorganisation`` row keeps
  what was done; every history row written carries the reason ``reorg:<id>``.
- ``undo_reorganisation``: puts everything back (reason ``reorg-undo:<id>``), refused when the people's
  assignments or the new units have changed since.

Writes on people are bulk (a few statements whatever their number); units and successions, a few hundred at
most, are written one by one so that each gets its own history row through the model's ``save``.
"""

from __future__ import annotations

import csv
import datetime
import io
import logging
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from core.text import fold

from .choices import UnitLevel
from .history import refresh_heirs, sync_person_assignments, sync_persons
from .models import Assignment, OrgUnit, Person, Reorganisation, ReorganisationStatus, UnitSuccession
from .services import rebuild_unit_paths

logger = logging.getLogger("hanoi.audit")
LISTED = 20  # names shown in a list before "… and N more"
CHUNK = 500


def _day(value: datetime.date | None) -> str:
    return date_format(value, "d/m/Y") if value else ""


# ---------------------------------------------------------------------------------------------
# The plan


@dataclass
class Closure:
    code: str
    successors: list[str]  # the primary first
    line: int = 0


@dataclass
class Opening:
    code: str
    name: str
    level: str
    parent: str
    line: int = 0


@dataclass
class Destination:
    person: str
    unit: str
    line: int = 0


@dataclass
class Plan:
    name: str
    effective_on: datetime.date
    closures: list[Closure] = field(default_factory=list)
    openings: list[Opening] = field(default_factory=list)
    destinations: list[Destination] = field(default_factory=list)

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "effective_on": self.effective_on.isoformat(),
            "closures": [asdict(c) for c in self.closures],
            "openings": [asdict(o) for o in self.openings],
            "destinations": [asdict(d) for d in self.destinations],
        }

    @classmethod
    def from_json(cls, data: dict) -> Plan:
        return cls(
            name=data["name"],
            effective_on=datetime.date.fromisoformat(data["effective_on"]),
            closures=[Closure(**c) for c in data.get("closures", [])],
            openings=[Opening(**o) for o in data.get("openings", [])],
            destinations=[Destination(**d) for d in data.get("destinations", [])],
        )


# The three tables an admin loads (CSV with a header row; pasted or uploaded).
CLOSURE_COLUMNS = ("Mã đơn vị giải thể", "Đơn vị kế thừa")
OPENING_COLUMNS = ("Mã đơn vị", "Tên đơn vị", "Cấp", "Mã đơn vị cấp trên")
DESTINATION_COLUMNS = ("Mã cán bộ", "Mã đơn vị")


class PlanError(ValueError):
    """The tables cannot be read; ``errors`` lists each problem."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


def _rows(text: str, columns: tuple[str, ...], table: str, errors: list[str]) -> list[tuple[int, list[str]]]:
    """Return (line, cells) of a CSV table whose header names ``columns`` (comma or semicolon separated)."""
    text = (text or "").lstrip("\ufeff").strip()
    if not text:
        return []
    first = text.splitlines()[0]
    delimiter = "\t" if "\t" in first else ("," if first.count(",") >= first.count(";") else ";")
    reader = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    header = [fold(cell.strip()) for cell in reader[0]]
    wanted = [fold(column) for column in columns]
    if header[: len(wanted)] != wanted:
        errors.append(
            _("%(table)s, dòng 1: tiêu đề phải là «%(expected)s», tệp có «%(found)s».")
            % {"table": table, "expected": ", ".join(columns), "found": ", ".join(reader[0])}
        )
        return []
    rows = []
    for line, cells in enumerate(reader[1:], start=2):
        cells = [cell.strip() for cell in cells] + [""] * len(columns)
        if any(cells):
            rows.append((line, cells[: len(columns)]))
    return rows


def read_plan(
    *, name: str, effective_on: datetime.date, closures: str, openings: str = "", destinations: str = ""
) -> Plan:
    """Return the plan the three CSV tables describe; raise ``PlanError`` when a table cannot be read.

    Closures: ``Mã đơn vị giải thể, Đơn vị kế thừa`` (successor codes separated by ``;``, the primary first;
    quote the cell when the file is separated by semicolons). Openings: ``Mã đơn vị, Tên đơn vị, Cấp, Mã đơn
    vị cấp trên``. Destinations (optional): ``Mã cán bộ, Mã đơn vị``.
    """
    errors: list[str] = []
    plan = Plan(name=name, effective_on=effective_on)
    for line, (code, successors) in _rows(closures, CLOSURE_COLUMNS, _("Đơn vị giải thể"), errors):
        codes = [part.strip() for part in successors.replace(",", ";").split(";") if part.strip()]
        plan.closures.append(Closure(code=code, successors=codes, line=line))
    for line, (code, unit_name, level, parent) in _rows(openings, OPENING_COLUMNS, _("Đơn vị thành lập"), errors):
        plan.openings.append(Opening(code=code, name=unit_name, level=level, parent=parent, line=line))
    for line, (person, unit) in _rows(destinations, DESTINATION_COLUMNS, _("Nơi chuyển đến"), errors):
        plan.destinations.append(Destination(person=person, unit=unit, line=line))
    if errors:
        raise PlanError(errors)
    if not plan.closures:
        raise PlanError([_("Đơn vị giải thể: cần ít nhất một dòng.")])
    return plan


def _level(value: str) -> str | None:
    """Return the unit level a cell names (its code or its label, accents ignored), or None."""
    wanted = fold(value or "")
    for code, label in UnitLevel.choices:
        if wanted in (fold(code), fold(str(label))):
            return code
    return None


# ---------------------------------------------------------------------------------------------
# The preview


@dataclass
class Move:
    source: str  # unit as the reader knows it
    target: str
    count: int


@dataclass
class Preview:
    plan: Plan
    closed: list[tuple[OrgUnit, list[str]]] = field(default_factory=list)  # unit, successor names (primary first)
    opened: list[tuple[Opening, str]] = field(default_factory=list)  # new unit, parent name
    moves: list[Move] = field(default_factory=list)
    defaulted: list[tuple[str, int, list[str]]] = field(default_factory=list)  # split unit, people to primary
    people: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


class _Check:
    """The plan's units, people and problems, read with a fixed number of queries."""

    def __init__(self, plan: Plan):
        self.plan = plan
        self.on = plan.effective_on
        self.problems: list[str] = []
        codes = (
            {c.code for c in plan.closures} | {o.parent for o in plan.openings} | {d.unit for d in plan.destinations}
        )
        codes |= {code for c in plan.closures for code in c.successors} | {o.code for o in plan.openings}
        self.existing = {u.code: u for u in OrgUnit.objects.filter(code__in=codes - {""})}
        self.new = {}
        for opening in plan.openings:
            self.new.setdefault(opening.code, opening)
        self.closing = {c.code: self.existing[c.code] for c in plan.closures if c.code in self.existing}
        self.closing_ids = {unit.pk for unit in self.closing.values()}
        self.closure_of = {self.existing[c.code].pk: c for c in plan.closures if c.code in self.existing}
        self.by_id = {unit.pk: unit for unit in self.existing.values()}

    def problem(self, table: str, line: int, column: str, value: str, reason: str) -> None:
        self.problems.append(
            _("%(table)s, dòng %(line)s, cột «%(column)s», giá trị «%(value)s»: %(reason)s")
            % {"table": table, "line": line, "column": column, "value": value, "reason": reason}
        )

    def open_target(self, code: str) -> str | None:
        """Return why ``code`` cannot receive people on the date (None when it can)."""
        if code in self.new:
            return None
        unit = self.existing.get(code)
        if unit is None:
            return _("không có đơn vị mã này.")
        if code in self.closing:
            return _("đơn vị này cũng giải thể trong đợt này.")
        if not unit.is_open_at(self.on):
            return _("đơn vị %(unit)s không hoạt động vào ngày %(date)s.") % {"unit": unit, "date": _day(self.on)}
        return None

    def ancestors(self, code: str) -> set[str]:
        """Return ``code`` and the keys of every unit above it: new units by code (their parent codes), existing
        ones by "#id" (their materialised path)."""
        found, seen = set(), set()
        while code and code not in seen:
            seen.add(code)
            found.add(code)
            if code in self.new:
                code = self.new[code].parent
            elif code in self.existing:
                unit = self.existing[code]
                found |= {f"#{pk}" for pk in unit.ancestor_ids()}  # existing units by id: "#17"
                break
            else:
                break
        return found

    def successor_keys(self, codes: list[str]) -> set[str]:
        """Return the keys (codes of new units, ids of existing ones) a unit below a successor has above it."""
        return {
            code if code in self.new else f"#{self.existing[code].pk}"
            for code in codes
            if code in self.new or code in self.existing
        }


def check_plan(plan: Plan) -> Preview:
    """Return the preview of ``plan``: what it would do and every problem (nothing is written).

    A fixed number of queries whatever the number of units and people.
    """
    check = _Check(plan)
    valid_closures = _closures_problems(check)
    _children_problems(check)
    _openings_problems(check)
    people = _people(check)
    chosen = _destinations(check, people)
    return _preview(check, valid_closures, people, chosen)


def _closures_problems(check: _Check) -> list[Closure]:
    """Check each unit to close and its successors; return the closures with no problem."""
    closed_t, (code_c, successors_c) = _("Đơn vị giải thể"), CLOSURE_COLUMNS
    seen: set[str] = set()
    valid: list[Closure] = []
    for closure in check.plan.closures:
        unit = check.existing.get(closure.code)
        reason = None
        if unit is None:
            reason = _("không có đơn vị mã này.")
        elif closure.code in seen:
            reason = _("đơn vị đã có ở một dòng trước.")
        elif unit.closed_on is not None:
            reason = _("đơn vị đã giải thể từ ngày %(date)s.") % {"date": _day(unit.closed_on)}
        elif unit.opened_on is not None and unit.opened_on >= check.on:
            reason = _("đơn vị chỉ thành lập từ ngày %(date)s.") % {"date": _day(unit.opened_on)}
        seen.add(closure.code)
        if reason:
            check.problem(closed_t, closure.line, code_c, closure.code, reason)
            continue
        if not closure.successors:
            check.problem(closed_t, closure.line, successors_c, "", _("cần ít nhất một đơn vị kế thừa."))
            continue
        bad = False
        for code in closure.successors:
            reason = _("đơn vị kế thừa trùng với đơn vị giải thể.") if code == closure.code else check.open_target(code)
            if closure.successors.count(code) > 1:
                reason = _("đơn vị kế thừa được ghi hai lần.")
            if reason:
                check.problem(closed_t, closure.line, successors_c, code, reason)
                bad = True
        if not bad:
            valid.append(closure)
    return valid


def _children_problems(check: _Check) -> None:
    """A unit whose children do not all close cannot close (a child never outlives its parent)."""
    open_children: dict[int, list[str]] = defaultdict(list)
    closing_ids = check.closing_ids
    for child in OrgUnit.objects.filter(parent_id__in=closing_ids).open_at(check.on).exclude(pk__in=closing_ids):
        open_children[child.parent_id].append(str(child))
    for closure in check.plan.closures:
        unit = check.existing.get(closure.code)
        if unit is not None and open_children.get(unit.pk):
            check.problem(
                _("Đơn vị giải thể"),
                closure.line,
                CLOSURE_COLUMNS[0],
                closure.code,
                _("còn đơn vị trực thuộc chưa giải thể: %(units)s.")
                % {"units": "; ".join(open_children[unit.pk][:LISTED])},
            )


def _openings_problems(check: _Check) -> None:
    """Check each new unit: a code never used, a name, a level, a parent open on the date (or new)."""
    opened_t, (code_o, name_o, level_o, parent_o) = _("Đơn vị thành lập"), OPENING_COLUMNS
    seen: set[str] = set()
    for opening in check.plan.openings:
        if not opening.code:
            check.problem(opened_t, opening.line, code_o, "", _("thiếu mã đơn vị."))
        elif opening.code in check.existing:
            check.problem(
                opened_t,
                opening.line,
                code_o,
                opening.code,
                _("mã đã được dùng cho %(unit)s; mã đơn vị là duy nhất theo thời gian.")
                % {"unit": check.existing[opening.code]},
            )
        elif opening.code in seen:
            check.problem(opened_t, opening.line, code_o, opening.code, _("mã đã có ở một dòng trước."))
        seen.add(opening.code)
        if not opening.name:
            check.problem(opened_t, opening.line, name_o, "", _("thiếu tên đơn vị."))
        if _level(opening.level) is None:
            check.problem(
                opened_t,
                opening.line,
                level_o,
                opening.level,
                _("cấp phải là một trong: %(levels)s.") % {"levels": ", ".join(code for code, _l in UnitLevel.choices)},
            )
        if not opening.parent:
            check.problem(opened_t, opening.line, parent_o, "", _("thiếu đơn vị cấp trên."))
        elif opening.parent == opening.code or opening.code in check.ancestors(opening.parent) - {opening.parent}:
            check.problem(opened_t, opening.line, parent_o, opening.parent, _("đơn vị không thể trực thuộc chính nó."))
        else:
            reason = check.open_target(opening.parent)
            if reason:
                check.problem(opened_t, opening.line, parent_o, opening.parent, reason)


def _people(check: _Check) -> list[tuple[str, str, int]]:
    """Return (person code, name, closing unit id) of everyone who moves: assigned to a closing unit on the
    date, or filed there with no assignment yet (they move from the one their personnel row describes).
    An assignment in a closing unit that starts on or after the date is a problem."""
    closing_ids, on = check.closing_ids, check.on
    movers = (
        Assignment.objects.filter(unit_id__in=closing_ids)
        .covering(on)
        .select_related("person")
        .only("pk", "unit_id", "start_date", "person__code", "person__full_name")
    )
    unrecorded = (
        Person.objects.filter(unit_id__in=closing_ids, assignments__isnull=True)
        .employed_at(on)
        .only("pk", "code", "full_name", "unit_id")
    )
    people = [(a.person.code, str(a.person), a.unit_id) for a in movers]
    people += [(p.code, str(p), p.unit_id) for p in unrecorded]
    late = (
        Assignment.objects.filter(unit_id__in=closing_ids, start_date__gte=on)
        .select_related("person", "unit")
        .order_by("person__code")
    )
    for assignment in late[: LISTED + 1]:
        check.problems.append(
            _(
                "Cán bộ %(person)s có quá trình công tác ở %(unit)s từ ngày %(start)s, không trước ngày hiệu lực: "
                "hãy ghi quá trình đó vào đơn vị kế thừa trước."
            )
            % {"person": assignment.person, "unit": assignment.unit, "start": _day(assignment.start_date)}
        )
    return people


def _destinations(check: _Check, people: list[tuple[str, str, int]]) -> dict[str, str]:
    """Check each person's destination (a successor of their unit, or a unit below one); return the valid
    ones as {person code: unit code}."""
    dest_t, (code_d, unit_d) = _("Nơi chuyển đến"), DESTINATION_COLUMNS
    unit_of = {code: unit_id for code, _label, unit_id in people}
    known = set(
        _chunked(Person.objects.values_list("code", flat=True), "code", {d.person for d in check.plan.destinations})
    )
    chosen: dict[str, str] = {}
    for destination in check.plan.destinations:
        reason, column, value = None, code_d, destination.person
        if destination.person in chosen:
            reason = _("cán bộ đã có ở một dòng trước.")
        elif destination.person not in known:
            reason = _("không có cán bộ mã này.")
        elif destination.person not in unit_of:
            reason = _("cán bộ không công tác ở đơn vị giải thể nào vào ngày %(date)s.") % {"date": _day(check.on)}
        else:
            column, value = unit_d, destination.unit
            reason = check.open_target(destination.unit)
            source = unit_of[destination.person]
            allowed = check.successor_keys(check.closure_of[source].successors)
            if reason is None and not allowed & check.ancestors(destination.unit):
                reason = _("không phải đơn vị kế thừa của %(unit)s (hay đơn vị trực thuộc một đơn vị kế thừa).") % {
                    "unit": check.by_id[source]
                }
        if reason:
            check.problem(dest_t, destination.line, column, value, reason)
        else:
            chosen[destination.person] = destination.unit
    return chosen


def _preview(check: _Check, valid_closures, people, chosen) -> Preview:
    """Return what the plan would do: units closed and opened, people moving from where to where."""
    preview = Preview(plan=check.plan, problems=check.problems)
    names = {code: str(unit) for code, unit in check.existing.items()}
    names |= {code: f"{o.name} ({o.code})" for code, o in check.new.items()}
    for closure in valid_closures:
        preview.closed.append((check.existing[closure.code], [names.get(code, code) for code in closure.successors]))
    for opening in check.plan.openings:
        preview.opened.append((opening, names.get(opening.parent, opening.parent)))
    counts: Counter = Counter()
    to_primary: dict[int, list[str]] = defaultdict(list)
    for code, label, unit_id in people:
        closure = check.closure_of.get(unit_id)
        if closure is None or not closure.successors:
            continue
        counts[(unit_id, chosen.get(code) or closure.successors[0])] += 1
        if code not in chosen and len(closure.successors) > 1:
            to_primary[unit_id].append(label)
    by_id = check.by_id
    preview.moves = [
        Move(str(by_id[unit_id]), names.get(target, target), count)
        for (unit_id, target), count in sorted(counts.items(), key=lambda kv: (by_id[kv[0][0]].code, kv[0][1]))
    ]
    preview.defaulted = [
        (str(by_id[unit_id]), len(labels), sorted(labels)[:LISTED]) for unit_id, labels in sorted(to_primary.items())
    ]
    preview.people = sum(counts.values())
    return preview


# ---------------------------------------------------------------------------------------------
# Apply


class ReorganisationRefused(ValidationError):
    """The reorganisation (or its undo) was refused; nothing was written. ``messages`` says why."""


def _with_history(obj, *, user, reason: str):
    obj._history_user = user if getattr(user, "pk", None) else None
    obj._change_reason = reason
    return obj


def _history_mark() -> int:
    return Assignment.history.aggregate(mark=Max("history_id"))["mark"] or 0


def _person_history(person_ids, *, user, reason: str) -> None:
    """Write a "~" history row with ``reason`` for each person (their unit and category mirror changed)."""
    ids = list(person_ids)
    for start in range(0, len(ids), CHUNK):
        persons = list(Person.objects.filter(pk__in=ids[start : start + CHUNK]))
        Person.history.bulk_history_create(persons, update=True, default_user=_user(user), default_change_reason=reason)


def _chunked(queryset, field: str, ids) -> list:
    """Return the rows of ``queryset`` whose ``field`` is in ``ids``, asked in chunks (parameter limits)."""
    ids = list(ids)
    rows = []
    for start in range(0, len(ids), CHUNK):
        rows.extend(queryset.filter(**{f"{field}__in": ids[start : start + CHUNK]}))
    return rows


def _refresh_heirs(person_ids: set[int]) -> None:
    """Recompute the heirs of these persons (of everyone concerned, when they are many: one pass)."""
    if len(person_ids) > 5 * CHUNK:
        refresh_heirs()
    else:
        refresh_heirs(person_ids=person_ids)


def _user(user):
    return user if getattr(user, "pk", None) else None


def _touched_persons(unit_ids) -> set[int]:
    """Return the persons with any assignment in the units (their heir units may change)."""
    return set(Assignment.objects.filter(unit_id__in=list(unit_ids)).values_list("person_id", flat=True))


def apply_reorganisation(*, plan: Plan, user, record: Reorganisation | None = None) -> Reorganisation:
    """Apply ``plan`` all or nothing and return its ``Reorganisation`` record (``record``: the previewed one).

    Raises ``ReorganisationRefused`` (nothing written) when the plan has a problem.
    """
    with transaction.atomic():
        if record is not None:
            record = Reorganisation.objects.select_for_update().get(pk=record.pk)
            if record.status != ReorganisationStatus.PREVIEWED:
                raise ReorganisationRefused(
                    _("Đợt sắp xếp này không còn chờ xác nhận (%(status)s).") % {"status": record.get_status_display()}
                )
        else:
            record = Reorganisation.objects.create(
                name=plan.name, effective_on=plan.effective_on, plan=plan.to_json(), created_by=_user(user)
            )
        preview = check_plan(plan)
        if preview.problems:
            raise ReorganisationRefused(preview.problems)
        effects = _apply(plan, record, user)
        effects["summary"] = [[move.source, move.target, move.count] for move in preview.moves]
        record.effects = effects
        record.status = ReorganisationStatus.APPLIED
        record.applied_by, record.applied_at = _user(user), timezone.now()
        record.save()
    logger.info(
        "reorganisation applied id=%s by=%s date=%s closed=%d opened=%d moved=%d",
        record.pk,
        getattr(user, "username", "-"),
        plan.effective_on.isoformat(),
        len(effects["closed"]),
        len(effects["created"]),
        len(effects["moves"]),
        extra={"event": "reorganisation_applied", "reorganisation": record.pk},
    )
    return record


def _apply(plan: Plan, record: Reorganisation, user) -> dict:
    on, reason = plan.effective_on, record.history_reason
    existing = {
        u.code: u
        for u in OrgUnit.objects.filter(
            code__in={c.code for c in plan.closures}
            | {o.parent for o in plan.openings}
            | {s for c in plan.closures for s in c.successors}
            | {d.unit for d in plan.destinations}
        )
    }
    closing = [existing[c.code] for c in plan.closures]
    closing_ids = [u.pk for u in closing]

    # People of the closing units with no assignment yet get the one their row describes, then move.
    unrecorded = list(
        Person.objects.filter(unit_id__in=closing_ids, assignments__isnull=True).values_list("pk", flat=True)
    )
    if unrecorded:
        sync_person_assignments(unrecorded)

    # New units, parents first.
    created: dict[str, OrgUnit] = {}
    pending = list(plan.openings)
    while pending:
        ready = [o for o in pending if o.parent in existing or o.parent in created]
        if not ready:  # check_plan refuses a parent that is neither open nor new, and cycles
            raise ReorganisationRefused(_("Đơn vị cấp trên của đơn vị mới không hợp lệ."))
        for opening in ready:
            parent = created.get(opening.parent) or existing[opening.parent]
            unit = OrgUnit(
                code=opening.code, name=opening.name, level=_level(opening.level), parent=parent, opened_on=on
            )
            _with_history(unit, user=user, reason=reason).save()
            created[opening.code] = unit
        pending = [o for o in pending if o not in ready]
    units = existing | created
    rebuild_unit_paths()

    # Close, and name the successors.
    closed = []
    for unit in closing:
        closed.append([unit.pk, unit.closed_on.isoformat() if unit.closed_on else None])
        unit.closed_on = on
        _with_history(unit, user=user, reason=reason).save(update_fields=["closed_on"])
    successions = [
        UnitSuccession(predecessor=existing[c.code], successor=units[code], is_primary=index == 0, order=index)
        for c in plan.closures
        for index, code in enumerate(c.successors)
    ]
    bulk_create_with_history(successions, UnitSuccession, default_user=_user(user), default_change_reason=reason)
    succession_ids = list(UnitSuccession.objects.filter(predecessor_id__in=closing_ids).values_list("pk", flat=True))

    # People: end the assignment on the date, start one in the destination (else the primary successor).
    primary = {existing[c.code].pk: units[c.successors[0]].pk for c in plan.closures}
    chosen = {d.person: units[d.unit].pk for d in plan.destinations}
    olds = list(Assignment.objects.filter(unit_id__in=closing_ids).covering(on).select_related("person"))
    news = []
    for old in olds:
        news.append(
            Assignment(
                person_id=old.person_id,
                unit_id=chosen.get(old.person.code, primary[old.unit_id]),
                category=old.category,
                leadership_level=old.leadership_level,
                position_title=old.position_title,
                start_date=on,
                end_date=old.end_date,
            )
        )
    moves = [[old.person_id, old.pk, old.end_date.isoformat() if old.end_date else None] for old in olds]
    for old in olds:
        old.end_date = on
    options = {"default_user": _user(user), "default_change_reason": reason}
    bulk_update_with_history(olds, Assignment, ["end_date"], batch_size=1000, **options)
    bulk_create_with_history(news, Assignment, batch_size=1000, **options)
    person_ids = [old.person_id for old in olds]
    new_ids = dict(
        _chunked(Assignment.objects.filter(start_date=on).values_list("person_id", "pk"), "person_id", person_ids)
    )
    for move in moves:
        move.append(new_ids[move[0]])
    sync_persons(person_ids)
    _person_history(person_ids, user=user, reason=reason)
    _refresh_heirs(_touched_persons(closing_ids) | set(person_ids))
    return {
        "closed": closed,
        "created": [unit.pk for unit in created.values()],
        "successions": succession_ids,
        "moves": moves,
        "assignment_history_mark": _history_mark(),
    }


# ---------------------------------------------------------------------------------------------
# Undo


def undo_reorganisation(*, record: Reorganisation, user) -> Reorganisation:
    """Put back everything ``record`` did; raise ``ReorganisationRefused`` (nothing changed) when it cannot."""
    with transaction.atomic():
        record = Reorganisation.objects.select_for_update().get(pk=record.pk)
        if record.status != ReorganisationStatus.APPLIED:
            raise ReorganisationRefused(
                _("Chỉ hoàn tác được đợt sắp xếp đã áp dụng; đợt này: %(status)s.")
                % {"status": record.get_status_display()}
            )
        _undo(record, user)
        record.status = ReorganisationStatus.UNDONE
        record.undone_by, record.undone_at = _user(user), timezone.now()
        record.save()
    logger.info(
        "reorganisation undone id=%s by=%s",
        record.pk,
        getattr(user, "username", "-"),
        extra={"event": "reorganisation_undone", "reorganisation": record.pk},
    )
    return record


def _names(persons: set[int]) -> str:
    shown = sorted(str(p) for p in Person.objects.filter(pk__in=list(persons)[:LISTED]))
    more = len(persons) - len(shown)
    return "; ".join(shown) + (_(" … và %(count)s người khác") % {"count": more} if more > 0 else "")


def _undo(record: Reorganisation, user) -> None:
    effects, on = record.effects, record.effective_on
    reason = record.undo_reason
    moves = effects["moves"]
    person_ids = {m[0] for m in moves}
    old_ids = {m[1]: m for m in moves}
    new_ids = {m[3]: m for m in moves}
    created = set(effects["created"])
    closed = dict(effects["closed"])
    problems = []

    # The people's assignments must be as the reorganisation left them.
    fields = Assignment.objects.only("pk", "person_id", "start_date", "end_date")
    rows = {a.pk: a for a in _chunked(fields, "pk", [*old_ids, *new_ids])}
    changed = {m[0] for m in moves if m[1] not in rows or rows[m[1]].end_date != on}
    changed |= {m[0] for m in moves if m[3] not in rows or rows[m[3]].start_date != on}
    later = Assignment.history.filter(history_id__gt=effects.get("assignment_history_mark", 0)).exclude(
        history_change_reason=record.history_reason
    )
    changed |= set(later.values_list("person_id", flat=True)) & person_ids
    if changed:
        problems.append(
            _("Quá trình công tác của %(count)s cán bộ đã thay đổi sau đợt sắp xếp: %(names)s.")
            % {"count": len(changed), "names": _names(changed)}
        )
    # The new units must hold nothing but what the reorganisation put there.
    others = [
        person
        for pk, person in Assignment.objects.filter(unit_id__in=created).values_list("pk", "person_id")
        if pk not in new_ids
    ]
    if others:
        people = set(others)
        problems.append(
            _("Đơn vị mới thành lập đã có quá trình công tác khác của %(count)s cán bộ: %(names)s.")
            % {"count": len(people), "names": _names(people)}
        )
    blocking = [
        *OrgUnit.objects.filter(parent_id__in=created).exclude(pk__in=created),
        *OrgUnit.objects.filter(pk__in=created, closed_on__isnull=False),
    ]
    blocking_users = list(get_user_model().objects.filter(unit_id__in=created).values_list("username", flat=True))
    named_elsewhere = UnitSuccession.objects.filter(successor_id__in=created).exclude(pk__in=effects["successions"])
    reclosed = [u for u in OrgUnit.objects.filter(pk__in=[int(pk) for pk in closed]) if u.closed_on != on]
    if blocking or named_elsewhere.exists():
        problems.append(
            _(
                "Đơn vị mới thành lập đã có thay đổi sau đợt sắp xếp (đơn vị trực thuộc mới, giải thể hoặc được "
                "kế thừa): %(units)s."
            )
            % {"units": "; ".join(str(u) for u in blocking[:LISTED]) or "—"}
        )
    if blocking_users:
        problems.append(
            _("Tài khoản người dùng thuộc đơn vị mới thành lập: %(users)s.")
            % {"users": ", ".join(blocking_users[:LISTED])}
        )
    if reclosed:
        problems.append(
            _("Ngày giải thể của đơn vị đã bị sửa sau đợt sắp xếp: %(units)s.")
            % {"units": "; ".join(map(str, reclosed))}
        )
    if problems:
        raise ReorganisationRefused(problems)

    history_user, now = _user(user), timezone.now()
    # People back: the new assignments go, the old ones run on as before.
    news = _chunked(Assignment.objects.all(), "pk", new_ids)
    _delete_with_history(Assignment, news, user=history_user, reason=reason, date=now)
    olds = _chunked(Assignment.objects.all(), "pk", old_ids)
    for old in olds:
        previous = old_ids[old.pk][2]
        old.end_date = datetime.date.fromisoformat(previous) if previous else None
    bulk_update_with_history(
        olds, Assignment, ["end_date"], batch_size=1000, default_user=history_user, default_change_reason=reason
    )
    sync_persons(person_ids)
    _person_history(person_ids, user=user, reason=reason)

    # Units back: successions go, closed units reopen, new units go (children first).
    links = list(UnitSuccession.objects.filter(pk__in=effects["successions"]))
    _delete_with_history(UnitSuccession, links, user=history_user, reason=reason, date=now)
    for unit in OrgUnit.objects.filter(pk__in=[int(pk) for pk in closed]):
        previous = closed[unit.pk]
        unit.closed_on = datetime.date.fromisoformat(previous) if previous else None
        _with_history(unit, user=user, reason=reason).save(update_fields=["closed_on"])
    Assignment.objects.filter(heir_unit_id__in=created).update(heir_unit=None)
    new_units = sorted(OrgUnit.objects.filter(pk__in=created), key=lambda u: -u.depth)
    _delete_with_history(OrgUnit, new_units, user=history_user, reason=reason, date=now)
    rebuild_unit_paths()
    _refresh_heirs(_touched_persons([int(pk) for pk in closed]) | person_ids)


def _delete_with_history(model, objs: list, *, user, reason: str, date) -> None:
    """Write a "-" history row for each record, then delete them (a few statements, whatever their number)."""
    if not objs:
        return
    history = model.history.model
    tracked = [f.attname for f in history.tracked_fields]
    history.objects.bulk_create(
        [
            history(
                **{name: getattr(obj, name) for name in tracked},
                history_type="-",
                history_date=date,
                history_change_reason=reason,
                history_user_id=getattr(user, "pk", None),
            )
            for obj in objs
        ],
        batch_size=1000,
    )
    ids = [obj.pk for obj in objs]
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        if model is OrgUnit:  # one at a time, children first (each row's parent is still there)
            for pk in chunk:
                model.objects.filter(pk=pk)._raw_delete(model.objects.db)
        else:
            model.objects.filter(pk__in=chunk)._raw_delete(model.objects.db)


def save_plan(*, plan: Plan, user) -> Reorganisation:
    """Store a plan whose preview showed no problem, waiting for the admin to apply it."""
    return Reorganisation.objects.create(
        name=plan.name, effective_on=plan.effective_on, plan=plan.to_json(), created_by=_user(user)
    )


def apply_saved(*, record: Reorganisation, user) -> Reorganisation:
    """Apply a stored plan (see ``apply_reorganisation``)."""
    return apply_reorganisation(plan=Plan.from_json(record.plan), user=user, record=record)
