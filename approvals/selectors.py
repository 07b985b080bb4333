"""Reads of the year-end sign-off: approvals of a unit, frozen reports, "now vs approved", the final report."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from personnel.models import Appointment, OrgUnit, Person
from targets import compliance
from targets.models import Programme

from .models import LOCKING, ApprovalStep, YearApproval


def approvals_of(programme: Programme, unit_ids, years) -> dict[tuple[int, int], YearApproval]:
    """Return {(unit id, year): approval} of the units and years (one query, users joined)."""
    rows = YearApproval.objects.filter(programme=programme, unit_id__in=list(unit_ids), year__in=list(years))
    return {(a.unit_id, a.year): a for a in rows.select_related("approved_by", "accepted_by")}


def locking_approval(programme: Programme, unit: OrgUnit, year: int) -> YearApproval | None:
    return (
        YearApproval.objects.filter(programme=programme, unit=unit, year=year, status__in=LOCKING)
        .select_related("approved_by", "accepted_by")
        .first()
    )


def user_label(user) -> str:
    if user is None:
        return ""
    return (f"{user.last_name} {user.first_name}".strip()) or user.get_username()


def approved_info(approval: YearApproval) -> dict:
    """Return who approved and when (datetimes in local time), for templates."""
    return {
        "by": user_label(approval.approved_by),
        "at": timezone.localtime(approval.approved_at),
        "status": approval.status,
        "status_label": approval.get_status_display(),
        "accepted_by": user_label(approval.accepted_by) if approval.accepted_by_id else "",
        "accepted_at": timezone.localtime(approval.accepted_at) if approval.accepted_at else None,
    }


def approved_json(approval: YearApproval) -> dict:
    """Return who approved and when (and who accepted last), as the API and the command carry it."""
    data = {
        "by": user_label(approval.approved_by),
        "at": approval.approved_at.isoformat(),
        "status": approval.status,
    }
    if approval.accepted_by_id:
        data["accepted_by"] = user_label(approval.accepted_by)
        data["accepted_at"] = approval.accepted_at.isoformat()
    return data


def frozen_items(stored: dict, indicators) -> list[dict]:
    """Return the indicators of a frozen copy as dicts (code, name, kind, target, numerator, denominator, percent,
    met, gap); name and kind come from the programme's catalogue."""
    by_code = {i.code: i for i in indicators}
    items = []
    for row in stored["indicators"]:
        item = dict(zip(stored["fields"], row, strict=True))
        indicator = by_code.get(item["code"])
        item["name"] = indicator.name if indicator else item["code"]
        item["kind"] = indicator.kind if indicator else ""
        item["group"] = indicator.group if indicator else ""
        items.append(item)
    return items


def frozen_report(approval: YearApproval, view: str, indicators=None, unit_ref=None) -> compliance.UnitReport | None:
    """Return the approval's frozen figures in ``view`` as an engine report (None when it has none there)."""
    stored = (approval.figures or {}).get(view)
    if not stored:
        return None
    if indicators is None:
        _programme, indicators = compliance.load(approval.programme)
    if unit_ref is None:
        u = approval.unit
        unit_ref = compliance.UnitRef(u.id, u.code, u.name, u.level, u.parent_id, u.path, u.closed_on, u.opened_on)
    results = []
    for item in frozen_items(stored, indicators):
        results.append(
            compliance.IndicatorResult(
                code=item["code"],
                name=item["name"],
                group=item["group"],
                kind=item["kind"],
                target=Decimal(str(item["target"])),
                numerator=item["numerator"],
                denominator=item["denominator"],
                percent=None if item["percent"] is None else Decimal(str(item["percent"])),
                met=item["met"],
                gap=item["gap"],
            )
        )
    as_of = datetime.date.fromisoformat(stored["as_of"]) if stored.get("as_of") else None
    return compliance.UnitReport(
        programme=approval.programme.code if hasattr(approval, "programme") else "",
        unit=unit_ref,
        year=approval.year,
        as_of=as_of,
        indicators=results,
        view=view,
    )


# ---------------------------------------------------------------------------------------------
# Now vs approved


@dataclass
class PersonChange:
    person: Person
    what: str  # "joined", "left", "now_met", "now_unmet"
    appointment: Appointment | None = None


@dataclass
class IndicatorChange:
    code: str
    name: str
    frozen: dict
    live: compliance.IndicatorResult
    persons: list[PersonChange] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return (self.frozen["numerator"], self.frozen["denominator"]) != (self.live.numerator, self.live.denominator)


@dataclass
class Comparison:
    approval: YearApproval
    view: str
    rows: list[IndicatorChange]
    persons_frozen: bool

    @property
    def changed(self) -> list[IndicatorChange]:
        return [row for row in self.rows if row.changed or row.persons]


