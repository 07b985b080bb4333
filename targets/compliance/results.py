"""What the engine returns (plain dataclasses) and the arithmetic of section 4 of the programme spec."""

from __future__ import annotations

import datetime
import math
from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from ..models import Indicator


@dataclass(frozen=True)
class IndicatorResult:
    """One indicator's figures for one unit at one date."""

    code: str
    name: str
    group: str
    kind: str
    target: Decimal
    numerator: int
    denominator: int
    percent: Decimal | None
    met: bool | None
    gap: int

    def as_json(self) -> dict:
        """Return the indicator as in the compliance JSON (data-exchange, section 7)."""
        return {
            "code": self.code,
            "name": self.name,
            "kind": self.kind,
            "target": float(self.target),
            "numerator": self.numerator,
            "denominator": self.denominator,
            "percent": None if self.percent is None else float(self.percent),
            "met": self.met,
            "gap": self.gap,
        }


@dataclass(frozen=True)
class UnitRef:
    id: int
    code: str
    name: str
    level: str
    parent_id: int | None
    path: str
    closed_on: datetime.date | None = None
    opened_on: datetime.date | None = field(default=None, compare=False)  # read for dates, not stored


@dataclass(frozen=True)
class UnitReport:
    """Every indicator of a programme for one unit (over its whole subtree) at one date."""

    programme: str
    unit: UnitRef
    year: int | None
    as_of: datetime.date | None
    indicators: list[IndicatorResult] = field(default_factory=list)
    view: str = "today"
    note: str = ""  # why there are no figures (a unit not open in the chosen view and year)

    def as_json(self) -> dict:
        """Return the compliance JSON of data-exchange, section 7."""
        data = {
            "programme": self.programme,
            "unit": {"code": self.unit.code, "name": self.unit.name},
            "year": self.year,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "view": self.view,
            "indicators": [result.as_json() for result in self.indicators],
        }
        if self.note:
            data["note"] = self.note
        return data

    def by_code(self) -> dict[str, IndicatorResult]:
        """Return the results keyed by indicator code."""
        return {result.code: result for result in self.indicators}


@dataclass(frozen=True)
class PersonIndicatorStatus:
    """Whether one indicator applies to a person, whether it is met, and what is missing."""

    code: str
    name: str
    kind: str
    applies: bool
    met: bool | None
    missing: list[str]
    appointments: list[dict] = field(default_factory=list)
    expires_on: datetime.date | None = None  # a recurring indicator met, whose course expires soon ("sắp hết hạn")


def percent(numerator: int, denominator: int) -> Decimal | None:
    """Return 100 × numerator / denominator rounded half up to one decimal, or None for an empty population."""
    if not denominator:
        return None
    return (Decimal(100 * numerator) / Decimal(denominator)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def is_met(numerator: int, denominator: int, target: Decimal) -> bool | None:
    """Return whether 100 × numerator ≥ target × denominator, exactly; None for an empty population."""
    if not denominator:
        return None
    return 100 * numerator >= Fraction(target) * denominator


def gap(numerator: int, denominator: int, target: Decimal) -> int:
    """Return how many more people must meet the criterion: max(0, ⌈target × denominator / 100⌉ − numerator)."""
    return max(0, math.ceil(Fraction(target) * denominator / 100) - numerator)


def result_for(indicator: Indicator, numerator: int, denominator: int) -> IndicatorResult:
    """Return the result of an indicator for given counts."""
    return IndicatorResult(
        code=indicator.code,
        name=indicator.name,
        group=indicator.group,
        kind=indicator.kind,
        target=indicator.target,
        numerator=numerator,
        denominator=denominator,
        percent=percent(numerator, denominator),
        met=is_met(numerator, denominator, indicator.target),
        gap=gap(numerator, denominator, indicator.target),
    )


def as_plain(report: UnitReport) -> dict:
    """Return a report as nested plain dicts (for caching and templates)."""
    return asdict(report)
