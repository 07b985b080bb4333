"""The one scoping rule: a user sees and changes only their unit and the units below it.

Screens, exports, imports and the API all call these functions; none filters by unit on its own.
Admins and city-wide viewers see the whole city. A user with no unit (and no city-wide role) sees
nothing.
"""

from django.db.models import QuerySet

from personnel.models import Appointment, OrgUnit, Person, Qualification

from .roles import Role, role_of


def sees_whole_city(user) -> bool:
    """Return whether the user's role covers every unit."""
    return role_of(user) in (Role.ADMIN, Role.VIEWER)


def may_use_admin_site(request) -> bool:
    """Return whether the request's user may enter the Django admin: an active superuser with the staff flag.

    The admin lists and edits every unit's records and every account, unscoped, so neither a staff flag given to
    an HR officer, a leader or a viewer, nor the product's admin role, opens it: admins manage users in the
    product's own pages (accounts.views_users); ``AdminSite.has_permission`` is set in ``accounts.admin_site``.
    """
    user = request.user
    return bool(user.is_active and user.is_staff and user.is_superuser)


def manageable_units(user) -> QuerySet:
    """Return the units whose users ``user`` may manage in the users pages.

    A superuser, and an admin with no unit or the city's root unit, manage every unit; an admin of a district
    (the admin role, a unit below the root) manages their unit's subtree; nobody else manages users.
    """
    if not getattr(user, "is_authenticated", False) or role_of(user) != Role.ADMIN:
        return OrgUnit.objects.none()
    if manages_whole_city(user):
        return OrgUnit.objects.all()
    return OrgUnit.objects.subtree(user.unit)


def manages_whole_city(user) -> bool:
    """Return whether ``user`` manages the users of every unit (and may give the city-wide roles)."""
    if not getattr(user, "is_authenticated", False) or role_of(user) != Role.ADMIN:
        return False
    return user.is_superuser or user.unit_id is None or user.unit.parent_id is None


def scope_unit(user) -> OrgUnit | None:
    """Return the top unit of the user's scope (the root for city-wide users), or None."""
    if sees_whole_city(user):
        return user.unit or OrgUnit.objects.roots().order_by("code").first()
    return user.unit if getattr(user, "is_authenticated", False) else None


def visible_units(user) -> QuerySet:
    """Return the units the user may see."""
    if sees_whole_city(user):
        return OrgUnit.objects.all()
    if not getattr(user, "is_authenticated", False) or user.unit_id is None:
        return OrgUnit.objects.none()
    return OrgUnit.objects.subtree(user.unit)


def visible_units_key(user) -> str:
    """Return a name of ``visible_units(user)`` for cache keys: "city", "unit-<id>" (its subtree), or "none"."""
    if sees_whole_city(user):
        return "city"
    if not getattr(user, "is_authenticated", False) or user.unit_id is None:
        return "none"
    return f"unit-{user.unit_id}"


def can_see_unit(user, unit: OrgUnit) -> bool:
    """Return whether ``unit`` is inside the user's scope."""
    if sees_whole_city(user):
        return True
    return bool(getattr(user, "unit", None)) and unit.is_within(user.unit)


def visible_persons(user) -> QuerySet:
    """Return the persons the user may see."""
    if sees_whole_city(user):
        return Person.objects.all()
    if not getattr(user, "is_authenticated", False) or user.unit_id is None:
        return Person.objects.none()
    return Person.objects.in_unit(user.unit)


def visible_qualifications(user) -> QuerySet:
    """Return the dated qualifications the user may see."""
    return Qualification.objects.filter(person__in=visible_persons(user).values("pk"))


def visible_appointments(user) -> QuerySet:
    """Return the appointments the user may see."""
    return Appointment.objects.filter(person__in=visible_persons(user).values("pk"))
