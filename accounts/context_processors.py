"""What every page's menu needs to know about the user."""

from . import mfa
from .roles import Role, role_of


def navigation(request) -> dict:
    """Return ``can_import``: whether the menu shows "Nhập dữ liệu" (and ``can_reorganise``: "Sắp xếp đơn vị").

    Importers are exactly the accounts that need the second factor (``accounts.mfa``: the import
    permission, or a superuser), decided once per session; asking ``perms`` in the template instead cost
    two permission queries on every page. The import pages still check the permission itself.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"can_import": False, "can_reorganise": False}
    can_import = mfa.session_needs_mfa(request)
    # Admins are importers: the role (a query for a non-superuser) is read only for importers, when drawn.
    return {"can_import": can_import, "can_reorganise": lambda: can_import and role_of(user) == Role.ADMIN}
