"""The unit pickers' options: the units a user may choose, as every page offers them.

One source for the dashboard's unit picker (options valued by unit code) and the personnel list's (by id):
the rows are ``OrgUnitQuerySet.options`` over the user's scope (``accounts.scoping.visible_units``), drawn
by ``core.widgets.cached_options`` once per scope, version of the units and kind of value.
"""

from typing import Literal

from core.widgets import cached_options

from .scoping import visible_units, visible_units_key


def unit_options(user, *, version: str, value: Literal["id", "code"]) -> str:
    """Return the drawn ``<option>``s (none chosen) of the units the user may choose, valued by id or code.

    ``version`` must change whenever the units may (``OrgUnitQuerySet.version``, or the units' part of the
    figures' data version); the units are read only when it does. Mark the chosen unit with
    ``core.widgets.mark_chosen``.
    """
    key = f"unit-options:{value}:{visible_units_key(user)}:{version}"
    return cached_options(key, lambda: [(getattr(unit, value), unit.label) for unit in visible_units(user).options()])
