"""Who may approve, accept, return and open a unit's year (the one place that says it).

- A unit's *leader* is a user with the leader role whose unit is that unit; the *city* is a leader of the
  root unit, or an admin.
- A unit's leader approves their own unit (an admin may approve any unit).
- The parent unit's leader accepts an approved year (status approved → accepted); the city accepts last
  (→ final): after the parent, or straight from "approved" when the parent is the city itself or is
  closed today (nobody leads it any more).
- A higher level (a leader of a unit above, or the city) returns a year or grants an exception.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Role, role_of
from personnel.models import OrgUnit

from .models import Level, Status


def is_city(user) -> bool:
    role = role_of(user)
    if role == Role.ADMIN:
        return True
    return role == Role.LEADER and user.unit_id is not None and user.unit.parent_id is None


def leads(user, unit: OrgUnit | None) -> bool:
    return unit is not None and role_of(user) == Role.LEADER and user.unit_id == unit.pk


def may_approve(user, unit: OrgUnit) -> bool:
    return leads(user, unit) or role_of(user) == Role.ADMIN


def may_bulk_approve(user) -> bool:
    return role_of(user) == Role.ADMIN


def is_above(user, unit: OrgUnit) -> bool:
    """Return whether the user leads a unit strictly above ``unit``, or is the city (an admin: any unit)."""
    if role_of(user) == Role.ADMIN:
        return True
    if is_city(user) and unit.parent_id is not None:
        return True
    if role_of(user) != Role.LEADER or user.unit_id is None:
        return False
    return user.unit_id != unit.pk and unit.path.startswith(user.unit.path)


def scope_path(user) -> str | None:
    """Return the path of the user's top unit (None: the whole city)."""
    if role_of(user) == Role.ADMIN:
        return None
    return user.unit.path if user.unit_id else ""


def level_of(user, unit: OrgUnit) -> str:
    if is_city(user):
        return Level.CITY
    if leads(user, unit):
        return Level.UNIT
    return Level.PARENT


def _parent(unit: OrgUnit) -> OrgUnit | None:
    return unit.parent if unit.parent_id else None


def accept_level(user, unit: OrgUnit, status: str) -> str | None:
    """Return the level at which the user accepts the unit's year now (None: they may not)."""
    parent = _parent(unit)
    if parent is None:
        return None  # the city's own figures are final once approved
    parent_is_city = parent.parent_id is None
    parent_closed = parent.closed_on is not None and parent.closed_on <= timezone.localdate()
    if is_city(user):
        if status == Status.ACCEPTED or (status == Status.APPROVED and (parent_is_city or parent_closed)):
            return Level.CITY
        return None
    if leads(user, parent) and status == Status.APPROVED:
        return Level.PARENT
    return None


def accept_refusal(user, unit: OrgUnit, status: str) -> str:
    if status == Status.FINAL:
        return _("Số liệu đã được thành phố chấp nhận.")
    if is_city(user) and status == Status.APPROVED:
        return _("Cấp trên trực tiếp cần chấp nhận trước khi thành phố chấp nhận.")
    if status == Status.ACCEPTED:
        return _("Cấp trên trực tiếp đã chấp nhận; chờ thành phố chấp nhận.")
    return _("Chỉ lãnh đạo cấp trên trực tiếp hoặc thành phố mới chấp nhận số liệu này.")


def next_actions(user, unit: OrgUnit, approval) -> dict[str, bool]:
    """Return which buttons the user sees for a unit's year."""
    status = approval.status if approval is not None else None
    locked = status in (Status.APPROVED, Status.ACCEPTED, Status.FINAL)
    return {
        "approve": not locked and may_approve(user, unit),
        "accept": locked and accept_level(user, unit, status) is not None,
        "return": locked and is_above(user, unit),
        "except": locked and is_above(user, unit),
    }