def compare(approval: YearApproval, view: str) -> Comparison | None:
    """Return, for each indicator, the frozen figures against the live ones and the persons counted differently
    now (from the frozen lists of persons counted at approval). None when the approval has no figures in ``view``."""
    stored = (approval.figures or {}).get(view)
    if not stored:
        return None
    programme, indicators = compliance.load(approval.programme)
    live = compliance.evaluate(programme, approval.unit, year=approval.year, view=view).by_code()
    frozen_persons = (approval.persons or {}).get(view) or {}
    rows = []
    wanted_persons, wanted_appointments = set(), set()
    pending = []
    for item in frozen_items(stored, indicators):
        indicator = next((i for i in indicators if i.code == item["code"]), None)
        result = live.get(item["code"])
        if indicator is None or result is None:
            continue
        row = IndicatorChange(code=item["code"], name=item["name"], frozen=item, live=result)
        rows.append(row)
        frozen = frozen_persons.get(item["code"])
        if frozen is None:
            continue
        population = compliance.met_population(programme, indicator, approval.unit, year=approval.year, view=view)
        missing = compliance.unmet(programme, indicator, approval.unit, year=approval.year, view=view)
        d_now = set(population.values_list("pk", flat=True))
        n_now = d_now - set(missing.order_by().values_list("pk", flat=True))
        changes = _membership_changes(d_now, n_now, set(frozen["d"]), set(frozen["n"]))
        target = wanted_appointments if frozen.get("of") == "appointment" else wanted_persons
        target.update(pk for pk, _what in changes)
        pending.append((row, frozen.get("of"), changes))
    _attach_persons(pending, wanted_persons, wanted_appointments)
    return Comparison(approval=approval, view=view, rows=rows, persons_frozen=bool(frozen_persons))


def _membership_changes(d_now: set, n_now: set, d_then: set, n_then: set) -> list[tuple[int, str]]:
    """Return the (pk, what) of the denominator and numerator members that changed since approval, by pk within
    each kind: joined or left the denominator, then (among those in both) now met or now unmet."""
    both = d_now & d_then
    kinds = (
        (d_now - d_then, "joined"),
        (d_then - d_now, "left"),
        (both & (n_now - n_then), "now_met"),
        (both & (n_then - n_now), "now_unmet"),
    )
    return [(pk, what) for pks, what in kinds for pk in sorted(pks)]


def _attach_persons(pending: list, wanted_persons: set, wanted_appointments: set) -> None:
    """Add the changed persons (or appointments, with their persons) to their rows, reading each kind once."""
    appointments = {a.pk: a for a in Appointment.objects.filter(pk__in=wanted_appointments).select_related("person")}
    wanted_persons.update(a.person_id for a in appointments.values())
    persons = {p.pk: p for p in Person.objects.filter(pk__in=wanted_persons).select_related("unit")}
    for row, of, changes in pending:
        for pk, what in changes:
            if of == "appointment":
                appointment = appointments.get(pk)
                person = persons.get(appointment.person_id) if appointment else None
                if person is not None:
                    row.persons.append(PersonChange(person=person, what=what, appointment=appointment))
            elif pk in persons:
                row.persons.append(PersonChange(person=persons[pk], what=what))


def steps_of(approval: YearApproval) -> list[ApprovalStep]:
    return list(approval.steps.select_related("user").order_by("at", "pk"))


def now() -> datetime.datetime:
    return timezone.now()


def approved_reports(reports: list[compliance.UnitReport]) -> list[dict]:
    """Return ``approved_report`` of each report, reading the approvals of all of them in one query."""
    reports = list(reports)
    keyed = [r for r in reports if r.indicators and r.year is not None]
    if not keyed:
        return [r.as_json() for r in reports]
    rows = YearApproval.objects.filter(
        programme__code=keyed[0].programme,
        unit_id__in=[r.unit.id for r in keyed],
        year__in={r.year for r in keyed},
        status__in=LOCKING,
    ).select_related("approved_by", "accepted_by", "programme", "unit")
    found = {(a.unit_id, a.year): a for a in rows}
    indicators = compliance.load(keyed[0].programme)[1] if found else None
    out = []
    for report in reports:
        approval = found.get((report.unit.id, report.year))
        data = report.as_json()
        if approval is not None:
            frozen = frozen_report(approval, report.view, indicators, unit_ref=report.unit)
            if frozen is not None and frozen.as_of == report.as_of:
                data = frozen.as_json()
            data["approved"] = approved_json(approval)
        out.append(data)
    return out


def approved_report(report: compliance.UnitReport) -> dict:
    """Return a report's compliance JSON, or, when its unit's year is approved, the frozen figures' JSON with
    ``"approved": {"by", "at", …}`` (the ``compliance`` command and the API call this)."""
    data = report.as_json()
    if not report.indicators or report.year is None:
        return data
    approval = (
        YearApproval.objects.filter(
            programme__code=report.programme, unit_id=report.unit.id, year=report.year, status__in=LOCKING
        )
        .select_related("approved_by", "accepted_by", "programme", "unit")
        .first()
    )
    if approval is None:
        return data
    frozen = frozen_report(approval, report.view, unit_ref=report.unit)
    if frozen is not None and frozen.as_of == report.as_of:
        data = frozen.as_json()
    data["approved"] = approved_json(approval)
    return data
