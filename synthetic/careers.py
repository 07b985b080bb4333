"""A synthetic person's assignments (quá trình công tác) through transfers and reorganisations.

``career`` takes the unit a person was drawn into, their first and last day, and the reorganisations
(``Closing``: a unit closes on a date and its people go to its successors) and returns their stints,
oldest first, with no gap and no overlap (half-open dates, organisation-history.md section 1):

- someone hired after their unit closed is hired by its successor;
- some people (``TRANSFER_SHARE`` of those who fit) came from another unit of the same kind at an earlier
  date (a transfer before the reorganisations);
- everyone still employed on a closing date moves that day to one of the successors (the primary one
  mostly: the caller gives the weights).

Units are whatever keys the caller uses (objects, ids); nothing here touches the database.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

TRANSFER_SHARE = 0.36  # about a third of all people fit an earlier transfer and get one
LATEST_TRANSFER = datetime.date(2025, 2, 1)  # earlier transfers happen before the first reorganisation
NON_SPECIALISED_END = datetime.date(2025, 8, 1)  # non-professional commune workers ended then
DAY = datetime.timedelta(days=1)


@dataclass(frozen=True)
class Closing:
    """A unit closing on ``on``: its people go to one of ``successors`` (primary first), by ``weights``."""

    on: datetime.date
    successors: tuple[Hashable, ...]
    weights: tuple[float, ...]


@dataclass(frozen=True)
class Stint:
    unit: Hashable
    start: datetime.date | None
    end: datetime.date | None
    reason: str = ""  # why it starts: "" (hired), "transfer" (moved from another unit), "reorganisation"


def successor_weights(count: int, primary_share: float) -> tuple[float, ...]:
    """Return the weights of ``count`` successors: the primary gets ``primary_share``, the others share the rest."""
    if count == 1:
        return (1.0,)
    return (primary_share, *[(1 - primary_share) / (count - 1)] * (count - 1))


def non_specialised_end(end: datetime.date | None) -> datetime.date | None:
    """Return the last day of a non-professional commune worker (khong_chuyen_trach): 1 August 2025 at the latest."""
    return NON_SPECIALISED_END if end is None or end > NON_SPECIALISED_END else end


def _destination(rng: random.Random, closing: Closing) -> Hashable:
    if len(closing.successors) == 1:
        return closing.successors[0]
    return rng.choices(closing.successors, weights=closing.weights)[0]


def career(
    rng: random.Random,
    unit: Hashable,
    start: datetime.date | None,
    end: datetime.date | None,
    *,
    closings: dict[Hashable, Closing],
    transfer_from: Sequence[Hashable] = (),
    transfer_share: float = TRANSFER_SHARE,
) -> list[Stint]:
    """Return the person's stints, oldest first (see the module's docstring).

    ``transfer_from``: the units an earlier transfer can come from (same kind, open from before records
    began until after ``LATEST_TRANSFER``). The random draws depend only on ``rng`` and the arguments.
    """
    while start is not None and unit in closings and start >= closings[unit].on:
        unit = _destination(rng, closings[unit])  # hired after the unit closed: by its successor
    stints: list[Stint] = []
    begin, reason = start, ""
    draw = rng.random()
    if transfer_from and start is not None and draw < transfer_share:
        earliest = start + datetime.timedelta(days=365)
        latest = LATEST_TRANSFER if end is None else min(LATEST_TRANSFER, end - datetime.timedelta(days=30))
        closing = closings.get(unit)
        if closing is not None:
            latest = min(latest, closing.on - DAY)
        if earliest < latest:
            on = earliest + datetime.timedelta(days=rng.randrange((latest - earliest).days))
            index = rng.randrange(len(transfer_from))
            previous = transfer_from[index]
            if previous == unit and len(transfer_from) > 1:  # another unit than the person's own
                previous = transfer_from[(index + 1 + rng.randrange(len(transfer_from) - 1)) % len(transfer_from)]
            if previous != unit:
                stints.append(Stint(previous, start, on))
                begin, reason = on, "transfer"
    while unit in closings and (end is None or end > closings[unit].on):
        closing = closings[unit]
        stints.append(Stint(unit, begin, closing.on, reason))
        unit, begin, reason = _destination(rng, closing), closing.on, "reorganisation"
    stints.append(Stint(unit, begin, end, reason))
    return stints


def heir(stints: list[Stint], index: int, closings: dict[Hashable, Closing], today: datetime.date) -> Hashable:
    """Return the unit of today's tree that inherits the ``index``-th stint (organisation-history.md, 5):
    while the unit is closed today, the unit of the person's next stint when it starts on the closing date
    in one of the successors, else the primary successor. Successors here are never below one another."""
    unit = stints[index].unit
    starts = {stint.start: stint.unit for stint in stints if stint.start is not None}
    seen = set()
    while unit in closings and closings[unit].on <= today and unit not in seen:
        seen.add(unit)
        closing = closings[unit]
        moved = starts.get(closing.on)
        unit = moved if moved in closing.successors else closing.successors[0]
    return unit
