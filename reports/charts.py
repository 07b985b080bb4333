"""Charts drawn by the app: the geometry of SVG bars and trend lines, from the engine's results.

Nothing here computes a figure: it places the engine's percent and target on a drawing and names the
colour band of the distance between them. The templates draw the SVG and write every number in text
beside it (print and screen readers read the text, not the drawing).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.formats import number_format
from django.utils.translation import gettext as _

# Colour bands of a result, by how many percentage points it lies below its target.
NEAR_POINTS = Decimal(10)
MID_POINTS = Decimal(30)


def band(result) -> str:
    """Return the colour band of a result: met, near (< 10 points short), mid (< 30), far, or empty."""
    if result is None or result.met is None:
        return "empty"
    if result.met:
        return "met"
    shortfall = result.target - (result.percent or Decimal(0))
    if shortfall <= NEAR_POINTS:
        return "near"
    if shortfall <= MID_POINTS:
        return "mid"
    return "far"


def percent_text(value) -> str:
    """Return a percentage in the current language's notation ("26,9%"), or a dash for none."""
    if value is None:
        return "—"
    return f"{number_format(value, decimal_pos=1)}%"


def target_text(result) -> str:
    """Return the target as written in the programme ("≥ 80%", "100%")."""
    target = number_format(result.target.normalize() if result.target % 1 else int(result.target))
    return f"{target}%" if result.target >= 100 else f"≥ {target}%"


def describe(result) -> str:
    """Return one sentence stating a result (the text alternative of its bar)."""
    if result.met is None:
        return _("%(code)s: không có đối tượng; chỉ tiêu %(target)s") % {
            "code": result.code,
            "target": target_text(result),
        }
    state = _("đạt") if result.met else _("chưa đạt, còn thiếu %(gap)s người") % {"gap": result.gap}
    return _("%(code)s: %(percent)s (%(numerator)s/%(denominator)s); chỉ tiêu %(target)s; %(state)s") % {
        "code": result.code,
        "percent": percent_text(result.percent),
        "numerator": result.numerator,
        "denominator": result.denominator,
        "target": target_text(result),
        "state": state,
    }


@dataclass(frozen=True)
class Bar:
    """A horizontal bar on a 0–100 scale with the target marked."""

    width: float  # filled length, 0–100
    target: float  # position of the target marker, 0–100
    band: str
    label: str


def bar(result) -> Bar:
    """Return the bar of a result."""
    percent = float(result.percent) if result.percent is not None else 0.0
    return Bar(
        width=max(0.0, min(100.0, percent)),
        target=max(0.0, min(100.0, float(result.target))),
        band=band(result),
        label=describe(result),
    )


@dataclass(frozen=True)
class TrendPoint:
    year: int
    x: float
    y: float | None
    text: str
    band: str


@dataclass(frozen=True)
class Trend:
    """A small line of an indicator's percent over the years, with the target as a dashed line."""

    points: list[TrendPoint]
    polyline: str
    target_y: float
    width: int
    height: int
    label: str
    left: int = 0  # the y axis (labels 0 % and 100 % to its left)
    top_y: float = 0.0
    bottom_y: float = 0.0
    year_y: float = 0.0  # the baseline of the years under the points


# Drawn at 1:1 (one unit = one CSS pixel), so that the axis labels are 11 px text: room on the left for
# "100%", below for the years.
TREND_WIDTH, TREND_HEIGHT, TREND_PAD = 210, 74, 6
TREND_LEFT, TREND_BOTTOM, TREND_RIGHT = 34, 16, 16  # the last year's label is centred on its point


def _y(percent: float) -> float:
    inner = TREND_HEIGHT - TREND_PAD - TREND_BOTTOM
    return round(TREND_PAD + inner * (1 - max(0.0, min(100.0, percent)) / 100), 1)


def trend(code: str, target: Decimal, points: list[tuple[int, object]]) -> Trend:
    """Return the trend line of an indicator from [(year, result or None)]."""
    step = (TREND_WIDTH - TREND_LEFT - TREND_PAD - TREND_RIGHT) / max(1, len(points) - 1)
    drawn = []
    for index, (year, result) in enumerate(points):
        x = round(TREND_LEFT + TREND_PAD + index * step, 1)
        percent = result.percent if result is not None else None
        text = _("đang tính") if result is None else percent_text(percent)
        drawn.append(
            TrendPoint(
                year=year,
                x=x,
                y=None if percent is None else _y(float(percent)),
                text=text,
                band=band(result),
            )
        )
    polyline = " ".join(f"{p.x},{p.y}" for p in drawn if p.y is not None)
    label = _("Xu hướng %(code)s: %(values)s") % {
        "code": code,
        "values": "; ".join(f"{p.year}: {p.text}" for p in drawn),
    }
    return Trend(
        points=drawn,
        polyline=polyline,
        target_y=_y(float(target)),
        width=TREND_WIDTH,
        height=TREND_HEIGHT,
        label=label,
        left=TREND_LEFT,
        top_y=_y(100.0),
        bottom_y=_y(0.0),
        year_y=TREND_HEIGHT - 4,
    )
