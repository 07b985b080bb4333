"""Who may use the API: the same roles as the screens (``accounts.roles``).

Reading needs a role, as every screen does; what a reader sees is narrowed by ``accounts.scoping`` in
each view's queryset, so another unit's record is a 404, never a 403 that would tell it exists.
Writing needs the admin or HR role (persons, their records, courses) or the admin role (units,
programmes, indicators).
"""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from accounts.roles import Role, role_of


def request_role(request) -> str | None:
    """Return the role of the request's user, read once per request."""
    if not hasattr(request, "_api_role"):
        request._api_role = role_of(request.user)
    return request._api_role


class HasRole(BasePermission):
    """Let in logged-in users who have a role (admin, hr, leader, viewer)."""

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated) and request_role(request) is not None


class HrWrites(HasRole):
    """Let every role read; let only admins and HR officers write."""

    def has_permission(self, request, view):
        if not super().has_permission(request, view):
            return False
        return request.method in SAFE_METHODS or request_role(request) in (Role.ADMIN, Role.HR)


class AdminWrites(HasRole):
    """Let every role read; let only admins write."""

    def has_permission(self, request, view):
        if not super().has_permission(request, view):
            return False
        return request.method in SAFE_METHODS or request_role(request) == Role.ADMIN
